"""`accord sla --engine` and `--jobs`: the batch engine by default, the reference on request,
the same records whichever runs and on however many processes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord.cli.main import app
from accord.core.engine.batch import PLAIN_RECORDS_SCHEMA
from accord.demo.generate import generate_events

runner = CliRunner()
SCENARIOS = Path(__file__).parents[1] / "scenarios"
DEMO_CONFIG = Path(__file__).parents[2] / "src" / "accord" / "demo" / "config"
AS_OF = "2026-06-30T18:00:00Z"


def _demo_log(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    end = datetime(2026, 6, 30, 18, tzinfo=UTC)
    with path.open("w") as f:
        for e in generate_events(seed=5, end=end, tickets=120):
            f.write(json.dumps(e.to_dict()) + "\n")
    return path


def _json(args: list[str]) -> list[dict[str, object]]:
    res = runner.invoke(app, ["sla", *args, "--format", "json"])
    assert res.exit_code == 0, res.output
    rows: list[dict[str, object]] = json.loads(res.stdout)
    return rows


def _without_explanations(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in r.items() if k != "explanation"} for r in rows]


def test_batch_engine_is_the_default_and_equals_the_reference(tmp_path: Path) -> None:
    log = _demo_log(tmp_path)
    base = [str(log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF]
    batch = _json(base)
    reference = _json([*base, "--engine", "reference"])
    assert len(batch) > 100
    assert _without_explanations(batch) == _without_explanations(reference)
    assert all(r["explanation"] == [] for r in batch)
    assert any(r["explanation"] for r in reference)


def test_jobs_split_the_tickets_without_changing_the_records(tmp_path: Path) -> None:
    log = _demo_log(tmp_path)
    base = [str(log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF]
    assert _json([*base, "--jobs", "2"]) == _json([*base, "--jobs", "1"])


def test_batch_parquet_output_has_the_records_writer_schema(tmp_path: Path) -> None:
    d = SCENARIOS / "status-based-clocks"
    out = tmp_path / "r.parquet"
    args = [
        *("sla", str(d / "events.jsonl"), "-c", str(d / "config.yaml")),
        *("--as-of", "2024-03-05T00:00:00Z", "--format", "parquet", "--out", str(out)),
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    ref = tmp_path / "ref.parquet"
    res = runner.invoke(app, [*args[:-1], str(ref), "--engine", "reference"])
    assert res.exit_code == 0, res.output
    got, want = pq.read_table(out), pq.read_table(ref)
    assert got.schema.remove_metadata() == want.schema.remove_metadata()
    assert got.column_names == PLAIN_RECORDS_SCHEMA.names
    assert got.drop_columns(["explanation"]).equals(want.drop_columns(["explanation"]))


def test_unknown_engine_is_rejected() -> None:
    d = SCENARIOS / "first-response-inside-hours"
    res = runner.invoke(
        app, ["sla", str(d / "events.jsonl"), "-c", str(d / "config.yaml"), "--engine", "fast"]
    )
    assert res.exit_code == 2
    assert "--engine" in res.output


def test_reference_engine_refuses_several_jobs() -> None:
    d = SCENARIOS / "first-response-inside-hours"
    res = runner.invoke(
        app,
        ["sla", str(d / "events.jsonl"), "-c", str(d / "config.yaml"), "--engine", "reference",
         "--jobs", "2"],
    )  # fmt: skip
    assert res.exit_code == 2
    assert "--jobs" in res.output


def test_batch_engine_quarantines_bad_rows_like_the_reference(tmp_path: Path) -> None:
    d = SCENARIOS / "first-response-inside-hours"
    events = tmp_path / "events.jsonl"
    events.write_text(
        (d / "events.jsonl").read_text()
        + '{"event_id": "bad", "ticket_id": "T9", "ts": "yesterday", "kind": "created"}\n'
    )
    res = runner.invoke(app, ["sla", str(events), "-c", str(d / "config.yaml"),
                              "--as-of", "2024-03-05T00:00:00Z", "-f", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    kept = [
        json.loads(x) for x in (tmp_path / "events.jsonl.quarantine.jsonl").read_text().splitlines()
    ]
    assert [(q["row"], q["field"]) for q in kept] == [(3, "ts")]


def test_out_files_go_into_new_folders(tmp_path: Path) -> None:
    made = tmp_path / "made"
    res = runner.invoke(
        app,
        ["demo", "generate", "--events", "500", "--end", AS_OF,
         "--out", str(made / "log" / "events.jsonl"), "--config-out", str(made / "config")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    base = [str(made / "log" / "events.jsonl"), "-c", str(made / "config"), "--as-of", AS_OF]
    for engine, fmt in (("batch", "parquet"), ("batch", "csv"), ("reference", "jsonl")):
        out = made / engine / fmt / f"records.{fmt}"
        res = runner.invoke(app, ["sla", *base, "--engine", engine, "-f", fmt, "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert out.stat().st_size > 0


def _batch_records(log: Path) -> list[Any]:
    from accord.core.config.loader import load_config
    from accord.core.engine.batch import compute_batch, records_from_table
    from accord.core.timeutil import parse_as_of
    from accord.io.columnar import read_columnar

    config = load_config(DEMO_CONFIG)
    events = read_columnar([log], status_category=config.status_category).events
    # accord sla always asks for the internal agreements' records (the demo has one)
    table = compute_batch(events, config, parse_as_of(AS_OF), agreements=True)
    return records_from_table(table)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_batch_text_outputs_are_the_record_writers_bytes(tmp_path: Path, fmt: str) -> None:
    from accord.io.records_out import write_records

    log = _demo_log(tmp_path)
    base = [str(log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", fmt]
    res = runner.invoke(app, ["sla", *base, "-o", str(tmp_path / f"got.{fmt}")])
    assert res.exit_code == 0, res.output
    records = _batch_records(log)
    write_records(records, tmp_path / f"want.{fmt}", fmt)
    assert (tmp_path / f"got.{fmt}").read_bytes() == (tmp_path / f"want.{fmt}").read_bytes()
    # on standard output: the same text as the reference engine prints, explanations aside
    printed = runner.invoke(app, ["sla", *base])
    reference = runner.invoke(app, ["sla", *base, "--engine", "reference"])
    assert printed.exit_code == reference.exit_code == 0
    if fmt == "csv":
        got: list[Any] = printed.stdout.splitlines()
        want: list[Any] = _csv_without_explanations(reference.stdout)
    else:
        got = _rows_of(printed.stdout, fmt)
        want = _rows_of(reference.stdout, fmt)
    assert len(got) > 100
    assert got == want


def _csv_without_explanations(text: str) -> list[str]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow([*r[:-1], "explanation" if r[-1] == "explanation" else "[]"])
    return buf.getvalue().splitlines()


def _rows_of(text: str, fmt: str) -> list[dict[str, object]]:
    rows = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    return _without_explanations(rows)


def test_batch_table_output_is_the_reference_scoreboard(tmp_path: Path) -> None:
    log = _demo_log(tmp_path)
    base = [str(log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF]
    batch = runner.invoke(app, ["sla", *base])
    reference = runner.invoke(app, ["sla", *base, "--engine", "reference"])
    assert batch.exit_code == reference.exit_code == 0
    assert "SLA compliance by metric and priority" in batch.stdout
    assert "Most at risk" in batch.stdout
    assert batch.stdout == reference.stdout


def test_parquet_in_and_out_on_threads_equals_the_reference(tmp_path: Path) -> None:
    # the streamed path: a Parquet log read with one-byte codes, computed a partition at a
    # time on three threads, written partition by partition
    from accord.demo.generate import generate_log, log_table
    from accord.io.table_writers import write_event_table

    end = datetime(2026, 6, 30, 18, tzinfo=UTC)
    log = tmp_path / "events.parquet"
    write_event_table(log, [log_table(generate_log(seed=5, end=end, tickets=150))])
    out, ref = tmp_path / "out.parquet", tmp_path / "ref.parquet"
    base = ["sla", str(log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "parquet", "-o"]
    res = runner.invoke(app, [*base, str(out), "--jobs", "3"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*base, str(ref), "--engine", "reference"])
    assert res.exit_code == 0, res.output
    got, want = pq.read_table(out), pq.read_table(ref)
    assert got.num_rows > 100
    assert got.drop_columns(["explanation"]).equals(want.drop_columns(["explanation"]))


def test_one_row_group_split_between_threads_gives_the_records_of_one_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a log of one row group, with repeated events: with --jobs 2 its batches are validated
    # as slices on both threads and the repeated ids found on both (SPLIT_ROWS made
    # small, so that this small log is split as a million events are)
    import pyarrow as pa

    from accord.demo.generate import generate_log, log_table
    from accord.io import columnar_threads

    end = datetime(2026, 6, 30, 18, tzinfo=UTC)
    table = log_table(generate_log(seed=5, end=end, tickets=150))
    one_group = tmp_path / "events.parquet"
    pq.write_table(pa.concat_tables([table, table.slice(0, 40)]), one_group)
    assert pq.ParquetFile(one_group).metadata.num_row_groups == 1
    calls: list[int] = []
    real = columnar_threads.split_piece

    def spy(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(columnar_threads, "SPLIT_ROWS", 64)
    monkeypatch.setattr(columnar_threads, "split_piece", spy)
    base = ["sla", str(one_group), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "parquet"]
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"records-{jobs}.parquet"
        res = runner.invoke(app, [*base, "-o", str(out), "--jobs", jobs])
        assert res.exit_code == 0, res.output
        assert "40 duplicates" in res.output
        outs.append(pq.read_table(out))
    assert calls  # the threads really split the row group
    assert outs[0].num_rows > 100
    assert outs[1].equals(outs[0])


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    group=st.integers(50, 900),
    repeated=st.integers(0, 60),
    bad=st.lists(st.integers(100, 1799), max_size=5),  # not the repeated rows
    split=st.sampled_from([16, 64, 1 << 15]),
    block=st.sampled_from([1, 100, 1 << 16]),
)
def test_row_groups_of_any_size_on_threads_give_the_records_of_one_job(
    tmp_path_factory: pytest.TempPathFactory,
    group: int,
    repeated: int,
    bad: list[int],
    split: int,
    block: int,
) -> None:
    # a log in arrival order (tickets across row groups) in row groups of any size, with
    # repeated events and quarantined rows: --jobs 2 (the last round of groups shared out as
    # slices of at least ``split`` rows, the tickets cut on both threads in blocks of at least
    # ``block`` rows, the last partitions small) writes the records and counts of --jobs 1
    import pyarrow as pa

    from accord.core.engine.batch import cut
    from accord.demo.generate import generate_log, log_table
    from accord.io import columnar_threads

    tmp = tmp_path_factory.mktemp("groups")
    end = datetime(2026, 6, 30, 18, tzinfo=UTC)
    table = log_table(generate_log(seed=5, end=end, tickets=150)).sort_by("ts")
    rows = table.to_pylist()
    for i in bad:
        rows[i % len(rows)]["kind"] = "not-a-kind"  # quarantined: an unknown kind
    table = pa.Table.from_pylist(rows, schema=table.schema)
    log = tmp / "events.parquet"
    pq.write_table(pa.concat_tables([table, table.slice(7, repeated)]), log, row_group_size=group)
    base = ["sla", str(log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "parquet"]
    outs, said = [], []
    with (
        mock.patch.object(columnar_threads, "SPLIT_ROWS", split),
        mock.patch.object(cut, "BLOCK_ROWS", block),
    ):
        for jobs in ("1", "2"):
            out = tmp / f"records-{jobs}.parquet"
            res = runner.invoke(app, [*base, "-o", str(out), "--jobs", jobs])
            assert res.exit_code == 0, res.output
            outs.append(pq.read_table(out))
            # the counts (the progress lines tell the threads and the time)
            said.append(next(ln for ln in res.output.splitlines() if "rows read" in ln))
    assert outs[0].num_rows > 100
    assert outs[1].equals(outs[0])
    assert said[1] == said[0]
    assert f"{repeated:,} duplicates" in said[0]
    assert (f"{len({i % len(rows) for i in bad}):,} quarantined") in said[0]
