"""The kernel over many tickets: in bounded chunks, on one or several local processes.

Tickets are split into partitions by *range* of ``ticket_id`` (cut where the events are
evenly shared), so that every ticket lands whole in one partition and the partitions'
records, concatenated in order, are already in the reference engine's order (by ticket).
Partitions hold at most ``chunk_events`` events, which bounds the working memory of the
kernel whatever the size of the log. Any other split works for the kernel too: inside Spark,
the tickets are partitioned by a hash of ``ticket_id`` and each partition's events go to
:func:`compute_partition` as they are.

The ticket ids are re-coded by rank (the ids in use sorted once), so that a partition's
tickets are a range of codes, and each column the kernel reads is regrouped by ticket (hence
by partition) in one sequential pass (dictionary columns decoded on the way to codes over one
dictionary per column): a partition is then a zero-copy slice that comes with its codes
already decoded and its events grouped by ticket, and no column is streamed once per
partition. The regrouped copy of the needed columns is the memory this costs.

With ``jobs`` > 1, ``jobs`` - 1 worker processes are started with ``spawn`` (a forked child of
a process whose pyarrow / polars thread pools have run can deadlock), without re-running the
caller's script in them (:mod:`~accord.core.engine.batch.spawning`: a script needs no
``if __name__ == "__main__":`` guard), before anything else, so
that their imports overlap the regrouping, which then runs on ``jobs`` threads. This process
computes partitions too. Each worker always has a partition running and one queued: each is
written just before, uncompressed, as an Arrow IPC file in shared memory (``/dev/shm``) that
the worker memory-maps, and the worker writes the records to a file of its own there, which
this process maps in turn; nothing is pickled, compressed or copied through a pipe. The
configuration (pydantic models and calendars, which pickle by name and spec) is sent once per
worker. The files are removed whatever happens.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.core.agreements.models import Agreement
from accord.core.config.resolved import Configuration
from accord.core.engine.attribution import attribution_schema, check_dimensions
from accord.core.engine.batch import _jit, timeline
from accord.core.engine.batch.agreements import agreement_fields
from accord.core.engine.batch.columns import (
    dictionary_array,
    masked_array,
    string_order,
    unified_tables,
)
from accord.core.engine.batch.cut import cut
from accord.core.engine.batch.kernel import Options, run_partition
from accord.core.engine.batch.memory import engine_memory, hold_engine_memory
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.engine.batch.spawning import worker_context
from accord.core.engine.batch.stages import mark
from accord.core.engine.batch.timeline import Codes, Decoded
from accord.core.engine.clocks import clock_for
from accord.core.timeutil import Instant
from accord.errors import AccordError

Progress = Callable[[int], None]
"""Hears the number of events computed so far."""

CHUNK_EVENTS = 500_000
"""Events per partition by default: the kernel then works in about 200 MB, and is no slower
than with larger partitions (its arrays stay closer to the caches)."""

EVENTS_PER_JOB = 5_000_000
"""Events each process should have to compute before one more is worth starting: a worker
costs about 1.7 CPU-seconds to start (imports, the configuration, the kernels loaded from
numba's cache) on a machine whose cores are shared, which a few million events at about a
million events a second per core repay (bench/bench_jobs.py)."""

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
_NO_BITS = np.zeros(0, dtype=np.uint8)

# what a worker process keeps between partitions: (configuration, as_of, options)
_worker: tuple[Configuration, Instant, Options] | None = None


def auto_jobs(events: int, cores: int) -> int:
    """The processes to compute ``events`` events on when the caller does not say: one per
    :data:`EVENTS_PER_JOB` events (so 1 below twice that), at most ``cores``."""
    return max(1, min(cores, events // EVENTS_PER_JOB))


def partition_of(ticket_ids: pa.ChunkedArray | pa.Array, parts: int) -> I32:
    """The partition (0 … ``parts`` - 1) of every row, by range of ``ticket_id``: all rows of
    one ticket share a partition, every id in partition k sorts before those in k + 1, and
    the partitions hold about as many rows each."""
    n = len(ticket_ids)
    if parts <= 1 or n == 0:
        return np.zeros(n, dtype=np.int32)
    ranks, _ids, part_of_rank = _ranked(*dictionary_array(ticket_ids), parts)
    out: I32 = part_of_rank[ranks]  # (a null id, rank -1, reads the last entry: 0)
    return out


def _ranked(codes: I32, dictionary: pa.Array, parts: int) -> tuple[I32, pa.Array, I32]:
    """Ticket ids decoded as ``(codes, dictionary)`` re-coded by rank: ``(ranks, sorted ids,
    partition of each rank)`` (plus a last entry, 0, that rank -1 of a null id reads). The
    ids in use sorted once here, so that each partition's ids are a range of ranks."""
    dictionary = dictionary.cast(pa.string())
    # (ticket ids are required: the copy without nulls is almost never needed)
    known = codes[codes >= 0] if bool((codes < 0).any()) else codes
    weight = np.bincount(known, minlength=len(dictionary))
    used = np.flatnonzero(weight)
    order = used[string_order(dictionary.take(pa.array(used)))]
    cum = np.cumsum(weight[order])
    # the partition of each ticket, by its events' place in the sorted run
    part_of_rank = np.zeros(order.size + 1, dtype=np.int32)
    part_of_rank[:-1] = np.minimum(
        (cum - weight[order]) * parts // max(int(cum[-1]) if cum.size else 1, 1), parts - 1
    )
    rank = np.full(len(dictionary) + 1, -1, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    # (a compiled gather: numpy would first widen the codes to int64)
    return _jit.lookup(rank, codes), dictionary.take(pa.array(order)), part_of_rank


def _grouped(
    table: pa.Table, dest: NDArray[np.signedinteger[Any]], ticket_codes: I32, threads: int = 1
) -> tuple[pa.Table, dict[str, tuple[Codes, pa.Array]]]:
    """``table`` with row ``i`` moved to row ``dest[i]``, every column as one chunk, and its
    dictionary columns decoded (``(codes, dictionary)`` by name, in the new order).

    Each column is read once, in order, and written to its new place (rows grouped by
    partition): a partition is then a zero-copy slice. Gathering each partition's rows
    instead would stream every column once per partition. Dictionary columns come out as
    codes over one dictionary per column (the chunks' dictionaries unified once), decoded by a
    compiled loop straight from the index buffers; ``ticket_codes`` are the ticket ids'.
    Each column of ``table`` is let go of once regrouped. With ``threads`` > 1 the columns
    are regrouped on that many threads (the compiled loops, numpy and Arrow release the GIL).
    """

    names = table.column_names
    cols: list[pa.ChunkedArray | None] = list(table.columns)
    del table

    def one(i: int) -> tuple[pa.Array, Codes | None]:
        col = cols[i]
        assert col is not None
        # let go of the column once regrouped: when the caller holds no other reference to
        # the table, its buffers are freed one column at a time instead of all at the end
        cols[i] = None
        return _regroup(names[i], col, dest, ticket_codes)

    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            done = list(pool.map(one, range(len(names))))
    else:
        done = [one(i) for i in range(len(names))]
    decoded = {
        name: (codes, arr.dictionary)
        for name, (arr, codes) in zip(names, done, strict=True)
        if codes is not None
    }
    return pa.Table.from_arrays([arr for arr, _ in done], names=names), decoded


def _regroup(
    name: str, col: pa.ChunkedArray, dest: NDArray[np.signedinteger[Any]], ticket_codes: I32
) -> tuple[pa.Array, Codes | None]:
    """One column for :func:`_grouped`, and its codes if it is a dictionary column."""
    n = len(col)
    typ = col.type
    ends = np.cumsum([0, *(len(ch) for ch in col.chunks)])
    if pa.types.is_dictionary(typ) and all(
        pa.types.is_integer(ch.indices.type) for ch in col.chunks
    ):
        codes: Codes
        if name == "ticket_id":
            dictionary = col.chunk(0).dictionary
            codes = np.empty(n, dtype=np.int32)
            _jit.scatter(ticket_codes, dest, codes)
        else:
            dictionary, tables = unified_tables(col)
            # a few distinct values (statuses, priorities, customers): one byte a code, a
            # quarter of the memory to fault in and of the bytes to scatter
            codes = np.empty(n, dtype=np.int8 if len(dictionary) < 128 else np.int32)
            for ch, tbl, lo, hi in zip(col.chunks, tables, ends[:-1], ends[1:], strict=True):
                _scatter_chunk(ch, tbl, dest[lo:hi], codes)
        idx = masked_array(codes, pa.from_numpy_dtype(codes.dtype), codes >= 0)
        # codes made here, within the dictionary: Arrow need not check every one again
        return pa.DictionaryArray.from_arrays(idx, dictionary, safe=False), codes
    if col.null_count == n:
        # nothing to move (a log without clears has no 'cleared' lists at all)
        return pa.nulls(n, typ), None
    if pa.types.is_boolean(typ):
        values = np.empty(n, dtype=bool)
        valid = np.ones(n, dtype=bool)
        for ch, lo, hi in zip(col.chunks, ends[:-1], ends[1:], strict=True):
            got, ok = _bool_bits(ch)
            _jit.scatter(got, dest[lo:hi], values)
            if ok is not None:
                _jit.scatter(ok, dest[lo:hi], valid)
        return masked_array(values, typ, valid), None
    if pa.types.is_integer(typ) and not col.null_count and _all_zero(col):
        # nothing to move: the usual ``ts_us`` of instants in whole seconds (one sequential
        # read of the column instead of a scatter to random places)
        return pa.array(np.zeros(n, dtype=typ.to_pandas_dtype())), None
    if pa.types.is_integer(typ) or pa.types.is_floating(typ):
        values = np.empty(n, dtype=typ.to_pandas_dtype())
        valid = np.ones(n, dtype=bool)
        for ch, lo, hi in zip(col.chunks, ends[:-1], ends[1:], strict=True):
            fill = False if pa.types.is_boolean(typ) else 0
            data = ch.fill_null(fill) if ch.null_count else ch
            _jit.scatter(data.to_numpy(zero_copy_only=False), dest[lo:hi], values)
            if ch.null_count:
                valid[dest[lo:hi]] = ch.is_valid().to_numpy(zero_copy_only=False)
        return masked_array(values, typ, valid), None
    # nested columns (lists): one Arrow take of the whole column
    return col.combine_chunks().take(pa.array(_jit.invert(dest))), None


def _all_zero(col: pa.ChunkedArray) -> bool:
    """Whether every value of an integer column without nulls is 0."""
    return not any(len(ch) and np.any(ch.to_numpy()) for ch in col.chunks)


def _bool_bits(ch: pa.Array) -> tuple[BoolArray, BoolArray | None]:
    """A true/false chunk unpacked from its bitmaps: values (false where null) and validity
    (None: no nulls); a quarter of the time of ``fill_null`` and ``to_numpy``."""
    n = len(ch)
    bufs = ch.buffers()

    def bits(buf: pa.Buffer) -> BoolArray:
        raw = np.frombuffer(buf, dtype=np.uint8)
        out: BoolArray = np.unpackbits(raw, count=ch.offset + n, bitorder="little")[
            ch.offset :
        ].view(bool)
        return out

    if n == 0 or ch.null_count == n or bufs[1] is None:
        none = np.zeros(n, dtype=bool)
        return none, (none if ch.null_count else None)
    values = bits(bufs[1])
    if not ch.null_count:
        return values, None
    valid = bits(bufs[0])
    return values & valid, valid


def _scatter_chunk(
    ch: pa.Array,
    table: NDArray[np.int32],
    dest: NDArray[np.signedinteger[Any]],
    out: Codes,
) -> None:
    """The codes of one dictionary chunk, mapped by ``table``, into ``out`` at ``dest``."""
    if len(ch) == 0:
        return
    idx = ch.indices
    bufs = idx.buffers()
    if bufs[1] is None or idx.null_count == len(idx):
        out[dest] = -1
        return
    dtype = np.dtype(idx.type.to_pandas_dtype())
    data = np.frombuffer(bufs[1], dtype=dtype, count=len(idx), offset=idx.offset * dtype.itemsize)
    bits = np.frombuffer(bufs[0], dtype=np.uint8) if idx.null_count else _NO_BITS
    _jit.scatter_codes(data, bits, idx.offset, table, dest, out)


def _start_worker(config: bytes, as_of: Instant) -> None:
    """``config``: the pickled configuration and :class:`Options`."""
    # The processes are the parallelism: each worker computes on one thread, so that ``jobs``
    # workers do not start ``jobs`` thread pools each and fight over the same cores. (Polars
    # reads its setting when first imported, which in a worker happens after this.)
    os.environ["POLARS_MAX_THREADS"] = "1"
    pa.set_cpu_count(1)
    # this process only runs the engine: its allocation settings for good (see .memory)
    hold_engine_memory()
    global _worker
    cfg, options = pickle.loads(config)
    _worker = (cfg, as_of, options)


def _ready() -> None:
    """A task that does nothing: submitted first, it starts the workers (their imports)
    while the parent still regroups the events."""


def _work(events: str, k: int, out: str) -> str:
    """In a worker: record batch ``k`` of the Arrow IPC file ``events`` in (memory-mapped, not
    copied), its records out to the uncompressed Arrow IPC file ``out`` (and its attribution,
    when asked for, to ``out`` + ``.attribution``)."""
    assert _worker is not None
    config, as_of, options = _worker
    with pa.memory_map(events) as source:
        batch = pa.ipc.open_file(source).get_batch(k)
        records, rows = run_partition(pa.Table.from_batches([batch]), config, as_of, None, options)
    _write(records, out)
    if rows is not None:
        _write(rows, out + _ROWS)
    return out


_ROWS = ".attribution"


def compute_batch(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    jobs: int = 1,
    chunk_events: int = CHUNK_EVENTS,
    *,
    agreements: bool = False,
    progress: Progress | None = None,
) -> pa.Table:
    """The records of every ticket in ``events``, computed by the kernel on ``jobs`` processes
    (1: in this process) in partitions of at most about ``chunk_events`` events; the same
    table whatever ``jobs`` and ``chunk_events`` are. ``agreements``: also the records of the
    internal agreements (see :func:`.kernel.compute_partition`). ``progress`` hears the
    number of events computed so far as partitions finish."""
    with engine_memory():
        records, _ = _compute_batch(
            events, config, as_of, jobs, chunk_events, Options(agreements), progress
        )
        return records


def attribute_batch(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    dimensions: Sequence[str],
    jobs: int = 1,
    chunk_events: int = CHUNK_EVENTS,
    *,
    agreements: bool = False,
    progress: Progress | None = None,
) -> tuple[pa.Table, pa.Table]:
    """:func:`compute_batch`, and the attribution of every record's time to the holders in
    ``dimensions``: one row per cycle and holder, in the records' order
    (:func:`accord.core.engine.attribution.attribution_schema`)."""
    options = Options(agreements, check_dimensions(dimensions))
    with engine_memory():
        records, rows = _compute_batch(events, config, as_of, jobs, chunk_events, options, progress)
    assert rows is not None
    return records, rows


def _compute_batch(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    jobs: int,
    chunk_events: int,
    options: Options,
    progress: Progress | None = None,
) -> tuple[pa.Table, pa.Table | None]:
    n = events.num_rows
    parts = max(jobs, -(-n // max(chunk_events, 1)))
    if parts <= 1 or n == 0:
        one = run_partition(events, config, as_of, None, options)
        if progress is not None:
            progress(n)
        return one
    events = kernel_columns(events, config, options)
    if jobs <= 1:
        ranked, lay = _layout(events, parts)
        del events
        grouped, decoded = _grouped(ranked, lay.dest, lay.ranks)
        mark("regrouping")
        tables = []
        done = 0
        for k in range(parts):
            part, mine = _partition(grouped, decoded, lay, k)
            mark("regrouping")
            tables.append(run_partition(part, config, as_of, mine, options))
            done += part.num_rows
            if progress is not None:
                progress(done)
    else:
        tables = _on_workers(events, parts, jobs, config, as_of, options, progress)
    records = [r for r, _ in tables if r.num_rows]
    rows = [a for _, a in tables if a is not None and a.num_rows]
    attributed = bool(options.dimensions)
    no_rows = attribution_schema(options.dimensions).empty_table() if attributed else None
    out = (
        _concat(records) if records else RECORDS_SCHEMA.empty_table(),
        (_concat(rows) if rows else no_rows) if attributed else None,
    )
    mark("assembly")
    return out


def kernel_columns(events: pa.Table, config: Configuration, options: Options) -> pa.Table:
    """The columns of ``events`` the kernel reads for ``config`` and ``options``."""
    metrics = [m for m in config.metric_names() if clock_for(m, config.metrics) is not None]
    ags: Sequence[Agreement] = config.agreements if options.agreements else ()
    extra = [*agreement_fields(ags), *options.dimensions]
    keep = set(timeline.needed_columns(config, metrics, extra))
    return events.select([c for c in events.column_names if c in keep])


@dataclass(slots=True)
class _Layout:
    """The events cut into partitions (see :func:`_layout`)."""

    ranks: I32
    dest: NDArray[np.signedinteger[Any]]  # where every row goes once grouped by ticket
    bounds: I64  # where each partition starts (plus the end), in rows
    rank_bounds: I64  # the same in ranks: partition k holds ticket ranks [rb[k], rb[k + 1])


def _layout(
    events: pa.Table, parts: int, threads: int = 1, tail: int = 0
) -> tuple[pa.Table, _Layout]:
    """The events with their ticket ids as codes over one dictionary (the reader's slices
    each have their own; every partition then shares it, and no partition hashes ticket ids
    again), sorted, so that a partition's tickets are a range of codes; where every row goes
    once the rows are grouped by ticket (in their original order within each), which groups
    them by partition too. ``parts`` partitions, then ``tail`` of a quarter of the events
    each; the passes over every row on ``threads`` threads (:func:`.cut.cut`)."""
    got = cut(events.column("ticket_id"), parts, threads, tail)
    idx = masked_array(got.ranks, pa.int32(), got.ranks >= 0)
    col = pa.DictionaryArray.from_arrays(idx, got.ids, safe=False)
    events = events.set_column(events.schema.get_field_index("ticket_id"), "ticket_id", col)
    # Rows grouped by ticket (a null id first), in their order within each ticket: that
    # groups them by partition too, and a log in time order needs no sort in the kernel.
    return events, _Layout(got.ranks, got.dest, got.bounds, got.rank_bounds)


def _partition(
    grouped: pa.Table, decoded: Decoded, lay: _Layout, k: int
) -> tuple[pa.Table, dict[str, tuple[Codes, pa.Array]]]:
    """Partition ``k`` of the regrouped events, and its decoded columns: its ticket ids as
    codes over its own range of the sorted ids (so that the kernel's work on ticket ids is
    in proportion to the partition, not to the whole log's dictionary)."""
    lo, hi = int(lay.bounds[k]), int(lay.bounds[k + 1])
    mine = {name: (c[lo:hi], d) for name, (c, d) in decoded.items()}
    r0, r1 = int(lay.rank_bounds[k]), int(lay.rank_bounds[k + 1])
    codes, ids = mine["ticket_id"]
    mine["ticket_id"] = (codes - np.int32(r0), ids.slice(r0, r1 - r0))
    return grouped.slice(lo, hi - lo), mine


def _shared_dir() -> str:
    # /dev/shm: files in memory, which every process maps without a copy
    return tempfile.mkdtemp(prefix="accord-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)


def _on_workers(
    events: pa.Table,
    parts: int,
    jobs: int,
    config: Configuration,
    as_of: Instant,
    options: Options,
    progress: Progress | None = None,
) -> list[tuple[pa.Table, pa.Table | None]]:
    """The records of every partition, computed here and on ``jobs`` - 1 spawned processes
    (see the module's docstring): the workers start first, so that their imports overlap the
    regrouping; each has a partition running and one queued, handed over as files in shared
    memory, while this process computes the others."""
    results: list[tuple[pa.Table, pa.Table | None] | None] = [None] * parts
    sizes = [0] * parts
    pending: dict[Future[str], int] = {}

    def tell() -> None:
        if progress is not None:
            progress(sum(size for size, r in zip(sizes, results, strict=True) if r is not None))

    shared = _shared_dir()
    try:
        with ProcessPoolExecutor(
            max_workers=jobs - 1,
            mp_context=worker_context(),
            initializer=_start_worker,
            initargs=(pickle.dumps((config, options)), as_of),
        ) as ex:
            try:
                for _ in range(jobs - 1):
                    ex.submit(_ready)
                ranked, lay = _layout(events, parts)
                del events
                grouped, decoded = _grouped(ranked, lay.dest, lay.ranks, threads=jobs)
                k = 0
                while k < parts or pending:
                    # keep every worker busy: one partition running, one queued (written to
                    # its file just before, so that the first worker starts at once)
                    while k < parts and len(pending) < 2 * (jobs - 1):
                        path = os.path.join(shared, f"events-{k}.arrow")
                        part, mine = _partition(grouped, decoded, lay, k)
                        sizes[k] = part.num_rows
                        _write(_for_worker(part, mine), path)
                        out = os.path.join(shared, f"records-{k}.arrow")
                        pending[ex.submit(_work, path, 0, out)] = k
                        k += 1
                    if k < parts:
                        part, mine = _partition(grouped, decoded, lay, k)
                        sizes[k] = part.num_rows
                        results[k] = run_partition(part, config, as_of, mine, options)
                        k += 1
                        _collect(pending, results, block=False)
                    else:
                        _collect(pending, results, block=True)
                    tell()
            except BaseException:
                # a failed partition (or an interrupt) ends the run: the queued ones are dropped
                ex.shutdown(wait=True, cancel_futures=True)
                raise
    except BrokenProcessPool:
        raise AccordError(
            f"a worker process of the batch engine (jobs={jobs}) stopped abruptly, most likely "
            "killed by the system for want of memory: run again with fewer jobs, or with "
            "jobs=1 to compute in this process alone"
        ) from None
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    return [t for t in results if t is not None]


def _for_worker(part: pa.Table, decoded: Decoded) -> pa.Table:
    """A partition as a worker gets it: its ticket ids over its own range of the sorted ids
    only (not the whole log's dictionary)."""
    codes, ids = decoded["ticket_id"]
    idx = masked_array(codes, pa.int32(), codes >= 0)
    col = pa.DictionaryArray.from_arrays(idx, ids, safe=False)
    return part.set_column(part.schema.get_field_index("ticket_id"), "ticket_id", col)


def _write(table: pa.Table, path: str) -> None:
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _collect(
    pending: dict[Future[str], int],
    results: list[tuple[pa.Table, pa.Table | None] | None],
    block: bool,
) -> None:
    done, _ = wait(pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
    for f in done:
        path = f.result()
        # mapped, not read: the records stay in the shared pages, which outlive the file
        k = pending.pop(f)
        rows = None
        if os.path.exists(path + _ROWS):
            rows = pa.ipc.open_file(pa.memory_map(path + _ROWS)).read_all()
            os.unlink(path + _ROWS)
        results[k] = (pa.ipc.open_file(pa.memory_map(path)).read_all(), rows)
        os.unlink(path)
        # the partition's events, done with (the worker maps them until its next one)
        os.unlink(os.path.join(os.path.dirname(path), f"events-{k}.arrow"))


def _concat(tables: list[pa.Table]) -> pa.Table:
    """One records table: a chunk per partition (each with its own dictionaries)."""
    return pa.concat_tables(tables)
