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
from accord.core.engine.batch import _jit, timeline
from accord.core.engine.batch.columns import dictionary_array, unified_tables
from accord.core.engine.batch.kernel import compute_partition
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.engine.clocks import clock_for
from accord.core.timeutil import Instant

CHUNK_EVENTS = 500_000
"""Events per partition by default: the kernel then works in about 200 MB, and is no slower
than with larger partitions (its arrays stay closer to the caches)."""

I32 = NDArray[np.int32]
_NO_BITS = np.zeros(0, dtype=np.uint8)

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


class _Gather:
    """``table.take(rows)`` for ascending ``rows``, many times over one table, chunk by chunk.

    Arrow's take on a chunked column concatenates all its chunks first (a copy of the whole
    column per call), and the reader's columns come in many chunks. Here each chunk gives only
    its own rows; dictionary columns are gathered as codes over one dictionary per column
    (the chunks' dictionaries unified once), straight from the index buffers by a compiled
    loop. Columns come out as one chunk each.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.ends = [np.cumsum([len(ch) for ch in col.chunks]) for col in table.columns]
        self.dicts: list[tuple[pa.Array, list[NDArray[np.int32]]] | None] = []
        for col in table.columns:
            plain = pa.types.is_dictionary(col.type) and all(
                pa.types.is_integer(ch.indices.type) for ch in col.chunks
            )
            self.dicts.append(unified_tables(col) if plain and col.num_chunks > 1 else None)

    def __call__(self, rows: NDArray[np.int64]) -> pa.Table:
        cols: list[pa.Array] = []
        for col, ends, unified in zip(self.table.columns, self.ends, self.dicts, strict=True):
            if col.num_chunks == 1:
                cols.append(col.chunk(0).take(pa.array(rows)))
                continue
            cut = np.searchsorted(rows, ends)
            lo = 0
            if unified is not None:
                dictionary, tables = unified
                codes = np.empty(rows.size, dtype=np.int32)
                for ch, table, hi, end in zip(col.chunks, tables, cut, ends, strict=True):
                    if hi > lo:
                        _gather_chunk(ch, table, rows[lo:hi] - (end - len(ch)), codes[lo:hi])
                    lo = hi
                idx = pa.array(codes, mask=codes < 0)
                cols.append(pa.DictionaryArray.from_arrays(idx, dictionary))
                continue
            pieces = []
            for ch, hi, end in zip(col.chunks, cut, ends, strict=True):
                if hi > lo:
                    pieces.append(ch.take(pa.array(rows[lo:hi] - (end - len(ch)))))
                lo = hi
            if not pieces:
                cols.append(pa.nulls(0, col.type))
            else:
                cols.append(pa.chunked_array(pieces, type=col.type).combine_chunks())
        schema = pa.schema(
            [pa.field(f.name, c.type) for f, c in zip(self.table.schema, cols, strict=True)]
        )
        return pa.Table.from_arrays(cols, schema=schema)


def _gather_chunk(
    ch: pa.Array, table: NDArray[np.int32], local: NDArray[np.int64], out: NDArray[np.int32]
) -> None:
    """The codes of one dictionary chunk's rows ``local``, mapped by ``table``, into ``out``."""
    idx = ch.indices
    bufs = idx.buffers()
    if bufs[1] is None or idx.null_count == len(idx):
        out[:] = -1
        return
    dtype = np.dtype(idx.type.to_pandas_dtype())
    data = np.frombuffer(bufs[1], dtype=dtype, count=len(idx), offset=idx.offset * dtype.itemsize)
    bits = np.frombuffer(bufs[0], dtype=np.uint8) if idx.null_count else _NO_BITS
    _jit.gather_codes(data, bits, idx.offset, table, local, out)


def _compact(table: pa.Table) -> pa.Table:
    """The table with each dictionary larger than the table cut to the values it uses: a
    partition's ticket ids index the whole log's dictionary, which should not travel with
    every partition."""
    cols: list[pa.Array | pa.ChunkedArray] = []
    for col in table.columns:
        if col.num_chunks == 1 and pa.types.is_dictionary(col.type):
            arr = col.chunk(0)
            if len(arr.dictionary) > len(arr):
                codes, dictionary = dictionary_array(arr)
                valid = codes >= 0
                used = np.flatnonzero(np.bincount(codes[valid], minlength=len(dictionary)))
                remap = np.full(len(dictionary) + 1, -1, dtype=np.int32)
                remap[used] = np.arange(used.size, dtype=np.int32)
                out = remap[codes]  # -1 (null) reads the last entry: -1
                idx = pa.array(out, mask=~valid)
                col = pa.chunked_array(
                    [pa.DictionaryArray.from_arrays(idx, dictionary.take(pa.array(used)))]
                )
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


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
    # ticket ids as codes over one dictionary (the reader's slices each have their own):
    # every partition then shares it, and no partition hashes ticket ids again
    codes, dictionary = dictionary_array(events.column("ticket_id"))
    ids = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), dictionary)
    events = events.set_column(events.schema.get_field_index("ticket_id"), "ticket_id", ids)
    del codes
    part = partition_of(ids, parts)
    # rows grouped by partition, in their original order within each (a stable sort)
    # (partition numbers fit 16 bits in practice, where numpy's stable sort is a radix sort)
    small = part.astype(np.int16) if parts <= np.iinfo(np.int16).max else part
    order = np.argsort(small, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1))
    del part, small

    gather = _Gather(events)

    def partition(k: int) -> pa.Table:
        return gather(order[bounds[k] : bounds[k + 1]])

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
                pending[ex.submit(_work, _to_ipc(_compact(partition(k))))] = k
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
