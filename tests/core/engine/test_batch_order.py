"""The order of events inside the batch kernel: by ticket, then time, then arrival."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from accord.core.engine.batch import _jit
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
