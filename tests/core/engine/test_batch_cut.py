"""The tickets cut into partitions (accord.core.engine.batch.cut): on any number of threads,
the ranks, places and partition bounds of a plain count and sort written here; the small
last partitions (the tail) a quarter of the others' share, and every ticket whole in one."""

from __future__ import annotations

from fractions import Fraction
from unittest import mock

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.engine.batch import cut as cut_module
from accord.core.engine.batch.cut import cut, parts_of

IDS = st.sampled_from(["INC7", "INC10", "INC1", "b", "a", "é", "INC100", "zz", ""])


def _chunked(values: list[str | None], sizes: list[int]) -> pa.ChunkedArray:
    """``values`` as dictionary chunks of ``sizes`` (each its own dictionary, as the reader's
    row groups have)."""
    chunks = []
    at = 0
    for size in [*sizes, len(values)]:
        piece = values[at : at + size]
        if piece or not chunks:
            chunks.append(pa.array(piece, pa.string()).dictionary_encode())
        at += len(piece)
        if at >= len(values):
            break
    return pa.chunked_array(chunks, type=pa.dictionary(pa.int32(), pa.string()))


def _expected(
    values: list[str | None], parts: int, tail: int
) -> tuple[list[int], list[int], list[int], list[int], list[str]]:
    """Ranks, places, row bounds and rank bounds by a plain sort and count."""
    ids = sorted({v for v in values if v is not None}, key=lambda s: s.encode())
    rank_of = {v: r for r, v in enumerate(ids)}
    ranks = [rank_of[v] if v is not None else -1 for v in values]
    order = sorted(range(len(values)), key=lambda i: ranks[i])  # stable: by row within rank
    dest = [0] * len(values)
    for place, i in enumerate(order):
        dest[i] = place
    weight = [ranks.count(r) for r in range(len(ids))]
    total = sum(weight)
    units = 4 * parts + tail
    starts = [Fraction(4 * k, units) for k in range(parts)]
    starts += [Fraction(4 * parts + j, units) for j in range(tail)]
    part = []
    before = 0
    for w in weight:
        share = Fraction(before, total)
        part.append(max(k for k, s in enumerate(starts) if s <= share))
        before += w
    count = parts + tail
    rank_bounds = [next((r for r, p in enumerate(part) if p >= k), len(ids)) for k in range(count)]
    rank_bounds.append(len(ids))
    nulls = ranks.count(-1)
    bounds = [0 if k == 0 else nulls + sum(weight[:rb]) for k, rb in enumerate(rank_bounds)]
    return ranks, dest, bounds, rank_bounds, ids


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(IDS, st.none()), min_size=1, max_size=60),
    sizes=st.lists(st.integers(min_value=1, max_value=25), max_size=5),
    parts=st.integers(min_value=1, max_value=6),
    tail=st.integers(min_value=0, max_value=5),
    threads=st.integers(min_value=1, max_value=4),
    block=st.integers(min_value=1, max_value=20),
)
def test_any_threads_and_blocks_give_the_ranks_places_and_bounds_of_a_plain_sort(
    values: list[str | None],
    sizes: list[int],
    parts: int,
    tail: int,
    threads: int,
    block: int,
) -> None:
    col = _chunked(values, sizes)
    # blocks of a few rows: the threads' blocks then start and end inside the chunks
    with mock.patch.object(cut_module, "BLOCK_ROWS", block):
        got = cut(col, parts, threads, tail)
    ranks, dest, bounds, rank_bounds, ids = _expected(values, parts, tail)
    assert got.ranks.tolist() == ranks
    assert got.dest.tolist() == dest
    assert got.dest.dtype == np.int32
    assert got.ids.to_pylist() == ids
    assert got.bounds.tolist() == bounds
    assert got.rank_bounds.tolist() == rank_bounds


@given(
    weights=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=200),
    parts=st.integers(min_value=1, max_value=8),
)
def test_without_a_tail_the_partitions_are_the_even_shares_of_before(
    weights: list[int], parts: int
) -> None:
    w = np.array(weights, dtype=np.int64)
    before = np.cumsum(w) - w
    total = int(w.sum())
    old = np.minimum(before * parts // total, parts - 1)
    assert parts_of(before, parts, 0, total).tolist() == old.tolist()


def test_tail_partitions_hold_a_quarter_of_the_events_of_the_others() -> None:
    values = [f"T{i:06d}" for i in range(44_000)]
    got = cut(pa.array(values).dictionary_encode(), 10, 2, 4)
    sizes = np.diff(got.bounds)
    assert sizes[:10].tolist() == [4_000] * 10
    assert sizes[10:].tolist() == [1_000] * 4
