"""What every command that reads rows says about them: the quarantine count and file on
each run, an input that gives no event (exit 4), ``--strict`` (exit 10)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.errors import InputError, RowsQuarantinedError
from tests.cli.test_statement_cli import AS_OF, CONFIG, EVENTS

runner = CliRunner()
BAD_ROW = '{"event_id": "bad", "ticket_id": "T9", "ts": "yesterday", "kind": "created"}\n'


def _good_rows() -> str:
    rows = []
    for n, (ticket, created, reply) in enumerate(EVENTS):
        rows.append(
            {
                "event_id": f"c{n}",
                "ticket_id": ticket,
                "ts": created,
                "kind": "created",
                "actor": "customer",
                "fields": {"customer": "acme", "status": "new"},
            }
        )
        rows.append({"event_id": f"r{n}", "ticket_id": ticket, "ts": reply, "kind": "message",
                     "actor": "agent", "public": True})  # fmt: skip
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.mkdir()
    (path / "accord.yaml").write_text(CONFIG, encoding="utf-8")
    return path


def _events(tmp_path: Path, text: str, name: str = "events.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _commands(events: Path, config: Path) -> dict[str, list[str]]:
    common = [str(events), "--config", str(config), "--as-of", AS_OF]
    return {
        "sla": ["sla", *common, "-f", "json"],
        "sla reference": ["sla", *common, "-f", "json", "--engine", "reference"],
        "kpi": ["kpi", *common, "-f", "json"],
        "kpi reference": ["kpi", *common, "-f", "json", "--engine", "reference"],
        "statement": ["statement", *common, "acme", "--period", "2026-10", "-f", "json"],
    }


def test_every_run_prints_the_quarantine_count_and_its_file(tmp_path: Path, config: Path) -> None:
    clean = _events(tmp_path, _good_rows(), "clean.jsonl")
    mixed = _events(tmp_path, _good_rows() + BAD_ROW, "mixed.jsonl")
    kept = tmp_path / "mixed.jsonl.quarantine.jsonl"
    for name, args in _commands(clean, config).items():
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (name, res.output)
        assert "0 rows quarantined" in res.stderr, name
    for name, args in _commands(mixed, config).items():
        kept.unlink(missing_ok=True)
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (name, res.output)
        assert f"1 row quarantined → {kept}" in " ".join(res.stderr.split()), (name, res.stderr)
        (line,) = kept.read_text(encoding="utf-8").splitlines()  # replaced, never appended
        assert json.loads(line)["row"] == 7, name


def test_strict_exits_10_when_any_row_was_quarantined(tmp_path: Path, config: Path) -> None:
    clean = _events(tmp_path, _good_rows(), "clean.jsonl")
    mixed = _events(tmp_path, _good_rows() + BAD_ROW, "mixed.jsonl")
    assert RowsQuarantinedError.exit_code == 10
    for name, args in _commands(clean, config).items():
        res = runner.invoke(app, [*args, "--strict"])
        assert res.exit_code == 0, (name, res.output)
    for name, args in _commands(mixed, config).items():
        res = runner.invoke(app, [*args, "--strict"])
        assert res.exit_code == 10, (name, res.output)
        assert "--strict: 1 row quarantined" in res.stderr, name
        assert json.loads(res.stdout), name  # the results are still written, without the row


def test_an_empty_input_says_so_and_exits_4(tmp_path: Path, config: Path) -> None:
    empty = _events(tmp_path, "")
    for name, args in _commands(empty, config).items():
        res = runner.invoke(app, args)
        assert res.exit_code == InputError.exit_code == 4, (name, res.output)
        assert "the input is empty" in " ".join(res.stderr.split()), name
        assert res.stdout == "", name


def test_an_input_whose_every_row_is_quarantined_exits_4(tmp_path: Path, config: Path) -> None:
    bad = _events(tmp_path, BAD_ROW * 3)
    for name, args in _commands(bad, config).items():
        res = runner.invoke(app, args)
        assert res.exit_code == 4, (name, res.output)
        said = " ".join(res.stderr.split())
        assert "no valid event in" in said and "each of the 3 rows was quarantined" in said, name
        assert len((tmp_path / "events.jsonl.quarantine.jsonl").read_text().splitlines()) == 3


def test_a_truncated_gzip_event_file_exits_4_saying_so_never_aborted(
    tmp_path: Path, config: Path
) -> None:
    for suffix in ("jsonl", "csv"):
        cut = tmp_path / f"events.{suffix}.gz"
        text = _good_rows() * 200 if suffix == "jsonl" else _as_csv(_good_rows() * 200)
        packed = gzip.compress(text.encode("utf-8"))
        cut.write_bytes(packed[: len(packed) // 2])
        for name, args in _commands(cut, config).items():
            res = runner.invoke(app, args)
            said = " ".join(res.output.split())
            assert res.exit_code == 4, (suffix, name, res.output)
            assert "Aborted" not in said and "Traceback" not in said, (suffix, name)
            assert f"{cut}: the gzip data stops before its end: the file is truncated" in said


def _as_csv(jsonl: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["event_id", "ticket_id", "ts", "kind", "actor", "public"])
    for n, line in enumerate(jsonl.splitlines()):
        row = json.loads(line)
        writer.writerow([f"{row['event_id']}-{n}", row["ticket_id"], row["ts"], row["kind"],
                         row["actor"], row.get("public", "")])  # fmt: skip
    return out.getvalue()
