"""The batch kernel on Spark: events partitioned by ticket, one kernel run per chunk of
tickets on the executors, records out in the local engine's schema.

How: the events are repartitioned by a hash of ``ticket_id`` (every ticket lands whole in one
partition) and sorted within each partition by ticket, ``ts``, ``ts_us`` and ``seq``; each
partition's Arrow batches go through ``mapInArrow`` to :func:`_kernel`, which gathers whole
tickets into chunks of about ``chunk_events`` events and runs
:func:`accord.core.engine.batch.compute_partition` on each. The kernel is a pure function of
(a set of whole tickets, configuration, as-of), so the records are the local engine's whatever
the partitioning. The configuration and its calendars, compiled on the driver over the span of
the log, are broadcast once; each executor's Python worker unpickles them once and keeps them
for every later task of the same run.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from accord.core.config.resolved import Configuration
from accord.core.engine.attribution import attribution_schema, check_dimensions
from accord.core.engine.batch.kernel import Options
from accord.core.engine.batch.schema import EVENTS_SCHEMA, FIELD_PREFIX
from accord.core.engine.clocks import clock_for
from accord.core.timeutil import Instant
from accord.errors import InputError
from accord.spark.read import SparkRead, read_events
from accord.spark.schema import (
    CUSTOM,
    DIM_COL,
    SPARK_RECORDS_SCHEMA,
    attribution_spark_schema,
    attribution_to_spark,
    kernel_table,
    to_spark,
)

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import DataFrame, SparkSession

CHUNK_EVENTS = 500_000
"""Events per kernel run on an executor (whole tickets): the local engine's partition size,
which bounds the kernel's working memory (about 200 MB) whatever the Spark partition holds."""
EVENTS_PER_PARTITION = 2_000_000
"""Spark partitions by default: one per this many events, at least the default parallelism."""
_YEAR = 366 * 86_400
_CUSTOM_COL = "__field_"

# per Python worker: the broadcast configurations already unpickled, by run token
_states: dict[str, tuple[Configuration, Instant]] = {}


def compute_records(
    spark: SparkSession,
    events: DataFrame | str | Sequence[str] | SparkRead,
    config: Configuration,
    as_of: Instant,
    *,
    quarantine: str | None = None,
    fmt: str | None = None,
    source_tz: tzinfo | None = None,
    partitions: int | None = None,
    chunk_events: int = CHUNK_EVENTS,
    agreements: bool = True,
) -> DataFrame:
    """The metric records of every ticket in ``events`` at ``as_of``: a DataFrame in
    :data:`~accord.spark.schema.SPARK_RECORDS_SCHEMA` (the local engine's columns in order),
    equal record for record to :func:`accord.core.engine.batch.compute_batch` with the same
    ``agreements`` (by default, as ``accord sla``: the internal agreements' records too).

    ``events``: a DataFrame with the canonical columns, event files or URIs (JSON Lines, CSV,
    Parquet; directories and globs), or what :func:`read_events` returned. Bad rows are never
    dropped: they are written to ``quarantine`` (a JSON Lines file; by default
    ``<first input>.quarantine.jsonl``); a DataFrame with bad rows needs ``quarantine``.
    Reading runs now (the events are cached); the records are computed when the DataFrame is
    used. ``partitions``: Spark partitions of the events (default: one per
    :data:`EVENTS_PER_PARTITION` events, at least the default parallelism).
    """
    from accord.spark.output import write_quarantine_rows

    read = (
        events
        if isinstance(events, SparkRead)
        else read_events(
            spark, events, fmt=fmt, source_tz=source_tz, status_category=config.status_category
        )
    )
    if not isinstance(events, SparkRead):
        target = quarantine or _default_quarantine(events)
        if target is None:
            if not read.quarantine.isEmpty():
                raise InputError(
                    "some rows of the events DataFrame are bad; pass quarantine=PATH to keep "
                    "them (accord.spark.read_events(...).quarantine holds them)"
                )
        else:
            write_quarantine_rows(read, target)
    return records_of(
        spark, read.events, config, as_of, partitions, chunk_events, agreements=agreements
    )


def _default_quarantine(events: Any) -> str | None:
    if isinstance(events, str):
        return events.rstrip("/") + ".quarantine.jsonl"
    if isinstance(events, list | tuple) and events:
        return str(events[0]).rstrip("/") + ".quarantine.jsonl"
    return None


def records_of(
    spark: SparkSession,
    events: DataFrame,
    config: Configuration,
    as_of: Instant,
    partitions: int | None = None,
    chunk_events: int = CHUNK_EVENTS,
    *,
    agreements: bool = True,
) -> DataFrame:
    """The records of accepted events (the ``events`` of a :class:`SparkRead`); with
    ``agreements`` (as ``accord sla``) the internal agreements' records too."""
    options = Options(agreements)
    return _on_partitions(spark, events, config, as_of, partitions, chunk_events, options)


def attribution_of(
    spark: SparkSession,
    events: DataFrame,
    config: Configuration,
    as_of: Instant,
    dimensions: Sequence[str],
    partitions: int | None = None,
    chunk_events: int = CHUNK_EVENTS,
    *,
    agreements: bool = True,
) -> DataFrame:
    """Where every record's time went (``accord sla --breakdown``): the rows of
    :func:`accord.core.engine.batch.attribute_batch` for the records of :func:`records_of`,
    in :func:`attribution_spark_schema` (the dimensions' columns named as given). A second
    kernel pass over the events: the records come from :func:`records_of`."""
    from pyspark.sql import functions as F

    dims = check_dimensions(dimensions)
    options = Options(agreements, dims)
    rows = _on_partitions(spark, events, config, as_of, partitions, chunk_events, options)
    return rows.select(
        *(
            F.col(f"{DIM_COL}{dims.index(c)}").alias(c) if c in dims else F.col(c)
            for c in attribution_schema(dims).names
        )
    )


