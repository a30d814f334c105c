"""The columnar event writer writes what write_events writes for the same events: the same
bytes in JSON Lines and CSV, the same table in Parquet, whatever the batches."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from accord.demo.generate import DemoLog, generate_log, log_table
from accord.io.readers import read_events
from accord.io.table_writers import write_event_table
from accord.io.writers import write_events

END = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def log() -> DemoLog:
    return generate_log(seed=5, end=END, tickets=400)


def _batches(log: DemoLog, size: int) -> list:  # type: ignore[type-arg]
    return [log_table(log, i, i + size) for i in range(0, len(log), size)]


@pytest.mark.parametrize("name", ["events.jsonl", "events.csv", "events.jsonl.gz"])
def test_text_formats_are_byte_for_byte_those_of_write_events(
    log: DemoLog, tmp_path: Path, name: str
) -> None:
    write_events(tmp_path / f"a-{name}", log.events())
    n = write_event_table(tmp_path / f"b-{name}", _batches(log, 777))
    assert n == len(log)
    if name.endswith(".gz"):
        import gzip

        a = gzip.decompress((tmp_path / f"a-{name}").read_bytes())
        b = gzip.decompress((tmp_path / f"b-{name}").read_bytes())
    else:
        a, b = (tmp_path / f"a-{name}").read_bytes(), (tmp_path / f"b-{name}").read_bytes()
    assert a == b


def test_parquet_holds_the_table_write_events_writes(log: DemoLog, tmp_path: Path) -> None:
    write_events(tmp_path / "a.parquet", log.events())
    write_event_table(tmp_path / "b.parquet", _batches(log, 1000))
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))


def test_what_is_written_reads_back_as_the_same_events(log: DemoLog, tmp_path: Path) -> None:
    write_event_table(tmp_path / "e.jsonl", _batches(log, 5000))
    read = read_events(tmp_path / "e.jsonl")
    assert len(read.events) == len(log) and not read.quarantined
    wanted = {json.dumps(e.to_dict(), sort_keys=True) for e in log.events()}
    assert {json.dumps(e.to_dict(), sort_keys=True) for e in read.events} == wanted


def test_an_empty_log_writes_an_empty_file_and_the_csv_header(tmp_path: Path) -> None:
    empty = generate_log(end=END, tickets=0)
    assert write_event_table(tmp_path / "e.jsonl", []) == 0
    assert (tmp_path / "e.jsonl").read_bytes() == b""
    write_event_table(tmp_path / "e.csv", [log_table(empty)])
    assert (tmp_path / "e.csv").read_text().startswith("event_id,ticket_id,ts,kind")
    write_event_table(tmp_path / "e.parquet", [])
    assert pq.read_table(tmp_path / "e.parquet").num_rows == 0


def test_a_failed_write_leaves_no_file(log: DemoLog, tmp_path: Path) -> None:
    def broken():  # type: ignore[no-untyped-def]
        yield log_table(log, 0, 10)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_event_table(tmp_path / "e.jsonl", broken())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("seed", "end"),
    [
        (1, END),
        (7, datetime(2025, 11, 2, 6, 59, 59, tzinfo=UTC)),
        (23, datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
@pytest.mark.parametrize("rows", [1, 97, 4096])
def test_json_lines_in_chunks_are_the_bytes_of_write_events_for_any_seed(
    tmp_path: Path, seed: int, end: datetime, rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.io import table_writers

    log = generate_log(seed=seed, end=end, tickets=60)
    monkeypatch.setattr(table_writers, "TEXT_ROWS", rows)  # chunks cut anywhere in a batch
    write_events(tmp_path / "a.jsonl", log.events())
    write_event_table(tmp_path / "b.jsonl", _batches(log, 1000))
    want = (tmp_path / "a.jsonl").read_bytes()
    assert (tmp_path / "b.jsonl").read_bytes() == want
    joined = b"".join(
        bytes(table_writers._text_bytes(table_writers.jsonl_lines(t))) for t in _batches(log, 1000)
    )
    assert joined == want
