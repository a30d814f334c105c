"""The columnar reader gives the row reader's outcome: the same events, the same quarantined
rows with the same reasons, the same duplicates (accord.io.columnar vs accord.io.readers)."""

from __future__ import annotations

import collections
import csv
import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.engine.batch import events_to_table
from accord.core.engine.batch.schema import events_from_table
from accord.core.event_validation import canonical_content
from accord.core.events import StatusCategory
from accord.io import columnar, columnar_threads
from accord.io.columnar import read_columnar
from accord.io.quarantine import record_to_dict
from accord.io.readers import read_many

STATUSES = {"awaiting customer": StatusCategory.PENDING}


def mapper(name: str) -> StatusCategory | None:
    return STATUSES.get(name.strip().casefold())


def _same_outcome(paths: list[Path], **kw: Any) -> None:
    want = read_many(paths, status_category=mapper, **kw)
    got = read_columnar(paths, status_category=mapper, **kw)
    events = sorted(events_from_table(got.events), key=lambda e: e.seq)
    assert [(e.event_id, e.seq, canonical_content(e)) for e in events] == [
        (e.event_id, e.seq, canonical_content(e)) for e in want.events
    ]
    # as JSON text, so that a NaN in a raw cell compares equal to itself
    assert [json.dumps(record_to_dict(q), default=str) for q in got.quarantined] == [
        json.dumps(record_to_dict(q), default=str) for q in want.quarantined
    ]
    assert (got.rows, got.duplicates) == (want.rows, want.duplicates)


CELLS: dict[str, list[Any]] = {
    "event_id": ["e1", "e2", "e3", "e1", "", "  ", " e9 ", None, "e10"],
    "ticket_id": ["T1", "T2", "", None, " T3", "T1"],
    "ts": [
        "2024-03-04T09:00:00Z",
        "2024-03-04T09:00:00.5Z",
        "2024-03-04 10:00:00+01:00",
        "2024-03-04T09:00:00-05:30",
        "2024-03-04T09:00:00",
        "yesterday",
        "2024-02-30T09:00:00Z",
        "2024-03-04T24:00:00Z",
        "2024-03-04T09:00Z",
        " 2024-03-04T09:00:00Z",
        "",
        "2024-03-04T09:00:00.1234567Z",
        "2024-03-04T09:00:00+24:00",
        "2024-03-04T09:00:00z",
    ],
    "kind": ["created", "updated", "message", "rating", "deleted", " Created ", "MESSAGE", "x", ""],
    "actor": ["agent", "customer", "system", "robot", "", " Agent"],
    "public": ["true", "false", "1", "0", "yes", "no", "maybe", "", "TRUE"],
    "status": ["open", "solved", "Awaiting customer", "Mystery", "", " open"],
    "priority": ["P1", "P2", "", " P1 "],
    "tags": ["vip", "vip; outage", ";", "", " a ;; b "],
    "field.region": ["eu", "", "us", "  "],
    "rating": ["good", "bad", "4", "4.5", "meh", ""],
    "fields": ["", '{"seats": 40}', "{bad json", '{"status": "open"}', '{"x": null}'],
    "extra": ["", "", "", "surprise"],
}


@st.composite
def flat_rows(draw: st.DrawFn) -> list[dict[str, str | None]]:
    columns = draw(
        st.lists(st.sampled_from(sorted(CELLS)), min_size=3, max_size=len(CELLS), unique=True)
    )
    for must in ("ticket_id", "ts", "kind"):
        if must not in columns and draw(st.integers(0, 9)):
            columns.append(must)
    rows = []
    for _ in range(draw(st.integers(1, 25))):
        rows.append({c: draw(st.sampled_from(CELLS[c])) for c in columns})
    return rows


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    names = list(rows[0])
    pq.write_table(pa.table({n: [r[n] for r in rows] for n in names}), path)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if v is None else v for k, v in r.items()})


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=flat_rows(), other=flat_rows())
def test_columnar_reader_agrees_with_row_reader_on_mixed_rows(
    tmp_path: Path, rows: list[dict[str, Any]], other: list[dict[str, Any]]
) -> None:
    a, b = tmp_path / "a.parquet", tmp_path / "b.csv"
    _write_parquet(a, rows)
    _write_csv(b, other)
    _same_outcome([a])
    _same_outcome([b])
    _same_outcome([a, b])  # seq and duplicate detection continue across files


