"""The kernel over many tickets as a stream: each partition's records as soon as they are
computed, in ticket order, on ``jobs`` threads of this process.

For a caller that writes the records out as they come (``accord sla … -f parquet -o FILE``):
neither the whole records table nor the whole events table is ever held. The events are cut
into partitions and regrouped by ticket as :func:`.parallel.compute_batch` does (see
:mod:`.parallel`), and each column of the events table is let go of as soon as it is
regrouped, so that a caller that hands over its only reference to the table (for instance
:meth:`accord.io.columnar.ColumnarRead.take_events`) has its memory back before the kernel
starts; the columns the kernel does not read go at once.

With ``jobs`` > 1 the partitions run on a pool of ``jobs`` threads: the compiled loops
(numba, ``nogil``), numpy and Arrow release the GIL for the whole arrays of a partition, so
threads run in parallel without the start-up of a worker process (its imports, the
configuration, the kernels loaded again: about 1.7 CPU-seconds each) and without handing
partitions and records over through files. At most ``jobs`` + 1 partitions are in flight,
each of half the events with two threads (the default), which keeps the memory of the work
in progress about that of one job; the records come out in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from accord.core.config.resolved import Configuration
from accord.core.engine.attribution import check_dimensions
from accord.core.engine.batch.kernel import Options, run_partition
from accord.core.engine.batch.memory import engine_memory
from accord.core.engine.batch.parallel import (
    CHUNK_EVENTS,
    Progress,
    _grouped,
    _layout,
    _partition,
    kernel_columns,
)
from accord.core.engine.batch.schema import plain_records
from accord.core.engine.batch.stages import mark
from accord.core.engine.batch.timeline import Decoded
from accord.core.timeutil import Instant

TAIL_PARTS = 2
"""Small partitions at the end of a run on a pool, per thread (see :mod:`.cut`)."""

Records = tuple[pa.Table, pa.Table | None]
"""A partition's records, and its attribution when dimensions were asked for."""


def stream_batch(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    jobs: int = 1,
    chunk_events: int | None = None,
    *,
    agreements: bool = False,
    dimensions: Sequence[str] = (),
    progress: Progress | None = None,
    plain: bool = False,
) -> Iterator[Records]:
    """The records of every ticket in ``events``, a partition of at most about
    ``chunk_events`` events at a time (by default :data:`.parallel.CHUNK_EVENTS` shared
    between the ``jobs`` threads, so that the partitions in work hold about as much memory
    whatever ``jobs`` is), in the order of :func:`.parallel.compute_batch`
    (whose table is these tables concatenated), computed on ``jobs`` threads; with
    ``dimensions``, each partition's attribution too (else None). ``progress`` hears the
    number of events computed so far. ``plain``: the records in
    :data:`~.schema.PLAIN_RECORDS_SCHEMA` (cast on the partition's thread, not the caller's,
    for a caller that writes them out). Nothing runs until the first partition is asked
    for."""
    options = Options(agreements, check_dimensions(dimensions) if dimensions else ())
    jobs = max(1, jobs)
    chunk = max(1, CHUNK_EVENTS // jobs if chunk_events is None else chunk_events)
    run = _plain_partition if plain else run_partition
    # a generator of its own, so that this frame does not keep ``events`` alive
    return _stream(events, config, as_of, jobs, chunk, options, progress, run)


def _plain_partition(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    decoded: Decoded | None,
    options: Options,
) -> Records:
    records, rows = run_partition(events, config, as_of, decoded, options)
    return plain_records(records), rows


def _stream(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    jobs: int,
    chunk_events: int,
    options: Options,
    progress: Progress | None,
    run: Callable[..., Records],
) -> Iterator[Records]:
    with engine_memory():
        n = events.num_rows
        if n == 0:
            return
        parts = max(jobs, -(-n // chunk_events))
        if parts <= 1:
            yield run(events, config, as_of, None, options)
            if progress is not None:
                progress(n)
            return
        # with a pool, small last partitions: what is left to write once the pool is done
        # is then short (see .cut); not for a log of a few partitions, whose writing never
        # lags far, and where each more partition costs more than it saves
        tail = TAIL_PARTS * jobs if jobs > 1 and parts > 2 * (jobs + 1) else 0
        ranked, lay = _layout(kernel_columns(events, config, options), parts, jobs, tail)
        del events
        parts = len(lay.bounds) - 1
        grouped, decoded = _grouped(ranked, lay.dest, lay.ranks, threads=jobs)
        del ranked
        mark("regrouping")
        done = 0
        if jobs == 1:
            for k in range(parts):
                part, mine = _partition(grouped, decoded, lay, k)
                mark("regrouping")
                out = run(part, config, as_of, mine, options)
                done += part.num_rows
                if progress is not None:
                    progress(done)
                yield out
            return
        pool = ThreadPoolExecutor(jobs, thread_name_prefix="accord-kernel")
        queued: deque[tuple[int, Future[Records]]] = deque()

        def oldest(keep: int) -> Iterator[Records]:
            """The oldest partitions' records, once computed, until ``keep`` are queued."""
            nonlocal done
            while len(queued) > keep:
                size, first = queued.popleft()
                out = first.result()
                done += size
                if progress is not None:
                    progress(done)
                yield out

        try:
            for k in range(parts):
                part, mine = _partition(grouped, decoded, lay, k)
                queued.append((part.num_rows, pool.submit(run, part, config, as_of, mine, options)))
                del part, mine
                # every thread busy and one partition queued: then the oldest is awaited
                yield from oldest(jobs)
            yield from oldest(0)
        finally:
            # an error, or a caller that stops early: the queued partitions are dropped
            pool.shutdown(wait=True, cancel_futures=True)
