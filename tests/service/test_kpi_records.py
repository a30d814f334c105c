"""The KPI view's records frame: with the settled Enums kept in step through any sequence of
syncs (tickets dropped, tickets added, open tickets' values coming and going), a read's frame
equals the plain one, every categorical column cast over the whole frame."""

from __future__ import annotations

import itertools
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.kpi.frames import RECORD_ENUMS, RECORDS_SCHEMA
from accord.service.kpi_records import (
    add_rows,
    aligned,
    drop_rows,
    open_records,
    records_at,
    records_at_plain,
    settled_enums,
)

TEXT = {k: v for k, v in RECORDS_SCHEMA.items() if k != "as_of"}
WHEN = 1_782_842_400
_row = st.fixed_dictionaries(
    {
        "ticket_id": st.sampled_from([f"T{i}" for i in range(12)]),
        "metric": st.sampled_from(["first_response", "resolution", "ola:triage"]),
        "state": st.sampled_from(["met", "breached", "running", "paused"]),
        "customer": st.none() | st.sampled_from(["acme", "globex", "initech"]),
        "assignee": st.none() | st.sampled_from(["ann", "bob"]),
        "start": st.integers(0, 10**6),
    }
)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {k: None for k in TEXT}
    return pl.DataFrame([{**base, **r} for r in rows], schema=TEXT)


# one sync step: the tickets dropped, the rows added (settled again), the open tickets' rows
_step = st.tuples(
    st.lists(st.sampled_from([f"T{i}" for i in range(12)]), max_size=4, unique=True),
    st.lists(_row, max_size=6),
    st.lists(_row, max_size=6),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, max_size=25), st.lists(_row, max_size=6), st.lists(_step, max_size=4))
def test_kept_enums_give_the_plain_frame(
    settled_rows: list[dict[str, Any]],
    open_rows: list[dict[str, Any]],
    steps: list[tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]],
) -> None:
    settled, opened = _frame(settled_rows), _frame(open_rows)
    enums = aligned(settled_enums(settled), opened)
    assert records_at(settled, opened, WHEN, enums).equals(records_at_plain(settled, opened, WHEN))
    for gone, added, open_now in steps:
        # as KpiView.sync: drop the tickets' rows, then append their settled rows
        keep = (~settled.get_column("ticket_id").is_in(pl.Series(gone).implode())).fill_null(False)
        settled = settled.filter(keep)
        kept = drop_rows(enums, keep, settled)
        added_frame = _frame(added)
        settled = pl.concat([settled, added_frame])
        maybe = add_rows(kept, added_frame, settled)
        enums = maybe if maybe is not None else settled_enums(settled)
        # as KpiView.inputs: align with the open tickets' values, then read
        opened = _frame(open_now)
        enums = aligned(enums, opened)
        got = records_at(settled, opened, WHEN, enums)
        want = records_at_plain(settled, opened, WHEN)
        assert got.equals(want)
        assert got.schema == want.schema  # the same Enum categories, not only equal values
        assert list(got.columns) == list(RECORDS_SCHEMA)


def test_a_value_only_open_tickets_hold_is_a_category() -> None:
    settled = _frame([{"ticket_id": "T1", "metric": "resolution", "state": "met"}])
    opened = _frame([{"ticket_id": "T2", "metric": "resolution", "state": "running"}])
    enums = aligned(settled_enums(settled), opened)
    frame = records_at(settled, opened, WHEN, enums)
    state = frame.schema["state"]
    assert isinstance(state, pl.Enum) and state.categories.to_list() == ["met", "running"]
    # once the open ticket is settled elsewhere, 'running' is no category any more
    assert aligned(enums, _frame([])).categories["state"] == ["met"]
    assert all(isinstance(frame.schema[n], pl.Enum) for n in RECORD_ENUMS)


def _engine_table(frame: pl.DataFrame, cuts: list[int]) -> pa.Table:
    """``frame`` as the batch engine gives records: its categorical columns
    dictionary-encoded chunk by chunk (each chunk its own dictionary, as partitions are)."""
    table = frame.to_arrow()
    bounds = sorted({0, frame.height, *(c % (frame.height + 1) for c in cuts)})
    chunks = []
    for lo, hi in itertools.pairwise(bounds):
        chunks.append(_encoded(table.slice(lo, hi - lo)))
    if not chunks:  # no rows: one empty chunk
        chunks.append(_encoded(table))
    return pa.concat_tables(chunks)


def _encoded(table: pa.Table) -> pa.Table:
    cols = [
        pc.dictionary_encode(table.column(n).cast(pa.string())) if n in RECORD_ENUMS
        else table.column(n)
        for n in table.column_names
    ]  # fmt: skip
    return pa.Table.from_arrays(cols, names=table.column_names)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_row, max_size=25),
    st.lists(_row, max_size=12),
    st.lists(st.integers(0, 12), max_size=3),
    st.booleans(),
)
def test_the_engine_table_gives_the_frame_its_text_gives(
    settled_rows: list[dict[str, Any]],
    open_rows: list[dict[str, Any]],
    cuts: list[int],
    kept: bool,
) -> None:
    settled, text = _frame(settled_rows), _frame(open_rows)
    opened = open_records(_engine_table(text, cuts))
    assert opened.text().equals(text)
    enums = settled_enums(settled)
    # aligned with the engine's table or not (the read then casts the whole frame)
    enums = aligned(enums, opened) if kept else enums
    got = records_at(settled, opened, WHEN, enums)
    want = records_at_plain(settled, text, WHEN)
    assert got.equals(want)
    assert got.schema == want.schema
