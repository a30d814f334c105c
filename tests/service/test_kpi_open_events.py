"""The KPI view's open events with their drops kept lazily
(:class:`accord.service.kpi_open_events.OpenEvents`) hold, at every step, the rows that
filtering the table at each drop (what every sync did before) holds, in the same order:
for the whole table and for any tickets' rows, with tickets dropped and read again."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.service.kpi_open_events import OpenEvents

TICKETS = tuple(f"T{i}" for i in range(6))

op = st.one_of(
    st.tuples(st.just("add"), st.lists(st.sampled_from(TICKETS), min_size=1, max_size=6)),
    st.tuples(st.just("drop"), st.lists(st.sampled_from(TICKETS), max_size=4)),
    st.tuples(st.just("whole")),
    st.tuples(st.just("of"), st.lists(st.sampled_from(TICKETS), max_size=4)),
)


def _table(ids: list[str], start: int) -> pa.Table:
    return pa.table(
        {
            "ticket_id": pa.array(ids, type=pa.string()),
            "seq": pa.array(range(start, start + len(ids)), type=pa.int64()),
        }
    )


def _eager_of(table: pa.Table | None, ids: list[str]) -> pa.Table | None:
    if table is None:
        return None
    return table.filter(pc.is_in(table.column("ticket_id"), value_set=pa.array(ids, pa.string())))


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(op, max_size=30))
def test_lazy_drops_hold_the_rows_an_eager_filter_holds(ops: list[tuple[Any, ...]]) -> None:
    lazy = OpenEvents(None)
    eager: pa.Table | None = None
    held: set[str] = set()  # the tickets with rows in (a sync adds only those it dropped)
    seq = 0
    for step in ops:
        if step[0] == "add":
            ids = [t for t in step[1] if t not in held]
            if not ids:
                continue
            held.update(ids)
            new = _table(ids, seq)
            seq += len(ids)
            lazy = lazy.plus(new)
            eager = new if eager is None else pa.concat_tables([eager, new])
        elif step[0] == "drop":
            gone = [t for t in step[1] if t in held]
            held.difference_update(gone)
            lazy = lazy.without(gone)
            if eager is not None and gone:
                keep = pc.invert(pc.is_in(eager.column("ticket_id"), value_set=pa.array(gone)))
                eager = eager.filter(keep)
        elif step[0] == "whole":
            got = lazy.whole()
            assert (got is None) == (eager is None)
            if got is not None and eager is not None:
                assert got.equals(eager)
                assert lazy.pending == 0  # filtered once, then kept
        else:
            ids = list(step[1])
            got = lazy.of(pa.array(ids, type=pa.string()))
            want = _eager_of(eager, ids)
            assert (got is None) == (want is None)
            if got is not None and want is not None:
                assert got.equals(want)
    final = lazy.whole()
    if eager is not None:
        assert final is not None and final.equals(eager)
        assert set(final.column("ticket_id").to_pylist()) == held


def _seqs(table: pa.Table | None) -> list[int]:
    assert table is not None
    return list(table.column("seq").to_pylist())


def test_a_reader_holding_the_events_keeps_their_content_through_a_drop() -> None:
    first = OpenEvents(_table(["A", "B", "A"], 0))
    later = first.without(["A"]).plus(_table(["A"], 3))  # A dropped, then read again
    assert later.pending == 1
    assert _seqs(later.of(pa.array(["A"]))) == [3]  # its old rows left out
    assert _seqs(first.whole()) == [0, 1, 2]  # what a reader took before the sync
    assert _seqs(later.whole()) == [1, 3]
    assert later.pending == 0
    # a ticket dropped at each sync counts each time: the rows it leaves behind add up
    again = later.without(["A"]).plus(_table(["A"], 4)).without(["A"]).plus(_table(["A"], 5))
    assert again.pending == 2
    assert _seqs(again.whole()) == [1, 5]
