"""The order of events inside the batch kernel: by ticket, then time, then arrival."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from accord.core.engine.batch import _jit
from accord.core.engine.batch.segments import Segments
from accord.core.engine.batch.timeline import _order

groups = st.lists(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=1, max_size=12),
    max_size=10,
)


def _arrays(got: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rank = np.array([g for g, rows in enumerate(got) for _ in rows], dtype=np.int64)
    when = np.array([w for rows in got for w, _ in rows], dtype=np.int64)
    seq = np.array([s for rows in got for _, s in rows], dtype=np.int64)
    return rank, when, seq


@given(groups)
def test_rows_grouped_by_ticket_are_sorted_as_a_stable_lexsort(
    got: list[list[tuple[int, int]]],
) -> None:
    rank, when, seq = _arrays(got)
    perm = _jit.order_within(rank, when, seq)
    want = np.lexsort((seq, when, rank))  # stable: equal keys keep their order
    if perm is not None:
        assert perm.tolist() == want.tolist()
    else:  # only when sorting within the groups would take too many moves
        assert rank.size > 0


def test_rows_not_grouped_by_ticket_are_left_to_the_general_sort() -> None:
    rank = np.array([0, 1, 0], dtype=np.int64)
    zeros = np.zeros(3, dtype=np.int64)
    assert _jit.order_within(rank, zeros, zeros) is None


def test_rows_far_from_sorted_are_left_to_the_general_sort() -> None:
    n = 5000
    rank = np.zeros(n, dtype=np.int64)
    when = np.arange(n, 0, -1, dtype=np.int64)  # one ticket, newest first
    assert _jit.order_within(rank, when, np.zeros(n, dtype=np.int64)) is None


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5), st.integers(0, 3)), max_size=40))
def test_any_rows_come_out_by_ticket_time_and_arrival(rows: list[tuple[int, int, int]]) -> None:
    n = len(rows)
    rank = np.array([r for r, _, _ in rows], dtype=np.int64)
    ts = np.array([t for _, t, _ in rows], dtype=np.int64)
    seq = np.array([s for _, _, s in rows], dtype=np.int64)
    got = _order(rank, 5, ts, np.zeros(n, dtype=np.int64), seq, np.arange(n, dtype=np.int64))
    assert got.tolist() == np.lexsort((seq, ts, rank)).tolist()


# a subset of rows of whole arrays (events after as_of dropped), in any order: the layout's
# compiled passes read the arrays through the rows and must equal gathering them first
rows_of = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 5), st.integers(0, 2), st.booleans()),
    max_size=40,
)


def _through_rows(
    got: list[tuple[int, int, int, bool]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rank = np.array([r for r, _, _, _ in got], dtype=np.int64)
    ts = np.array([t for _, t, _, _ in got], dtype=np.int64)
    us = np.array([u for _, _, u, _ in got], dtype=np.int64)
    rows = np.flatnonzero([keep for *_, keep in got]).astype(np.int64)
    # grouped by rank, most rows in time order: what the regrouping hands the layout
    rows = rows[np.argsort(rank[rows], kind="stable")]
    return rank, ts, us, np.arange(len(got), dtype=np.int64)[::-1].copy(), rows


@given(rows_of)
def test_ordering_through_rows_equals_ordering_the_gathered_rows(
    got: list[tuple[int, int, int, bool]],
) -> None:
    rank, ts, us, seq, rows = _through_rows(got)
    fast = _jit.order_rows(rank, ts, us, seq, rows)
    gathered = _jit.order_within(rank[rows], ts[rows] * 1_000_000 + us[rows], seq[rows])
    assert (fast is None) == (gathered is None)
    if fast is not None and gathered is not None:
        assert fast.tolist() == rows[gathered].tolist()
        key = np.lexsort((seq[rows], ts[rows] * 1_000_000 + us[rows], rank[rows]))
        assert fast.tolist() == rows[key].tolist()


@given(rows_of)
def test_segments_through_rows_equal_segments_of_the_gathered_codes(
    got: list[tuple[int, int, int, bool]],
) -> None:
    rank, _ts, _us, _seq, rows = _through_rows(got)
    fast = Segments.of_rows(rank, rows)
    want = Segments.from_ticket_codes(rank[rows])
    assert fast.n == want.n
    for name in ("bounds", "ticket", "head", "first", "last"):
        assert getattr(fast, name).tolist() == getattr(want, name).tolist(), name


@given(rows_of)
def test_events_up_to_each_tickets_first_mark_are_those_with_none_before(
    got: list[tuple[int, int, int, bool]],
) -> None:
    rank, ts, _us, _seq, rows = _through_rows(got)
    seg = Segments.of_rows(rank, rows)
    mark = (ts[rows] % 3) == 0
    assert _jit.until_first(seg.bounds, mark).tolist() == (seg.count_before(mark) == 0).tolist()
