"""The tickets cut into partitions, on one or several threads (see :mod:`.parallel`).

The ticket ids, one dictionary per row group, are unified into one dictionary, the ids in
use sorted once (each partition then holds a range of ranks), and every row given its rank
and its place once the rows are grouped by ticket (stable within a ticket). The passes over
every row — the indices decoded, counted, looked up and placed — run on ``threads``
consecutive blocks of rows side by side: each block counts its own tickets, so that its rows
are placed after those of the blocks before it, as one sequential counting sort places them.
Only the dictionary's unification and the sort of the ids in use stay on one thread.

The last ``tail`` partitions hold a quarter of the events of the others: with ``jobs``
threads computing while the caller writes each partition's records in turn, the writing
lags the computing by a few partitions, and what is left to write once every partition is
computed is written with a core idle; small last partitions make that short.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.engine.batch._jit import _jit
from accord.core.engine.batch.columns import _chunk_indices, string_order, unified_tables

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]

BLOCK_ROWS = 1 << 16
"""Fewest rows a thread takes: below that, handing the block over costs more than it saves."""
TAIL_SHARE = 4
"""A tail partition holds 1 / TAIL_SHARE of the events of a regular one."""


@dataclass(slots=True)
class Cut:
    """The tickets cut into partitions."""

    ranks: I32  # every row's ticket rank (-1: a null id)
    ids: pa.Array  # the ticket ids in use, sorted: rank r is ids[r]
    dest: NDArray[np.signedinteger[Any]]  # where every row goes once grouped by ticket
    bounds: I64  # where each partition starts (plus the end), in rows
    rank_bounds: I64  # the same in ranks: partition k holds ticket ranks [rb[k], rb[k + 1])


@_jit
def _count_codes(codes: Any, size: int) -> Any:  # pragma: no cover - compiled
    out = np.zeros(size + 1, dtype=np.int64)
    for i in range(codes.size):
        c = codes[i]
        out[c if c >= 0 else size] += 1
    return out


@_jit
def _place(codes: Any, rank: Any, start: Any, ranks: Any, dest: Any) -> None:  # pragma: no cover
    # ``start``: the next free place of every key (rank + 1; 0: a null id), advanced here
    for i in range(codes.size):
        c = codes[i]
        r = rank[c] if c >= 0 else np.int32(-1)
        ranks[i] = r
        k = r + 1
        dest[i] = start[k]
        start[k] += 1


def warm() -> None:
    """This module's compiled loops loaded once, for the types :func:`cut` passes (see
    :func:`accord.core.engine.batch._jit.warm`)."""
    codes = np.zeros(2, dtype=np.int32)
    _count_codes(codes, 1)
    for dtype in (np.int32, np.int64):  # the places: int32 below 2^31 rows
        _place(codes, codes.copy(), np.zeros(2, np.int64), codes.copy(), np.zeros(2, dtype))


def part_starts(parts: int, tail: int, total: int) -> I64:
    """The first event (by position in the sorted run of ``total`` events) of each of
    ``parts`` regular and then ``tail`` small partitions, in units of ``total`` (each times
    the number of units, to stay in integers): see :func:`parts_of`."""
    units = np.concatenate(
        [np.arange(parts, dtype=np.int64) * TAIL_SHARE, TAIL_SHARE * parts + np.arange(tail)]
    ).astype(np.int64)
    out: I64 = units * np.int64(max(total, 1))
    return out


def parts_of(before: I64, parts: int, tail: int, total: int) -> I32:
    """The partition of each ticket whose events start at position ``before`` of the sorted
    run of ``total`` events: ``parts`` partitions of equal shares, then ``tail`` of a quarter
    share each. With no tail, ``before * parts // total`` (capped at ``parts - 1``)."""
    units = TAIL_SHARE * parts + tail
    starts = part_starts(parts, tail, total)
    out: I32 = (np.searchsorted(starts, before * units, side="right") - 1).astype(np.int32)
    return out


def cut(col: pa.ChunkedArray | pa.Array, parts: int, threads: int = 1, tail: int = 0) -> Cut:
    """Ticket ids ``col`` cut into ``parts`` partitions (and ``tail`` small ones after them),
    by range of ticket id, the passes over every row on ``threads`` threads (see the module's
    docstring): the same ranks and places whatever ``threads`` is."""
    ch = col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    if not pa.types.is_dictionary(ch.type):
        ch = pc.dictionary_encode(ch)
    n = len(ch)
    if ch.num_chunks == 0:
        ch = pa.chunked_array([pa.array([], pa.string()).dictionary_encode()])
    dictionary, tables = unified_tables(ch)
    size = len(dictionary)
    codes = np.empty(n, dtype=np.int32)
    # blocks of consecutive rows, one a thread; each the chunks (or parts of chunks) it covers
    blocks = max(1, min(threads, n // BLOCK_ROWS))
    edges = [n * b // blocks for b in range(blocks + 1)]
    ends = np.cumsum([0, *(len(c) for c in ch.chunks)])
    pool = ThreadPoolExecutor(blocks, thread_name_prefix="accord-cut") if blocks > 1 else None

    def each(f: Any) -> list[Any]:
        if pool is None:
            return [f(b) for b in range(blocks)]
        return list(pool.map(f, range(blocks)))

    def decode(b: int) -> I64:
        lo, hi = edges[b], edges[b + 1]
        for c, chunk in enumerate(ch.chunks):
            a, z = max(lo, int(ends[c])), min(hi, int(ends[c + 1]))
            if a < z:
                _chunk_indices(chunk.slice(a - int(ends[c]), z - a), codes[a:z], tables[c])
        out: I64 = _count_codes(codes[lo:hi], size)
        return out

    try:
        counts = each(decode)
        weight = np.sum(counts, axis=0)
        used = np.flatnonzero(weight[:size])
        strings = dictionary.cast(pa.string())
        order = used[string_order(strings.take(pa.array(used)))]
        rank = np.full(size, -1, dtype=np.int32)
        rank[order] = np.arange(order.size, dtype=np.int32)
        # rows by key (0: null ids, 1 + r: rank r), each block's after the blocks before
        by_key = np.stack([np.concatenate([[c[size]], c[order]]) for c in counts])
        rank_at = np.concatenate([[0], np.cumsum(by_key.sum(axis=0))]).astype(np.int64)
        starts = rank_at[:-1] + np.cumsum(by_key, axis=0) - by_key
        ranks = np.empty(n, dtype=np.int32)
        # half the bytes to stream in every column's regrouping pass
        dest: NDArray[np.signedinteger[Any]] = np.empty(
            n, dtype=np.int32 if n < 2**31 else np.int64
        )

        def place(b: int) -> None:
            lo, hi = edges[b], edges[b + 1]
            _place(codes[lo:hi], rank, starts[b].copy(), ranks[lo:hi], dest[lo:hi])

        each(place)
    finally:
        if pool is not None:
            pool.shutdown()
    known = weight[order]
    total = int(known.sum())
    part_of_rank = parts_of(np.cumsum(known) - known, parts, tail, total)
    count = parts + tail
    rank_bounds = np.searchsorted(part_of_rank, np.arange(count + 1)).astype(np.int64)
    bounds = rank_at[rank_bounds + 1]
    bounds[0] = 0  # the first partition holds the null ids too
    return Cut(ranks, strings.take(pa.array(order)), dest, bounds, rank_bounds)
