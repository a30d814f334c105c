"""The kernel over many tickets: in bounded chunks, on one or several local processes.

Tickets are split into partitions by *range* of ``ticket_id`` (cut where the events are
evenly shared), so that every ticket lands whole in one partition and the partitions'
records, concatenated in order, are already in the reference engine's order (by ticket).
Partitions hold at most ``chunk_events`` events, which bounds the working memory of the
kernel whatever the size of the log. Any other split works for the kernel too: inside Spark,
the tickets are partitioned by a hash of ``ticket_id`` and each partition's events go to
:func:`compute_partition` as they are.

Worker processes are forked where the platform allows (the events and the configuration are
inherited, not copied through a pipe); each returns the records of its partitions.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.config.resolved import Configuration
from accord.core.engine.batch import timeline
from accord.core.engine.batch.columns import dictionary_array
from accord.core.engine.batch.kernel import compute_partition
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.timeutil import Instant

CHUNK_EVENTS = 2_000_000
"""Events per partition by default: a few hundred MB of working memory each."""

I32 = NDArray[np.int32]

# what forked workers inherit: (events, configuration, as_of, partition of every row)
_shared: tuple[pa.Table, Configuration, Instant, I32] | None = None


def partition_of(ticket_ids: pa.ChunkedArray | pa.Array, parts: int) -> I32:
    """The partition (0 … ``parts`` - 1) of every row, by range of ``ticket_id``: all rows of
    one ticket share a partition, every id in partition k sorts before those in k + 1, and
    the partitions hold about as many rows each."""
    n = len(ticket_ids)
    if parts <= 1 or n == 0:
        return np.zeros(n, dtype=np.int32)
    codes, dictionary = dictionary_array(ticket_ids)
    dictionary = dictionary.cast(pa.string())
    weight = np.bincount(codes[codes >= 0], minlength=len(dictionary))
    used = np.flatnonzero(weight)
    order = used[pc.sort_indices(dictionary.take(pa.array(used))).to_numpy()]
    cum = np.cumsum(weight[order])
    # the partition of each ticket, by its events' place in the sorted run
    part_of_rank = np.minimum((cum - weight[order]) * parts // max(int(cum[-1]), 1), parts - 1)
    part = np.zeros(len(dictionary), dtype=np.int32)
    part[order] = part_of_rank.astype(np.int32)
    out: I32 = part[np.maximum(codes, 0)]
    return out


def _forked() -> None:
    timeline.POLARS_SORT = False


def _work(k: int) -> pa.Table:
    assert _shared is not None
    events, config, as_of, part = _shared
    return compute_partition(events.filter(pa.array(part == k)), config, as_of)


def compute_batch(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    jobs: int = 1,
    chunk_events: int = CHUNK_EVENTS,
) -> pa.Table:
    """The records of every ticket in ``events``, computed by the kernel on ``jobs`` processes
    (1: in this process) in partitions of at most about ``chunk_events`` events; the same
    table whatever ``jobs`` and ``chunk_events`` are."""
    n = events.num_rows
    parts = max(jobs, -(-n // max(chunk_events, 1)))
    if parts <= 1 or n == 0:
        return compute_partition(events, config, as_of)
    global _shared
    part = partition_of(events.column("ticket_id"), parts)
    _shared = (events, config, as_of, part)
    try:
        if jobs <= 1 or "fork" not in mp.get_all_start_methods():
            tables = [_work(k) for k in range(parts)]
        else:
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_forked) as ex:
                tables = list(ex.map(_work, range(parts)))
    finally:
        _shared = None
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return RECORDS_SCHEMA.empty_table()
    return _concat(tables)


def _concat(tables: list[pa.Table]) -> pa.Table:
    """One records table: a chunk per partition (each with its own dictionaries)."""
    return pa.concat_tables(tables)
