"""Writing events: lossless round trips through JSON Lines, CSV and Parquet (accord.io.writers)."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from accord.core.event_validation import canonical_content, parse_event
from accord.core.events import Event
from accord.errors import UnsupportedFormatError
from accord.io.readers import read_events
from accord.io.writers import EventSink, MemorySink, event_columns, flatten_event, write_events

T0 = "2026-03-02T09:15:00Z"


def sample_events() -> list[Event]:
    rows: list[dict[str, Any]] = [
        {
            "event_id": "e1",
            "ticket_id": "T-1",
            "ts": "2026-03-02T09:15:00.123456Z",
            "kind": "created",
            "actor": "customer",
            "fields": {
                "status": "new",
                "priority": "P1",
                "customer": "Acme, Inc.",
                "team": "Tier 1",
                "assignee": None,
                "channel": "email",
                "type": "incident",
                "tags": ["vip", "billing"],
                "region": "EMEA",
                "seats": 40,
                "ratio": 0.5,
                "vip": True,
                "note": "",
                "gone": None,
                "quote": 'he said "hi"\nthen left',
            },
        },
        {
            "event_id": "e2",
            "ticket_id": "T-1",
            "ts": "2026-03-02T09:20:00Z",
            "kind": "message",
            "actor": "agent",
            "public": True,
        },
        {
            "event_id": "e3",
            "ticket_id": "T-1",
            "ts": "2026-03-02T09:21:00Z",
            "kind": "message",
            "actor": "agent",
            "public": False,
        },
        {
            "event_id": "e4",
            "ticket_id": "T-2",
            "ts": "2026-03-02T08:00:00+01:00",
            "kind": "updated",
            "fields": {"tags": [], "priority": 2, "status": "Überprüfung"},
        },
        {
            "event_id": "e5",
            "ticket_id": "T-2",
            "ts": T0,
            "kind": "updated",
            "fields": {"tags": ["a;b", " spaced "], "region": "  "},
        },
        {"event_id": "e6", "ticket_id": "T-2", "ts": T0, "kind": "rating", "rating": 4.5},
        {"event_id": "e7", "ticket_id": "T-2", "ts": T0, "kind": "rating", "rating": "good"},
        {"event_id": "e8", "ticket_id": "T-2", "ts": T0, "kind": "deleted", "actor": "system"},
        {"ticket_id": "T-3", "ts": T0, "kind": "created"},  # a hash id
    ]
    return [parse_event(r, seq=i) for i, r in enumerate(rows)]


def exact(events: list[Event]) -> list[tuple[str, int, str]]:
    # canonical JSON tells 1 from 1.0 and from true, which == on dicts would not
    return [(e.event_id, e.seq, canonical_content(e)) for e in events]


@pytest.mark.parametrize(
    "name", ["out.jsonl", "out.jsonl.gz", "out.csv", "out.csv.gz", "out.parquet"]
)
def test_write_then_read_gives_the_same_events(tmp_path: Path, name: str) -> None:
    events = sample_events()
    path = tmp_path / name
    assert write_events(path, events) == len(events)
    back = read_events(path)
    assert back.quarantined == []
    assert back.duplicates == 0
    assert back.events == events
    assert exact(back.events) == exact(events)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_named_custom_fields_get_their_own_column_and_still_round_trip(
    tmp_path: Path, fmt: str
) -> None:
    events = sample_events()
    path = tmp_path / f"out.{fmt}"
    write_events(path, events, custom_fields=["region", "seats"])
    if fmt == "csv":
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows[0]["field.region"] == "EMEA"
        assert rows[0]["field.seats"] == ""  # a number travels in the JSON column
        assert json.loads(rows[0]["fields"])["seats"] == 40
    else:
        table = pq.read_table(path)
        assert table.column_names == event_columns(["region", "seats"])
        assert table.column("field.region")[0].as_py() == "EMEA"
    assert exact(read_events(path).events) == exact(events)


def test_csv_uses_flattened_columns_semicolon_tags_and_true_false(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_events(path, sample_events())
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == event_columns()
    assert rows[0]["tags"] == "vip;billing"
    assert rows[0]["status"] == "new"
    assert rows[0]["assignee"] == ""  # cleared: written as null in the fields column
    assert json.loads(rows[0]["fields"])["assignee"] is None
    assert (rows[1]["public"], rows[2]["public"]) == ("true", "false")
    assert json.loads(rows[3]["fields"]) == {"tags": []}  # no tags at all: not an empty cell
    assert rows[3]["priority"] == "2"


def test_parquet_uses_typed_columns(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    write_events(path, sample_events())
    schema = pq.read_schema(path)
    assert str(schema.field("ts").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("public").type) == "bool"
    assert str(schema.field("tags").type) == "list<element: string>"


def test_jsonl_lines_are_the_canonical_dicts(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    events = sample_events()
    write_events(path, events)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [e.to_dict() for e in events]
    assert "Überprüfung" in lines[3]  # readable text, not \\u escapes


def test_writers_consume_a_generator_and_write_parquet_in_batches(tmp_path: Path) -> None:
    template = parse_event({"ticket_id": "T-1", "ts": T0, "kind": "created"})
    count = 20_000

    def gen() -> Iterator[Event]:
        for i in range(count):
            yield Event(
                event_id=f"e{i}",
                ticket_id=template.ticket_id,
                ts=template.ts + i,
                kind=template.kind,
                seq=i,
            )

    path = tmp_path / "out.parquet"
    assert write_events(path, gen()) == count
    assert pq.ParquetFile(path).metadata.num_row_groups >= 2
    back = read_events(path).events
    assert len(back) == count
    assert back[-1].ts == template.ts + count - 1


def test_empty_input_writes_an_empty_but_readable_file(tmp_path: Path) -> None:
    for name in ("e.jsonl", "e.csv", "e.parquet"):
        write_events(tmp_path / name, [])
        assert read_events(tmp_path / name).rows == 0


def test_the_format_may_be_given_and_gz_compresses(tmp_path: Path) -> None:
    path = tmp_path / "events.out"
    write_events(path, sample_events(), fmt="csv")
    assert path.read_text(encoding="utf-8").startswith("event_id,ticket_id,ts")
    gz = tmp_path / "e.jsonl.gz"
    write_events(gz, sample_events())
    with gzip.open(gz, "rt", encoding="utf-8") as f:
        assert json.loads(f.readline())["event_id"] == "e1"


def test_an_unwritable_format_raises_unsupported_format(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError):
        write_events(tmp_path / "e.xlsx", [])
    with pytest.raises(UnsupportedFormatError, match="cannot write events as 'quarantine'"):
        write_events(tmp_path / "e.jsonl", [], fmt="quarantine")


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("old\n")

    def broken() -> Iterator[Event]:
        yield sample_events()[0]
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError):
        write_events(path, broken())
    assert path.read_text() == "old\n"  # the previous file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["e.jsonl"]


def test_flatten_event_marks_unset_columns_as_none() -> None:
    row = flatten_event(sample_events()[1])
    assert row["public"] is True
    assert row["status"] is None
    assert row["fields"] is None


def test_memory_sink_keeps_events_once_per_event_id() -> None:
    sink: EventSink = MemorySink()
    events = sample_events()
    assert sink.add(events) == len(events)
    assert sink.add(events[:3]) == 0
    assert isinstance(sink, MemorySink)
    assert sink.events == events
    assert len(sink) == len(events)
