"""Records and quarantined rows out of Spark: collected as the local engine's table, written
as Parquet partitioned by metric and month, or as a quarantine file."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import pyarrow as pa

from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.io.quarantine import record_from_dict, write_quarantine
from accord.spark.read import SparkRead
from accord.spark.schema import ROW, SOURCE, to_local

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MONTH = "month"
"""The partition column :func:`write_records` adds: the UTC month of ``start`` (``2026-11``)."""


def records_table(records: DataFrame) -> pa.Table:
    """A records DataFrame collected to the driver as the local engine's table
    (:data:`RECORDS_SCHEMA`), in the local engine's order: by ticket (bytewise), then metric
    and cycle as the kernel emits them."""
    table = records.toArrow()
    if table.num_rows == 0:
        return RECORDS_SCHEMA.empty_table()
    local = to_local(table)
    # A ticket's records come from one kernel run, in the kernel's order; a stable sort by
    # ticket puts the tickets in the local engine's order and keeps that.
    order = pa.compute.sort_indices(local.column("ticket_id").cast(pa.string()))
    return local.take(order)


def attribution_rows(rows: DataFrame) -> pa.Table:
    """Attribution rows (:func:`accord.spark.compute_attribution`) collected to the driver as
    the local engine's table (:func:`accord.core.engine.attribution.attribution_schema`), in
    its order: by ticket, then as the kernel emits them."""
    from accord.core.engine.attribution import attribution_schema

    dims = [f.name for f in rows.schema.fields][3:-3]  # between cycle and business_elapsed
    table = rows.toArrow()
    schema = attribution_schema(dims)
    if table.num_rows == 0:
        return schema.empty_table()
    local = to_local(table, schema)
    order = pa.compute.sort_indices(local.column("ticket_id"))
    return local.take(order)


def write_records(
    records: DataFrame, path: str, *, partitioned: bool = True, mode: str = "error"
) -> None:
    """The records as a Parquet dataset at ``path``: partitioned by ``metric`` and
    :data:`MONTH` (directories ``metric=…/month=…``) unless ``partitioned`` is false."""
    from pyspark.sql import functions as F

    if partitioned:
        out = records.withColumn(MONTH, F.date_format(F.col("start"), "yyyy-MM"))
        out.write.mode(mode).partitionBy("metric", MONTH).parquet(path)
    else:
        records.write.mode(mode).parquet(path)


def write_quarantine_rows(read: SparkRead, path: str) -> int:
    """The quarantined rows of ``read``, in input order, as a quarantine file (JSON Lines, the
    local format, replayable with ``accord sla``) at ``path`` when it is a local path, or as
    a directory of JSON Lines parts written by Spark when it is a URI. Nothing is written
    when no row is bad. Returns how many rows."""
    rows = read.quarantine.orderBy(SOURCE, ROW)
    n = rows.count()
    if n == 0:
        return 0
    if "://" in path and not path.startswith("file://"):
        rows.select("record").write.mode("overwrite").text(path)
        return n
    local = path[len("file://") :] if path.startswith("file://") else path
    parent = os.path.dirname(os.path.abspath(local))
    os.makedirs(parent, exist_ok=True)
    records = (record_from_dict(json.loads(r[0])) for r in rows.select("record").toLocalIterator())
    write_quarantine(local, records)
    return n


def events_table(events: DataFrame) -> pa.Table:
    """Accepted events (a :class:`SparkRead`'s ``events``) collected to the driver as an
    events table (:mod:`accord.core.engine.batch.schema`), in arrival order, custom fields in
    ``field.<name>`` columns."""
    import numpy as np
    import pyarrow.compute as pc

    from accord.core.engine.batch.schema import EVENTS_SCHEMA, FIELD_PREFIX
    from accord.spark.schema import CUSTOM

    got = events.toArrow()
    if got.num_rows:
        got = got.take(pc.sort_indices(got.column("seq")))
    out = pa.Table.from_arrays(
        [got.column(f.name).cast(f.type) for f in EVENTS_SCHEMA], schema=EVENTS_SCHEMA
    )
    custom = got.column(CUSTOM).combine_chunks() if got.num_rows else None
    if custom is None or len(custom.flatten()) == 0:
        return out
    entries = custom.flatten()
    row = pc.list_parent_indices(custom).to_numpy()
    names = entries.field("name")
    values = entries.field("value")
    for name in sorted(set(names.to_pylist())):
        pick = np.flatnonzero(pc.equal(names, name).to_numpy(zero_copy_only=False))
        col = np.full(out.num_rows, -1, dtype=np.int64)
        col[row[pick]] = pick
        taken = values.take(pa.array(col, mask=col < 0))
        out = out.append_column(FIELD_PREFIX + name, taken)
    return out
