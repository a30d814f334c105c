"""`accord sla --breakdown`: where each clock's time went, one row per cycle and holder, in the
same bytes whichever engine computed it; and the internal agreements' records in the output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from accord.cli.main import app

runner = CliRunner()
SCENARIOS = Path(__file__).parents[1] / "scenarios"
A1 = SCENARIOS / "attribution-time-split-by-team"
O1 = SCENARIOS / "ola-from-assignment-to-hand-off"
AS_OF = "2024-03-04T16:00:00Z"


def _sla(folder: Path, *args: str) -> str:
    res = runner.invoke(
        app, ["sla", str(folder / "events.jsonl"), "-c", str(folder / "config.yaml"),
              "--as-of", AS_OF, *args],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.mark.parametrize("engine", ["batch", "reference"])
def test_breakdown_rows_are_written_beside_the_records(tmp_path: Path, engine: str) -> None:
    out = tmp_path / "records.csv"
    _sla(A1, "--breakdown", "team,status", "-f", "csv", "-o", str(out), "--engine", engine)
    text = (tmp_path / "records.breakdown.csv").read_text()
    assert list(csv.reader(io.StringIO(text))) == [
        ["ticket_id", "metric", "cycle", "team", "status", "business_elapsed",
         "paused_business", "as_of"],
        ["T1", "resolution", "1", "L1", "new", "3600", "0", "2024-03-04T16:00:00Z"],
        ["T1", "resolution", "1", "L2", "new", "3600", "0", "2024-03-04T16:00:00Z"],
        ["T1", "resolution", "1", "L2", "pending", "0", "7200", "2024-03-04T16:00:00Z"],
        ["T1", "resolution", "1", "L2", "open", "7200", "0", "2024-03-04T16:00:00Z"],
    ]  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet"])
def test_both_engines_write_the_same_breakdown_in_every_format(tmp_path: Path, suffix: str) -> None:
    got = []
    for engine in ("batch", "reference"):
        path = tmp_path / f"{engine}{suffix}"
        _sla(O1, "--breakdown", "team,assignee", "--breakdown-out", str(path), "--engine", engine)
        got.append(path)
    if suffix == ".parquet":
        tables = [pq.read_table(p) for p in got]
        assert tables[0].equals(tables[1])
        assert tables[0].column("metric").to_pylist() == ["resolution"] * 2 + ["ola:L2-response"]
    else:
        assert got[0].read_bytes() == got[1].read_bytes()
    if suffix == ".jsonl":
        first = json.loads(got[0].read_text().splitlines()[0])
        assert first == {
            "ticket_id": "T1", "metric": "resolution", "cycle": 1, "team": "L1",
            "assignee": None, "business_elapsed": 7200, "paused_business": 0,
            "as_of": "2024-03-04T16:00:00Z",
        }  # fmt: skip


def test_the_internal_agreements_records_are_in_the_output(tmp_path: Path) -> None:
    rows = json.loads(_sla(O1, "-f", "json", "--engine", "batch"))
    ola = [r for r in rows if r["metric"] == "ola:L2-response"]
    assert [(r["business_elapsed"], r["state"], r["breached_at"]) for r in ola] == [
        (10800, "breached", "2024-03-04T12:00:00Z")
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--breakdown", "tags", "--breakdown-out", "x.csv"], "several values"),
        (["--breakdown", "team"], "--breakdown-out"),
        (["--breakdown", "team", "--breakdown-out", "x.txt"], "ending in"),
        (["--breakdown-out", "x.csv"], "needs --breakdown"),
    ],
)
def test_a_breakdown_that_cannot_be_made_is_a_usage_error(args: list[str], words: str) -> None:
    res = runner.invoke(
        app, ["sla", str(A1 / "events.jsonl"), "-c", str(A1 / "config.yaml"), *args]
    )
    assert res.exit_code == 2
    assert words in " ".join(res.output.split())
