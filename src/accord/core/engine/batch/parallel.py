"""The kernel over many tickets: in bounded chunks, on one or several local processes.

Tickets are split into partitions by *range* of ``ticket_id`` (cut where the events are
evenly shared), so that every ticket lands whole in one partition and the partitions'
records, concatenated in order, are already in the reference engine's order (by ticket).
Partitions hold at most ``chunk_events`` events, which bounds the working memory of the
kernel whatever the size of the log. Any other split works for the kernel too: inside Spark,
the tickets are partitioned by a hash of ``ticket_id`` and each partition's events go to
:func:`compute_partition` as they are.

With ``jobs`` > 1 the partitions go to worker processes started with ``spawn``: a forked
child of a process whose pyarrow / polars thread pools have run can deadlock, so the workers
start clean and may use both freely. The parent sorts the rows by partition once (an index,
not a copy of the table), then takes one partition at a time, sends it as Arrow IPC bytes over
the pool's pipe and gets the records back the same way; at most ``jobs`` + 1 partitions are in
flight, which bounds the memory of the parent as the chunk size bounds that of each worker.
The configuration (pydantic models and calendars, which pickle by name and spec) is sent once
per worker.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.config.resolved import Configuration
from accord.core.engine.batch import timeline
from accord.core.engine.batch.columns import dictionary_array
from accord.core.engine.batch.kernel import compute_partition
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.engine.clocks import clock_for
from accord.core.timeutil import Instant

CHUNK_EVENTS = 500_000
"""Events per partition by default: the kernel then works in about 200 MB, and is no slower
than with larger partitions (its arrays stay closer to the caches)."""

I32 = NDArray[np.int32]

# what a worker process keeps between partitions: (configuration, as_of)
_worker: tuple[Configuration, Instant] | None = None


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


def _start_worker(config: bytes, as_of: Instant) -> None:
    # The processes are the parallelism: each worker computes on one thread, so that ``jobs``
    # workers do not start ``jobs`` thread pools each and fight over the same cores. (Polars
    # reads its setting when first imported, which in a worker happens after this.)
    os.environ["POLARS_MAX_THREADS"] = "1"
    pa.set_cpu_count(1)
    global _worker
    _worker = (pickle.loads(config), as_of)


# Compressed, a partition's events or records are 4-5 times smaller: the pipe between the
# processes, not the (fast) compression, is what limits the transfer.
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(
    compression="lz4" if pa.Codec.is_available("lz4_frame") else None
)


def _to_ipc(table: pa.Table) -> bytes:
    # one stream per table: its dictionaries travel with it
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _from_ipc(data: bytes) -> pa.Table:
    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        return reader.read_all()


def _work(events: bytes) -> bytes:
    """In a worker: one partition's events in, its records out, both as Arrow IPC."""
    assert _worker is not None
    config, as_of = _worker
    return _to_ipc(compute_partition(_from_ipc(events), config, as_of))


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
    metrics = [m for m in config.metric_names() if clock_for(m, config.metrics) is not None]
    keep = set(timeline.needed_columns(config, metrics))
    events = events.select([c for c in events.column_names if c in keep])
    part = partition_of(events.column("ticket_id"), parts)
    # rows grouped by partition, in their original order within each (a stable sort)
    # (partition numbers fit 16 bits in practice, where numpy's stable sort is a radix sort)
    small = part.astype(np.int16) if parts <= np.iinfo(np.int16).max else part
    order = np.argsort(small, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1))
    del part, small

    def partition(k: int) -> pa.Table:
        return events.take(pa.array(order[bounds[k] : bounds[k + 1]]))

    if jobs <= 1:
        tables = [compute_partition(partition(k), config, as_of) for k in range(parts)]
    else:
        tables = _on_workers(partition, parts, jobs, config, as_of)
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return RECORDS_SCHEMA.empty_table()
    return _concat(tables)


def _on_workers(
    partition: Callable[[int], pa.Table],
    parts: int,
    jobs: int,
    config: Configuration,
    as_of: Instant,
) -> list[pa.Table]:
    """The records of partitions 0 … ``parts`` - 1, computed on ``jobs`` spawned processes."""
    ctx = mp.get_context("spawn")
    results: list[pa.Table | None] = [None] * parts
    pending: dict[Future[bytes], int] = {}
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=ctx,
        initializer=_start_worker,
        initargs=(pickle.dumps(config), as_of),
    ) as ex:
        try:
            for k in range(parts):
                if len(pending) > jobs:
                    _collect(pending, results)
                pending[ex.submit(_work, _to_ipc(partition(k)))] = k
            while pending:
                _collect(pending, results)
        except BaseException:
            # a failed partition (or an interrupt) ends the run: the queued ones are dropped
            ex.shutdown(wait=True, cancel_futures=True)
            raise
    return [t for t in results if t is not None]


def _collect(pending: dict[Future[bytes], int], results: list[pa.Table | None]) -> None:
    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    for f in done:
        results[pending.pop(f)] = _from_ipc(f.result())


def _concat(tables: list[pa.Table]) -> pa.Table:
    """One records table: a chunk per partition (each with its own dictionaries)."""
    return pa.concat_tables(tables)