def _on_partitions(
    spark: SparkSession,
    events: DataFrame,
    config: Configuration,
    as_of: Instant,
    partitions: int | None,
    chunk_events: int,
    options: Options,
) -> DataFrame:
    """The kernel over ``events`` partitioned by ticket: the records, or with dimensions in
    ``options`` the attribution rows (dimension ``i`` as ``__dim_<i>``)."""
    from pyspark.sql import functions as F

    from accord.core.engine.batch.agreements import agreement_fields
    from accord.core.engine.batch.timeline import needed_columns

    metrics = [m for m in config.metric_names() if clock_for(m, config.metrics) is not None]
    ags = list(config.agreements) if options.agreements else []
    extra = [*agreement_fields(ags), *(d for d in options.dimensions if d != "status")]
    needed = needed_columns(config, metrics, extra)
    fixed = [c for c in needed if c in EVENTS_SCHEMA.names]
    prefixed = [c for c in needed if c.startswith(FIELD_PREFIX)]
    custom = list(dict.fromkeys(c[len(FIELD_PREFIX) :] for c in prefixed))
    entries = F.map_from_entries(F.col(CUSTOM))
    # Spark reads a dot in a column name as a struct field: numbered names until the kernel
    cols = [F.col(c) for c in dict.fromkeys(fixed)] + [
        F.element_at(entries, F.lit(name)).alias(f"{_CUSTOM_COL}{i}")
        for i, name in enumerate(custom)
    ]
    span = events.agg(F.min("ts"), F.max("ts"), F.count(F.lit(1))).collect()[0]
    n = int(span[2] or 0)
    if partitions is None:
        partitions = max(spark.sparkContext.defaultParallelism, -(-n // EVENTS_PER_PARTITION))
    lo = int(span[0]) if span[0] is not None else as_of
    hi = max(int(span[1]) if span[1] is not None else as_of, as_of)
    shared = spark.sparkContext.broadcast(_payload(config, as_of, lo, hi))
    token = uuid.uuid4().hex  # names this broadcast in the workers' cache
    keyed = (
        events.select(*cols)
        .repartition(max(partitions, 1), "ticket_id")
        .sortWithinPartitions("ticket_id", "ts", "ts_us", "seq")
    )

    def kernel(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from _kernel(batches, (token, shared), chunk_events, custom, options)

    if options.dimensions:
        numbered = attribution_spark_schema(options.dimensions, numbered=True)
        return keyed.mapInArrow(kernel, numbered)
    return keyed.mapInArrow(kernel, SPARK_RECORDS_SCHEMA)


def _payload(config: Configuration, as_of: Instant, lo: int, hi: int) -> bytes:
    """The configuration, as-of and every calendar's compiled intervals over the log's span
    (and a year past it, for due instants), pickled once for the broadcast."""
    from accord.core.calendar import BusinessCalendar

    compiled: dict[str, Any] = {}
    for name, cal in config.calendars.items():
        if isinstance(cal, BusinessCalendar):
            cal.compiled(lo, hi + _YEAR)
            compiled[name] = cal.compiled_state()
    return pickle.dumps((config, as_of, compiled), protocol=pickle.HIGHEST_PROTOCOL)


def _state(key: tuple[str, Broadcast[bytes]]) -> tuple[Configuration, Instant]:
    token, shared = key
    got = _states.get(token)
    if got is None:
        from accord.core.calendar import BusinessCalendar

        config, as_of, compiled = pickle.loads(shared.value)
        for name, state in compiled.items():
            cal = config.calendars.get(name)
            if isinstance(cal, BusinessCalendar) and state is not None:
                cal.adopt_compiled_state(state)
        got = _states[token] = (config, as_of)
    return got


def _kernel(
    batches: Iterator[pa.RecordBatch],
    shared: tuple[str, Broadcast[bytes]],
    chunk_events: int,
    custom: list[str],
    options: Options,
) -> Iterator[pa.RecordBatch]:
    """On an executor: a partition's events (sorted by ticket) in, its records (or its
    attribution rows) out, the kernel run on whole tickets of about ``chunk_events`` events
    at a time."""
    from accord.core.engine.batch.kernel import run_partition

    config, as_of = _state(shared)
    pending: list[pa.RecordBatch] = []
    held = 0

    def run(table: pa.Table) -> Iterator[pa.RecordBatch]:
        records, rows = run_partition(kernel_table(table, custom), config, as_of, None, options)
        if rows is not None:
            if rows.num_rows:
                yield from attribution_to_spark(rows, options.dimensions)
        elif records.num_rows:
            yield from to_spark(records)

    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        held += batch.num_rows
        if held < chunk_events:
            continue
        table = pa.Table.from_batches(pending)
        ids = table.column("ticket_id")
        # the last ticket may go on in the next batch: keep it for the next chunk
        cut = pc.index(ids, ids[-1]).as_py()
        if cut <= 0:
            continue  # one ticket so far: it must be whole before it runs
        yield from run(table.slice(0, cut))
        rest = table.slice(cut)
        pending = rest.to_batches()
        held = rest.num_rows
    if pending:
        yield from run(pa.Table.from_batches(pending))