def test_columnar_reader_reads_typed_parquet_columns(tmp_path: Path) -> None:
    berlin = timezone(timedelta(hours=1))
    path = tmp_path / "typed.parquet"
    table = pa.table(
        {
            "event_id": ["a", "b", "c", "d", "e"],
            "ticket_id": pa.array([1, 2, 2, None, 3], pa.int64()),
            "ts": pa.array(
                [
                    datetime(2024, 3, 4, 9, tzinfo=UTC),
                    datetime(2024, 3, 4, 10, 0, 0, 250, UTC),
                    datetime(2024, 3, 4, 11, tzinfo=berlin),
                    datetime(2024, 3, 4, 12, tzinfo=UTC),
                    None,
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "kind": ["created", "message", "updated", "created", "created"],
            "actor": ["customer", "agent", None, None, None],
            "public": pa.array([None, True, None, None, None], pa.bool_()),
            "tags": pa.array([["vip", "x"], None, [], ["  "], None], pa.list_(pa.string())),
            "priority": pa.array([1, None, 3, None, None], pa.int64()),
            "field.seats": pa.array([40, None, 41, None, None], pa.int64()),
            "field.ratio": pa.array([0.5, None, float("nan"), None, None], pa.float64()),
            "field.vip": pa.array([True, None, False, None, None], pa.bool_()),
        }
    )
    pq.write_table(table, path)
    _same_outcome([path])


def test_columnar_reader_reads_a_canonical_events_round_trip(tmp_path: Path) -> None:
    from tests.core.engine.helpers import agent_reply, created, status

    evs = [
        created("2024-03-04T09:00:00Z", priority="P1", tags=["vip"]),
        agent_reply("2024-03-04T09:30:00Z"),
        status("2024-03-04T10:00:00Z", "solved"),
    ]
    path = tmp_path / "ev.parquet"
    table = events_to_table(evs).drop_columns(["ts", "ts_us", "seq", "cleared"])
    ts = pa.array([e.ts for e in evs], pa.int64()).cast(pa.timestamp("s", tz="UTC"))
    pq.write_table(table.append_column("ts", ts), path)
    _same_outcome([path])


def test_duplicate_ids_are_counted_and_conflicts_quarantined(tmp_path: Path) -> None:
    rows = [
        {"event_id": "e1", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created"},
        {"event_id": "e1", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created"},
        {"event_id": "e1", "ticket_id": "T1", "ts": "2024-03-04T09:05:00Z", "kind": "created"},
        {"event_id": "e2", "ticket_id": "T1", "ts": "2024-03-04T09:05:00Z", "kind": "updated"},
    ]
    a, b = tmp_path / "a.parquet", tmp_path / "b.csv"
    _write_parquet(a, rows)
    _write_csv(b, rows)
    _same_outcome([a, b])


def _read_as_dicts(paths: list[Path]) -> tuple[list[tuple[Any, ...]], list[str], int, int, int]:
    got = read_columnar(paths, status_category=mapper)
    events = [(e.event_id, e.seq, canonical_content(e)) for e in events_from_table(got.events)]
    quarantined = [json.dumps(record_to_dict(q), default=str) for q in got.quarantined]
    return events, quarantined, got.rows, got.duplicates, got.slow_rows


def test_files_over_the_batch_size_read_as_in_one_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files longer than ``VALIDATE_ROWS`` are read and validated a batch at a time: the
    outcome is that of one batch, including ids repeated across batches (a duplicate, a
    conflict) and bad rows in later batches, which keep their row numbers."""
    rows: list[dict[str, Any]] = []
    for i in range(20):
        rows.append(
            {
                "event_id": f"e{i}",
                "ticket_id": f"T{i % 4}",
                "ts": f"2024-03-04T09:{i:02d}:00Z",
                "kind": "created" if i < 4 else "updated",
                "status": "open",
            }
        )
    rows[9]["event_id"] = "e1"  # the same content as row 2 but for the time: a conflict
    rows[13] = dict(rows[5])  # row 6 again: a duplicate, in a later batch
    rows[15]["ts"] = "yesterday"  # bad rows late in the file
    rows[18]["kind"] = "robot"
    parquet, text = tmp_path / "big.parquet", tmp_path / "big.csv"
    _write_parquet(parquet, rows)
    _write_csv(text, rows)
    # a CSV file's row numbers count its header line
    for path, header in ((parquet, 0), (text, 1)):
        whole = _read_as_dicts([path, path])
        monkeypatch.setattr(columnar, "VALIDATE_ROWS", 3)
        batched = read_columnar([path, path], status_category=mapper)
        assert len(batched.events.column("seq").chunks) > 1  # the batches really were cut
        assert _read_as_dicts([path, path]) == whole
        monkeypatch.undo()
        # the bad rows keep their own row numbers, in both files; the
        # second file repeats the first: its 17 other rows are duplicates
        assert [(q.row - header, q.field) for q in batched.quarantined] == 2 * [
            (10, "event_id"),
            (16, "ts"),
            (19, "kind"),
        ]
        assert batched.duplicates == 1 + 17
        assert batched.events.num_rows == 40 - 6 - 18
        _same_outcome([path, path])


@given(st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=30))
def test_blank_or_padded_text_is_found_as_str_isspace_finds_it(values: list[str | None]) -> None:
    from accord.io.columnar import _blank_or_padded

    got = _blank_or_padded(pa.chunked_array([pa.array(values, type=pa.string())]))
    want = [v is not None and (v == "" or v[0].isspace() or v[-1].isspace()) for v in values]
    assert got.tolist() == want


@given(st.lists(st.lists(st.one_of(st.none(), st.booleans()), max_size=20), max_size=4))
def test_a_true_false_column_reads_as_one_zero_and_minus_one_for_null(
    chunks: list[list[bool | None]],
) -> None:
    from accord.io.columnar import _Fast, _public

    arrays = [pa.array(c, type=pa.bool_()) for c in chunks]
    col = pa.chunked_array([a.slice(1) if len(a) > 1 else a for a in arrays], type=pa.bool_())
    n = len(col)
    fast = _Fast(n, np.zeros(n, dtype=bool))
    want = [-1 if v is None else int(v) for v in col.to_pylist()]
    assert _public(col, fast).tolist() == want


def _limit_rows() -> list[dict[str, Any]]:
    from accord.core.event_limits import (
        MAX_CUSTOM_VALUE_BYTES,
        MAX_ID_BYTES,
        MAX_STANDARD_VALUE_BYTES,
        MAX_TAG_BYTES,
    )

    def one(i: int, **over: Any) -> dict[str, Any]:
        r: dict[str, Any] = {
            "event_id": f"e{i}",
            "ticket_id": "T1",
            "ts": "2024-03-04T09:00:00Z",
            "kind": "created",
            "customer": "acme",
            "tags": "vip",
            "field.note": "n",
        }
        r.update(over)
        return r

    return [
        one(1),
        one(2, event_id="e" * (MAX_ID_BYTES + 1)),
        one(3, ticket_id="t" * MAX_ID_BYTES),
        one(4, ticket_id="é" * (MAX_ID_BYTES // 2 + 1)),
        one(5, customer="c" * (MAX_STANDARD_VALUE_BYTES + 1)),
        one(6, customer="ac\x00me"),
        one(7, tags=";".join(["t" * MAX_TAG_BYTES, "u" * (MAX_TAG_BYTES + 1)])),
        one(8, tags=";".join(f"t{i}" for i in range(150))),
        one(9, **{"field.note": "x" * MAX_CUSTOM_VALUE_BYTES}),
        one(10, **{"field.note": "x" * (MAX_CUSTOM_VALUE_BYTES + 1)}),
        one(11, **{"field.note": "a\x00"}),
        one(12, customer="😀" * (MAX_STANDARD_VALUE_BYTES // 4)),
    ]


def test_the_columnar_reader_applies_the_event_limits_as_the_row_validator(
    tmp_path: Path,
) -> None:
    rows = _limit_rows()
    a, b = tmp_path / "limits.parquet", tmp_path / "limits.csv"
    _write_parquet(a, rows)
    _write_csv(b, rows)
    for path in (a, b):
        got = read_columnar([path], status_category=mapper)
        fields = {q.row - (path == b): q.field for q in got.quarantined}
        assert fields == {
            2: "event_id",
            4: "ticket_id",
            5: "customer",
            6: "customer",
            7: "tags",
            8: "tags",
            10: "field.note",
            11: "field.note",
        }
        _same_outcome([path])


def test_the_columnar_reader_bounds_the_fields_and_the_size_of_an_event(tmp_path: Path) -> None:
    from accord.core.event_limits import MAX_CUSTOM_VALUE_BYTES, MAX_EVENT_BYTES, MAX_FIELDS

    def one(i: int, n: int, size: int) -> dict[str, Any]:
        r: dict[str, Any] = {
            "event_id": f"e{i}",
            "ticket_id": "T1",
            "ts": "2024-03-04T09:00:00Z",
            "kind": "created",
        }
        r.update({f"field.f{k}": ("v" * size if k < n else None) for k in range(MAX_FIELDS + 1)})
        return r

    big = MAX_CUSTOM_VALUE_BYTES
    over = MAX_EVENT_BYTES // big + 1
    rows = [one(1, 3, 1), one(2, MAX_FIELDS, 1), one(3, MAX_FIELDS + 1, 1), one(4, over, big)]
    a, b = tmp_path / "wide.parquet", tmp_path / "wide.csv"
    _write_parquet(a, rows)
    _write_csv(b, rows)
    for path in (a, b):
        got = read_columnar([path], status_category=mapper)
        assert [(q.row - (path == b), q.field) for q in got.quarantined] == [
            (3, "fields"),
            (4, "*"),
        ]
        _same_outcome([path])


def test_the_columnar_reader_checks_tag_lists_against_their_limits(tmp_path: Path) -> None:
    from accord.core.event_limits import MAX_TAG_BYTES, MAX_TAGS

    path = tmp_path / "tags.parquet"
    tags = [["a"], ["t" * (MAX_TAG_BYTES + 1)], [f"t{i}" for i in range(MAX_TAGS + 1)], ["b\x00"]]
    pq.write_table(
        pa.table(
            {
                "event_id": [f"e{i}" for i in range(4)],
                "ticket_id": ["T1"] * 4,
                "ts": ["2024-03-04T09:00:00Z"] * 4,
                "kind": ["created"] * 4,
                "tags": pa.array(tags, pa.list_(pa.string())),
            }
        ),
        path,
    )
    got = read_columnar([path], status_category=mapper)
    assert [(q.row, q.field) for q in got.quarantined] == [(2, "tags"), (3, "tags"), (4, "tags")]
    _same_outcome([path])


def test_a_csv_custom_field_with_blank_cells_is_computed_by_the_batch_engine(
    tmp_path: Path,
) -> None:
    # The reader's dictionary for a custom field column keeps "" for the blank cells; the
    # kernel must not read that unused entry as tagged text.
    from accord.core.config.loader import build_config
    from accord.core.engine.batch import compute_batch

    path = tmp_path / "events.csv"
    path.write_text(
        "event_id,ticket_id,ts,kind,actor,public,status,field.region\n"
        "e1,T1,2026-03-02T09:00:00Z,created,customer,,new,eu\n"
        "e2,T2,2026-03-02T09:05:00Z,created,customer,,new,\n"
        "e3,T1,2026-03-02T09:30:00Z,message,agent,true,,\n"
    )
    config = build_config(
        {
            "calendars": {"all": {"tz": "UTC", "hours": {"mon-sun": [["00:00", "24:00"]]}}},
            "policies": [
                {"name": "EU", "when": {"region": "eu"}, "calendar": "all",
                 "metrics": {"first_response": "1h"}},
                {"name": "Other", "calendar": "all", "metrics": {"first_response": "2h"}},
            ],
        }
    )  # fmt: skip
    read = read_columnar([path])
    as_of = int(datetime(2026, 3, 2, 12, tzinfo=UTC).timestamp())
    table = compute_batch(read.events, config, as_of)
    got = sorted(
        zip(table.column("ticket_id").to_pylist(), table.column("policy").to_pylist(), strict=False)
    )
    assert got == [("T1", "EU"), ("T2", "Other")]


def test_compact_codes_narrow_small_dictionaries_and_keep_every_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``compact=True`` reads the same events, with one-byte codes for dictionaries of fewer
    than 128 values; a batch whose dictionary is larger keeps the column's codes wide."""
    rows = [
        {
            "event_id": f"e{i}",
            "ticket_id": f"T{i % 3}",
            "ts": f"2024-03-04T09:{i % 60:02d}:{i // 60:02d}Z",
            "kind": "created" if i < 3 else "updated",
            "status": "open",
            # the second batch of 200 rows has more than 127 distinct assignees
            "assignee": f"agent-{i}" if i >= 250 else "ann",
        }
        for i in range(500)
    ]
    path = tmp_path / "events.parquet"
    _write_parquet(path, rows)
    monkeypatch.setattr(columnar, "VALIDATE_ROWS", 200)
    plain = read_columnar([path], status_category=mapper)
    compact = read_columnar([path], status_category=mapper, compact=True)
    assert compact.events.to_pylist() == plain.events.to_pylist()
    types = compact.events.schema
    assert types.field("status").type.index_type == pa.int8()
    assert types.field("assignee").type.index_type == pa.int32()
    assert not compact.quarantined
    assert plain.events.schema.field("status").type.index_type == pa.int32()


def _outcome(paths: list[Path], **kw: Any) -> tuple[Any, ...]:
    got = read_columnar(paths, status_category=mapper, **kw)
    events = [(e.event_id, e.seq, canonical_content(e)) for e in events_from_table(got.events)]
    quarantined = [json.dumps(record_to_dict(q), default=str) for q in got.quarantined]
    return events, quarantined, got.rows, got.duplicates, got.slow_rows


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=flat_rows(),
    other=flat_rows(),
    group=st.integers(1, 9),
    batch=st.integers(1, 9),
    threads=st.integers(2, 4),
    split=st.integers(1, 4),
)
def test_row_groups_read_on_threads_give_the_outcome_of_one_thread(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    other: list[dict[str, Any]],
    group: int,
    batch: int,
    threads: int,
    split: int,
) -> None:
    """A Parquet file's row groups decoded and validated on several threads give the events,
    quarantined rows, duplicates and ``seq`` numbers of one thread, whatever the row groups'
    and the batches' sizes (rows repeated across groups and files included), and the row
    reader's outcome; the batches of the last round of groups validated as slices shared
    with the helper threads (``split``: the fewest rows a slice) give it too."""
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    names = list(rows[0])
    pq.write_table(pa.table({n: [r[n] for r in rows] for n in names}), a, row_group_size=group)
    # the second file repeats the first's rows after its own, in other row groups
    both = other + [{n: r.get(n) for n in other[0]} for r in rows]
    pq.write_table(
        pa.table({n: [r[n] for r in both] for n in other[0]}), b, row_group_size=group + 1
    )
    calls: list[int] = []
    shared: list[int] = []
    real, real_shared = columnar_threads.threaded_groups, columnar_threads.shared_piece

    def spy(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    def spy_shared(*args: Any, **kw: Any) -> Any:
        shared.append(1)
        return real_shared(*args, **kw)

    old = columnar.VALIDATE_ROWS, columnar_threads.SPLIT_ROWS
    columnar.VALIDATE_ROWS, columnar_threads.SPLIT_ROWS = batch, split
    columnar_threads.threaded_groups = spy  # type: ignore[assignment]
    columnar_threads.shared_piece = spy_shared  # type: ignore[assignment]
    try:
        one = _outcome([a, b])
        many = _outcome([a, b], threads=threads)
    finally:
        columnar.VALIDATE_ROWS, columnar_threads.SPLIT_ROWS = old
        columnar_threads.threaded_groups = real  # type: ignore[assignment]
        columnar_threads.shared_piece = real_shared  # type: ignore[assignment]
    assert many == one
    # the threads really ran where a file has more than one row group
    assert bool(calls) == (len(rows) > group or len(both) > group + 1)
    # and the last round's batches were shared out where they hold two slices' rows (the
    # groups before the last are whole: ``group`` rows in ``batch``-row batches)
    if calls and min(batch, group) >= 2 * split:
        assert shared
    if min(batch, group + 1) < 2 * split:
        assert not shared
    _same_outcome([a, b])


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=flat_rows(),
    batch=st.integers(1, 30),
    split=st.integers(1, 4),
    threads=st.integers(2, 4),
    compact=st.booleans(),
)
def test_one_row_group_split_between_threads_gives_the_outcome_of_one_thread(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    batch: int,
    split: int,
    threads: int,
    compact: bool,
) -> None:
    """A source of one row group (and a CSV file, read whole) read with several threads has
    each batch validated as consecutive slices on the threads: the events, quarantined rows,
    duplicates and ``seq`` numbers are those of one thread, whatever the batch and slice
    sizes, and the row reader's."""
    a, c = tmp_path / "a.parquet", tmp_path / "c.csv"
    names = list(rows[0])
    # the rows twice: the second half repeats the first (duplicates across slices)
    twice = rows + rows
    pq.write_table(pa.table({n: [r[n] for r in twice] for n in names}), a)
    with c.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=names)
        w.writeheader()
        w.writerows({n: "" if r[n] is None else r[n] for n in names} for r in twice)
    calls: list[int] = []
    real = columnar_threads.split_piece

    def spy(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    old = columnar.VALIDATE_ROWS, columnar_threads.SPLIT_ROWS
    columnar.VALIDATE_ROWS, columnar_threads.SPLIT_ROWS = batch, split
    columnar_threads.split_piece = spy  # type: ignore[assignment]
    try:
        one = _outcome([a, c], compact=compact)
        many = _outcome([a, c], threads=threads, compact=compact)
    finally:
        columnar.VALIDATE_ROWS, columnar_threads.SPLIT_ROWS = old
        columnar_threads.split_piece = real  # type: ignore[assignment]
    assert many == one
    # the batches were split where a batch holds two slices' rows (the Parquet file's at least)
    assert bool(calls) == (min(batch, len(twice)) >= 2 * split)


_SIZES = [0, 1, 5, 255, 256, 257, 511, 512, 513, 4095, 4096, 4097, 20_000]


@st.composite
def sized_tables(draw: st.DrawFn) -> pa.Table:
    """Tables whose cells are near the limits of accord.core.event_limits: long texts, a NUL,
    numbers, dictionary and plain columns, many field columns."""
    rows = draw(st.integers(1, 4))
    names = ["event_id", "ticket_id", "status", "tags"]
    names += [f"field.f{i}" for i in range(draw(st.sampled_from([0, 1, 3, 20, 101])))]
    if draw(st.booleans()):
        names.append("field." + "n" * draw(st.sampled_from([1, 255, 256, 300])))
    cols: dict[str, pa.Array] = {}
    for name in names:
        if name.startswith("field.f") and draw(st.integers(0, 4)) == 0:
            ints = draw(st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=rows,
                                 max_size=rows))  # fmt: skip
            cols[name] = pa.array(ints, pa.int64())
            continue
        cells: list[str | None] = []
        for _ in range(rows):
            if draw(st.integers(0, 5)) == 0:
                cells.append(None)
                continue
            text = "x" * draw(st.sampled_from(_SIZES))
            if text and draw(st.integers(0, 9)) == 0:
                text = text[:-1] + "\x00"
            cells.append(text)
        arr = pa.array(cells, pa.string())
        cols[name] = arr.dictionary_encode() if draw(st.booleans()) else arr
    return pa.table(cols)


@settings(max_examples=300, deadline=None)
@given(table=sized_tables())
def test_limits_by_column_bounds_send_the_rows_the_per_row_sums_send(table: pa.Table) -> None:
    """The limits checked from each column's largest cell (no pass over the rows when none
    can be broken) send the same rows to the row validator as the per-row sums."""
    from accord.io.columnar_cells import _Fast
    from accord.io.columnar_validate import _limits, _row_limits, _within_limits

    n = table.num_rows
    by_bounds, by_rows = _Fast(n, np.zeros(n, bool)), _Fast(n, np.zeros(n, bool))
    _limits(table, by_bounds)
    _row_limits(table, by_rows)
    assert by_bounds.slow.tolist() == by_rows.slow.tolist()
    if _within_limits(table):
        assert not by_rows.slow.any()


@settings(max_examples=100, deadline=None)
@given(
    ids=st.lists(st.sampled_from(["a", "b", "é", "", "a" * 40]), max_size=60),
    more=st.lists(st.text(max_size=3), max_size=40),
    cuts=st.lists(st.integers(0, 100), max_size=4),
    threads=st.integers(2, 5),
)
def test_repeated_ids_found_on_threads_are_those_of_one_thread(
    ids: list[str], more: list[str], cuts: list[int], threads: int
) -> None:
    """The rows whose ``event_id`` repeats, found with the hashes and buckets on several
    threads over a column of several chunks: exactly the rows whose id occurs more than once,
    as on one thread. (An events table never has a null id: a row without one gets its
    content's hash.)"""
    values = [*ids, *more]
    bounds = sorted({0, len(values), *(min(c, len(values)) for c in cuts)})
    col = pa.chunked_array(
        [pa.array(values[a:b], type=pa.string()) for a, b in itertools.pairwise(bounds)],
        type=pa.string(),
    )
    counts = collections.Counter(values)
    want = [i for i, v in enumerate(values) if counts[v] > 1]
    assert columnar._repeated(col, threads).tolist() == want
    assert columnar._repeated(col).tolist() == want


@settings(max_examples=200, deadline=None)
@given(
    hashes=st.lists(st.integers(0, 2**64 - 1), max_size=300),
    low=st.lists(st.integers(0, 70_000), max_size=300),
    threads=st.integers(1, 5),
)
def test_shared_buckets_on_threads_are_the_rows_whose_bucket_holds_another(
    hashes: list[int], low: list[int], threads: int
) -> None:
    """:func:`shared_buckets` on any number of threads (each a range of the buckets) marks
    exactly the rows whose bucket (the hash's low bits) holds another row."""
    from accord.core.engine.batch._jit import shared_buckets

    h = np.array([*hashes, *low], dtype=np.uint64)
    bits = max(16, int(h.size * 16).bit_length())
    buckets = h & np.uint64((1 << bits) - 1)
    counts = collections.Counter(buckets.tolist())
    want = [counts[b] > 1 for b in buckets.tolist()]
    assert shared_buckets(h, threads).tolist() == want
