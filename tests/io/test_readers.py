"""Reading event files: formats, row numbers, duplicates, streaming (accord.io.readers)."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.core.events import Actor, Kind, StatusCategory
from accord.core.timeutil import parse_as_of
from accord.errors import InputError, UnsupportedFormatError
from accord.io.quarantine import QuarantineRecord
from accord.io.readers import (
    Accepted,
    Deduplicator,
    Duplicate,
    detect_format,
    iter_csv,
    iter_jsonl,
    iter_rows,
    read_events,
    read_many,
)

T0 = "2026-03-02T09:15:00Z"


def created(eid: str, ticket: str = "T-1", ts: str = T0, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"event_id": eid, "ticket_id": ticket, "ts": ts, "kind": "created"}
    if fields:
        row["fields"] = fields
    return row


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- JSON Lines ----------------------------------------------------------------------------------


def test_jsonl_rows_become_events_in_arrival_order_with_seq_as_arrival_index(
    tmp_path: Path,
) -> None:
    p = write_jsonl(
        tmp_path / "e.jsonl",
        [
            created("b", ts="2026-03-02T10:00:00Z"),
            created("a", ts="2026-03-02T09:00:00Z"),
            {
                "event_id": "c",
                "ticket_id": 1,
                "ts": T0,
                "kind": "message",
                "actor": "agent",
                "public": True,
            },
        ],
    )
    r = read_events(p)
    assert [e.event_id for e in r.events] == ["b", "a", "c"]  # arrival order, not ts order
    assert [e.seq for e in r.events] == [0, 1, 2]
    assert r.events[2].actor is Actor.AGENT
    assert (r.rows, r.duplicates, r.quarantined) == (3, 0, [])


def test_jsonl_a_bad_row_is_quarantined_with_file_line_field_and_reason(tmp_path: Path) -> None:
    p = write_jsonl(
        tmp_path / "e.jsonl",
        [created("a"), "", {"event_id": "b", "ticket_id": "T-1", "kind": "created"}],
    )
    r = read_events(p)
    assert [e.event_id for e in r.events] == ["a"]
    [q] = r.quarantined
    assert (q.source, q.row, q.field) == (str(p), 3, "ts")  # line 3: the blank line counts
    assert "ts is missing" in q.reason
    assert q.raw == {"event_id": "b", "ticket_id": "T-1", "kind": "created"}
    assert r.rows == 2


def test_every_bad_row_of_a_file_is_quarantined_naming_file_row_field_and_reason(
    tmp_path: Path,
) -> None:
    ok = created("ok")
    bad_rows: list[tuple[dict[str, Any], str]] = [
        ({"ts": T0, "kind": "created"}, "ticket_id"),
        ({"ticket_id": "T-1", "kind": "created"}, "ts"),
        ({"ticket_id": "T-1", "ts": "2026-13-01T00:00:00Z", "kind": "created"}, "ts"),
        ({"ticket_id": "T-1", "ts": T0}, "kind"),
        ({"ticket_id": "T-1", "ts": T0, "kind": "message", "public": True}, "actor"),
        ({"ticket_id": "T-1", "ts": T0, "kind": "message", "actor": "agent"}, "public"),
        ({"ticket_id": "T-1", "ts": T0, "kind": "created", "actor": "robot"}, "actor"),
        ({**created("x"), "fields": {"tags": "a,b"}}, "fields.tags"),
        ({**created("y"), "fields": {"status": None}}, "fields.status"),
        ({**created("z"), "note": "hi"}, "note"),
    ]
    p = write_jsonl(tmp_path / "e.jsonl", [ok, *(row for row, _ in bad_rows)])
    r = read_events(p)
    assert [e.event_id for e in r.events] == ["ok"]
    got = [(q.source, q.row, q.field) for q in r.quarantined]
    assert got == [(str(p), i + 2, field) for i, (_, field) in enumerate(bad_rows)]
    assert all(q.reason for q in r.quarantined)
    assert [q.raw for q in r.quarantined] == [row for row, _ in bad_rows]


def test_jsonl_invalid_json_is_a_whole_row_problem_and_reading_goes_on(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "e.jsonl", ['{"event_id": "a",', "[1, 2]", created("c")])
    r = read_events(p)
    assert [e.event_id for e in r.events] == ["c"]
    first, second = r.quarantined
    assert (first.row, first.field) == (1, "*")
    assert "not valid JSON" in first.reason
    assert first.raw == {"_line": '{"event_id": "a",'}
    assert (second.row, second.field) == (2, "*")
    assert "expected one JSON object per line, got a list" in second.reason


def test_a_jsonl_line_beyond_the_json_limits_is_that_rows_rejection(tmp_path: Path) -> None:
    deep = "[" * 5_000 + "]" * 5_000
    huge = '{"event_id": "h", "fields": {"n": ' + "9" * 5_000 + "}}"
    surrogate = '{"event_id": "s", "ticket_id": "\\ud800"}'
    p = write_jsonl(tmp_path / "e.jsonl", [deep, created("a"), huge, surrogate, created("b")])
    r = read_events(p)
    assert [e.event_id for e in r.events] == ["a", "b"]
    # a lone surrogate is the row's validation's to find: it names the field
    assert [(q.row, q.field) for q in r.quarantined] == [(1, "*"), (3, "*"), (4, "ticket_id")]
    reasons = [q.reason for q in r.quarantined]
    assert "nested deeper than 64" in reasons[0] and "at most 100" in reasons[1]
    assert "surrogate" in reasons[2] and r.quarantined[2].raw["ticket_id"] == "\ud800"


def test_jsonl_a_line_that_is_not_utf8_is_quarantined_and_reading_goes_on(tmp_path: Path) -> None:
    p = tmp_path / "e.jsonl"
    p.write_bytes(b'{"event_id": "\xff"}\n' + json.dumps(created("b")).encode() + b"\n")
    r = read_events(p)
    assert [e.event_id for e in r.events] == ["b"]
    assert r.quarantined[0].reason == "the line is not valid UTF-8"


def test_jsonl_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    p = tmp_path / "e.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps(created("a")).encode() + b"\n")
    assert [e.event_id for e in read_events(p).events] == ["a"]


def test_an_unknown_top_level_key_is_quarantined_telling_to_use_fields(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "e.jsonl", [{**created("a"), "region": "EMEA"}])
    [q] = read_events(p).quarantined
    assert q.field == "region"
    assert "put custom fields under 'fields'" in q.reason


def test_a_ts_without_offset_is_rejected_unless_the_source_time_zone_is_given(
    tmp_path: Path,
) -> None:
    p = write_jsonl(tmp_path / "e.jsonl", [created("a", ts="2026-03-02T10:15:00")])
    [q] = read_events(p).quarantined
    assert (q.row, q.field) == (1, "ts")
    assert "no UTC offset" in q.reason
    [e] = read_events(p, source_tz=ZoneInfo("Europe/Berlin")).events
    assert e.ts == parse_as_of("2026-03-02T09:15:00Z")


def test_an_unmapped_status_is_quarantined_when_the_reader_has_a_mapping(tmp_path: Path) -> None:
    p = write_jsonl(
        tmp_path / "e.jsonl", [created("a", status="Open"), created("b", status="Parked")]
    )

    def mapping(name: str) -> StatusCategory | None:
        return StatusCategory.OPEN if name == "Open" else None

    r = read_events(p, status_category=mapping)
    assert [e.fields["status"] for e in r.events] == ["Open"]
    [q] = r.quarantined
    assert (q.row, q.field) == (2, "fields.status")
    assert "status 'Parked' is not mapped to a category" in q.reason


# --- duplicates ----------------------------------------------------------------------------------


def test_a_repeated_event_id_with_identical_content_is_a_counted_duplicate(tmp_path: Path) -> None:
    row = created("a", status="new")
    p = write_jsonl(tmp_path / "e.jsonl", [row, created("b"), row, row])
    r = read_events(p)
    assert [e.event_id for e in r.events] == ["a", "b"]
    assert r.duplicates == 2
    assert r.quarantined == []
    assert r.rows == 4


def test_a_duplicate_is_judged_on_content_not_on_spelling(tmp_path: Path) -> None:
    a = created("a", status="new")
    b = {**a, "ts": "2026-03-02T10:15:00+01:00", "fields": None, "status": "new"}
    r = read_events(write_jsonl(tmp_path / "e.jsonl", [a, b]))
    assert (len(r.events), r.duplicates) == (1, 1)


def test_rows_without_event_id_are_deduplicated_by_their_hash_id(tmp_path: Path) -> None:
    row = {"ticket_id": "T-1", "ts": T0, "kind": "created"}
    r = read_events(write_jsonl(tmp_path / "e.jsonl", [row, row]))
    assert len(r.events) == 1
    assert r.events[0].event_id.startswith("h:")
    assert r.duplicates == 1


def test_the_same_event_id_with_different_content_is_quarantined_as_a_conflict(
    tmp_path: Path,
) -> None:
    p = write_jsonl(
        tmp_path / "e.jsonl",
        [created("x"), created("a", status="new"), created("a", status="open")],
    )
    r = read_events(p)
    assert [e.fields.get("status") for e in r.events] == [None, "new"]  # the first one wins
    [q] = r.quarantined
    assert (q.row, q.field) == (3, "event_id")
    assert q.reason.startswith("conflicts with event_id 'a' first seen at row 2")
    assert r.duplicates == 0


def test_read_many_continues_seq_and_deduplication_across_files(tmp_path: Path) -> None:
    one = write_jsonl(tmp_path / "one.jsonl", [created("a"), created("b")])
    two = write_jsonl(
        tmp_path / "two.jsonl", [created("b"), created("c"), created("a", status="x")]
    )
    r = read_many([one, two])
    assert [(e.event_id, e.seq) for e in r.events] == [("a", 0), ("b", 1), ("c", 3)]
    assert r.duplicates == 1
    [q] = r.quarantined
    assert (q.source, q.row) == (str(two), 3)
    assert f"first seen at row 1 of {one}" in q.reason
    assert r.rows == 5


def test_iter_rows_reports_duplicates_only_when_given_a_deduplicator(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "e.jsonl", [created("a"), created("a")])
    assert [type(o) for o in iter_rows(p)] == [Accepted, Accepted]
    dedupe = Deduplicator()
    outcomes = list(iter_rows(p, dedupe=dedupe))
    assert [type(o) for o in outcomes] == [Accepted, Duplicate]
    dup = outcomes[1]
    assert isinstance(dup, Duplicate)
    assert (dup.row, dup.first_row, dup.first_source) == (2, 1, str(p))
    assert len(dedupe) == 1


# --- CSV -----------------------------------------------------------------------------------------

CSV_TEXT = """\
event_id,ticket_id,ts,kind,actor,public,status,priority,tags,field.region,fields
e1,T-1,2026-03-02T09:15:00Z,created,customer,,new,P1,vip; billing,EMEA,"{""seats"": 40}"
e2,T-1,2026-03-02T09:20:00Z,message,agent,yes,,,,,
e3,T-1,2026-03-02T09:25:00Z,updated,agent,,,,,,"{""assignee"": null}"
"""


def test_csv_flattened_columns_custom_field_columns_and_tags(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(CSV_TEXT, encoding="utf-8")
    r = read_events(p)
    assert r.quarantined == []
    e1, e2, e3 = r.events
    assert e1.fields == {
        "status": "new",
        "priority": "P1",
        "tags": ("vip", "billing"),
        "region": "EMEA",
        "seats": 40,
    }
    assert e1.actor is Actor.CUSTOMER
    assert e1.public is None
    assert (e2.kind, e2.public, e2.fields) == (Kind.MESSAGE, True, {})
    assert e3.fields == {"assignee": None}  # empty cells are "not set"; null in fields clears


def test_csv_row_numbers_count_the_header_as_line_1(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(
        "event_id,ticket_id,ts,kind\n"
        'e1,T-1,2026-03-02T09:15:00Z,"created"\n'
        "\n"
        'e2,"T\n-2",noon,created\n'  # a quoted cell over two lines
        "e3,T-3,2026-03-02T09:15:00Z,closed\n",
        encoding="utf-8",
    )
    r = read_events(p)
    assert [e.event_id for e in r.events] == ["e1"]
    assert [(q.row, q.field) for q in r.quarantined] == [(4, "ts"), (6, "kind")]
    assert r.quarantined[1].raw == {
        "event_id": "e3",
        "ticket_id": "T-3",
        "ts": "2026-03-02T09:15:00Z",
        "kind": "closed",
    }
    assert r.quarantined[1].source == str(p)


def test_csv_an_unknown_column_quarantines_its_rows_telling_to_use_field_columns(
    tmp_path: Path,
) -> None:
    p = tmp_path / "e.csv"
    p.write_text("ticket_id,ts,kind,region\nT-1,2026-03-02T09:15:00Z,created,EMEA\n")
    [q] = read_events(p).quarantined
    assert (q.row, q.field) == (2, "region")
    assert "'field.region'" in q.reason


def test_csv_a_row_with_the_wrong_number_of_cells_is_a_whole_row_problem(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("ticket_id,ts,kind\nT-1,2026-03-02T09:15:00Z,created,extra\nT-2,x\n")
    r = read_events(p)
    assert [(q.row, q.field) for q in r.quarantined] == [(2, "*"), (3, "*")]
    assert "4 cells but the header has 3" in r.quarantined[0].reason
    assert r.quarantined[0].raw["_extra"] == ["extra"]


def test_csv_rows_of_empty_cells_are_skipped(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("ticket_id,ts,kind\nT-1,2026-03-02T09:15:00Z,created\n,,\n")
    r = read_events(p)
    assert (len(r.events), r.rows, r.quarantined) == (1, 1, [])


def test_csv_a_cell_that_is_not_utf8_quarantines_only_its_row(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_bytes(
        b"ticket_id,ts,kind\nT-\xff,2026-03-02T09:15:00Z,created\nT-2,"
        + T0.encode()
        + b",created\n"
    )
    r = read_events(p)
    assert [e.ticket_id for e in r.events] == ["T-2"]
    [q] = r.quarantined
    assert (q.row, q.reason) == (2, "the row is not valid UTF-8")
    assert q.raw["ticket_id"] == "T-\ufffd"
    json.dumps(q.raw)  # writable to the quarantine


def test_iter_csv_reads_lines_already_in_hand() -> None:
    lines = ["ticket_id,ts,kind\n", f"T-1,{T0},created\n"]
    [o] = list(iter_csv(lines, source="upload.csv"))
    assert isinstance(o, Accepted)
    assert (o.source, o.row, o.event.ticket_id) == ("upload.csv", 2, "T-1")


# --- gzip ----------------------------------------------------------------------------------------


def test_gzip_compressed_jsonl_and_csv_are_read(tmp_path: Path) -> None:
    j = tmp_path / "e.jsonl.gz"
    with gzip.open(j, "wt", encoding="utf-8") as f:
        f.write(json.dumps(created("a")) + "\n" + json.dumps(created("b")) + "\n")
    c = tmp_path / "e.csv.gz"
    with gzip.open(c, "wt", encoding="utf-8") as f:
        f.write(CSV_TEXT)
    assert [e.event_id for e in read_events(j).events] == ["a", "b"]
    assert [e.event_id for e in read_events(c).events] == ["e1", "e2", "e3"]


def test_gzip_is_recognised_by_content_whatever_the_name(tmp_path: Path) -> None:
    p = tmp_path / "e.jsonl"
    p.write_bytes(gzip.compress((json.dumps(created("a")) + "\n").encode()))
    assert [e.event_id for e in read_events(p).events] == ["a"]


# --- Parquet -------------------------------------------------------------------------------------


def test_parquet_with_struct_fields_list_tags_and_timestamp_ts(tmp_path: Path) -> None:
    p = tmp_path / "e.parquet"
    table = pa.table(
        {
            "event_id": ["e1", "e2"],
            "ticket_id": pa.array([1, 2], pa.int64()),
            "ts": pa.array(
                [datetime(2026, 3, 2, 9, 15, 0, 500000, ZoneInfo("UTC"))] * 2,
                pa.timestamp("us", tz="UTC"),
            ),
            "kind": ["created", "updated"],
            "public": pa.array([None, None], pa.bool_()),
            "tags": pa.array([["vip"], None], pa.list_(pa.string())),
            "field.region": ["EMEA", None],
            "fields": pa.array(
                [{"seats": 40, "tier": None}, {"seats": None, "tier": "gold"}],
                pa.struct([("seats", pa.int64()), ("tier", pa.string())]),
            ),
        }
    )
    pq.write_table(table, p)
    r = read_events(p)
    assert r.quarantined == []
    e1, e2 = r.events
    assert (e1.ticket_id, e1.ts_us) == ("1", 500000)
    assert e1.ts == parse_as_of("2026-03-02T09:15:00Z")
    assert e1.fields == {"tags": ("vip",), "region": "EMEA", "seats": 40}
    assert e2.fields == {"tier": "gold"}  # null struct members are "not set"


def test_parquet_with_json_text_fields_and_semicolon_tags(tmp_path: Path) -> None:
    p = tmp_path / "e.parquet"
    pq.write_table(
        pa.table(
            {
                "ticket_id": ["T-1"],
                "ts": [T0],
                "kind": ["updated"],
                "tags": ["a;b"],
                "fields": ['{"seats": 40, "assignee": null}'],
            }
        ),
        p,
    )
    [e] = read_events(p).events
    assert e.fields == {"tags": ("a", "b"), "seats": 40, "assignee": None}


def test_parquet_problems_name_the_1_based_record_number(tmp_path: Path) -> None:
    p = tmp_path / "e.parquet"
    pq.write_table(
        pa.table(
            {"ticket_id": ["T-1", "T-2", None], "ts": [T0, "later", T0], "kind": ["created"] * 3}
        ),
        p,
    )
    r = read_events(p)
    assert [(q.source, q.row, q.field) for q in r.quarantined] == [
        (str(p), 2, "ts"),
        (str(p), 3, "ticket_id"),
    ]
    assert r.quarantined[0].raw == {"ticket_id": "T-2", "ts": "later", "kind": "created"}


def test_parquet_naive_timestamps_need_the_source_time_zone(tmp_path: Path) -> None:
    p = tmp_path / "e.parquet"
    pq.write_table(
        pa.table(
            {
                "ticket_id": ["T-1"],
                "ts": pa.array([datetime(2026, 3, 2, 10, 15)], pa.timestamp("us")),
                "kind": ["created"],
            }
        ),
        p,
    )
    [q] = read_events(p).quarantined
    assert (q.field, q.raw["ts"]) == ("ts", "2026-03-02T10:15:00")
    [e] = read_events(p, source_tz=ZoneInfo("Europe/Berlin")).events
    assert e.ts == parse_as_of("2026-03-02T09:15:00Z")


def test_a_file_that_is_not_parquet_raises_input_error(tmp_path: Path) -> None:
    p = tmp_path / "e.parquet"
    p.write_text("not parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_events(p)


# --- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.jsonl", "jsonl"),
        ("a.NDJSON", "jsonl"),
        ("a.json", "jsonl"),
        ("a.jsonl.gz", "jsonl"),
        ("a.csv", "csv"),
        ("a.csv.gz", "csv"),
        ("a.parquet", "parquet"),
    ],
)
def test_the_format_is_inferred_from_the_suffix(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt


@pytest.mark.parametrize("name", ["a.txt", "a", "a.parquet.gz", "a.xlsx"])
def test_an_unknown_suffix_raises_unsupported_format(name: str) -> None:
    with pytest.raises(UnsupportedFormatError, match="cannot tell the event format"):
        read_events(name)


def test_a_given_format_overrides_the_suffix_and_an_unknown_one_is_refused(
    tmp_path: Path,
) -> None:
    p = write_jsonl(tmp_path / "events.txt", [created("a")])
    assert len(read_events(p, fmt="ndjson").events) == 1
    with pytest.raises(UnsupportedFormatError, match="unknown event format 'xml'"):
        read_events(p, fmt="xml")


# --- streaming -----------------------------------------------------------------------------------


def test_iter_jsonl_yields_the_first_row_before_the_input_is_fully_read() -> None:
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        for i in range(1_000_000):
            consumed += 1
            yield json.dumps(created(f"e{i}"))

    rows = iter_jsonl(lines(), source="stream")
    first = next(rows)
    assert isinstance(first, Accepted)
    assert first.event.event_id == "e0"
    assert consumed == 1


def _peak_bytes(outcomes: Iterator[Any]) -> tuple[int, int]:
    tracemalloc.start()
    try:
        n = 0
        for _ in outcomes:
            n += 1
        return n, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_iter_rows_streams_a_50k_line_jsonl_file_in_small_memory(tmp_path: Path) -> None:
    p = tmp_path / "big.jsonl"
    line = '{"event_id": "e%d", "ticket_id": "T-%d", "ts": "%s", "kind": "created"}\n'
    with p.open("w") as f:
        f.writelines(line % (i, i % 977, T0) for i in range(50_000))
    assert p.stat().st_size > 4_000_000
    n, peak = _peak_bytes(iter_rows(p))
    assert n == 50_000
    # the file is ~4.5 MB and its events in memory ~25 MB; streaming peaks at a few KB
    assert peak < 500_000


def test_iter_rows_streams_csv_and_parquet_in_small_memory(tmp_path: Path) -> None:
    c = tmp_path / "big.csv"
    with c.open("w") as f:
        f.write("event_id,ticket_id,ts,kind,status\n")
        f.writelines(f"e{i},T-{i % 977},{T0},updated,open\n" for i in range(20_000))
    n, peak = _peak_bytes(iter_rows(c))
    assert n == 20_000
    assert peak < 1_000_000

    p = tmp_path / "big.parquet"
    pq.write_table(
        pa.table(
            {
                "event_id": [f"e{i}" for i in range(20_000)],
                "ticket_id": ["T-1"] * 20_000,
                "ts": [T0] * 20_000,
                "kind": ["created"] * 20_000,
            }
        ),
        p,
        row_group_size=5_000,
    )
    n, peak = _peak_bytes(iter_rows(p, batch_rows=1_000))
    assert n == 20_000
    assert peak < 2_000_000  # one batch of 1,000 records at a time


def test_outcomes_are_typed_per_row(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "e.jsonl", [created("a"), "nope"])
    outcomes = list(iter_rows(p))
    assert isinstance(outcomes[0], Accepted)
    assert isinstance(outcomes[1], QuarantineRecord)
