"""The Spark side of the batch engine's tables: the records schema in Spark types, the staged
events' schema, and the conversions of Arrow batches between the two worlds.

Spark has no dictionary type and counts time in microseconds, so the records DataFrame holds
:data:`~accord.core.engine.batch.schema.RECORDS_SCHEMA` column for column, in order, as
Spark types: dictionary text as ``string``, ``timestamp[s, UTC]`` as ``timestamp``, the rest
as the same integers, floats and flags. :func:`to_local` turns collected batches back into
``RECORDS_SCHEMA`` exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from accord.core.engine.batch.schema import EVENTS_SCHEMA, RECORDS_SCHEMA
from accord.spark.session import ARROW_BATCH_ROWS

_TS_US = pa.timestamp("us", tz="UTC")


def _spark_type(t: pa.DataType) -> DataType:
    if pa.types.is_dictionary(t) or pa.types.is_string(t):
        return StringType()
    if pa.types.is_timestamp(t):
        return TimestampType()
    if pa.types.is_int32(t):
        return IntegerType()
    if pa.types.is_int64(t):
        return LongType()
    if pa.types.is_float64(t):
        return DoubleType()
    if pa.types.is_boolean(t):
        return BooleanType()
    if pa.types.is_list(t):
        return ArrayType(_spark_type(t.value_type))
    raise TypeError(f"no Spark type for {t}")  # the schemas here hold no other type


def _arrow_for_spark(t: pa.DataType) -> pa.DataType:
    """The Arrow type Spark exchanges for a column of type ``t``."""
    if pa.types.is_dictionary(t):
        return pa.string()
    if pa.types.is_timestamp(t):
        return _TS_US
    return t


SPARK_RECORDS_SCHEMA = StructType(
    [StructField(f.name, _spark_type(f.type), nullable=True) for f in RECORDS_SCHEMA]
)
"""The records DataFrame's schema: :data:`RECORDS_SCHEMA`'s columns, in order, in Spark types."""

_RECORDS_ARROW = pa.schema([(f.name, _arrow_for_spark(f.type)) for f in RECORDS_SCHEMA])

CUSTOM = "custom"
"""The staged events' custom fields: ``[{name, value}]`` (tagged text), sorted by name —
Spark's schema is fixed, a log's ``field.<name>`` columns are not."""
SOURCE, ROW, BAD = "_source", "_row", "_bad"
"""Staging columns: the input's index (-1: a DataFrame) and row number; a quarantined row's
record as JSON (the event columns are then null)."""

_CUSTOM_TYPE = pa.list_(pa.struct([("name", pa.string()), ("value", pa.string())]))

STAGED_ARROW = pa.schema(
    [
        *EVENTS_SCHEMA,
        (CUSTOM, _CUSTOM_TYPE),
        (SOURCE, pa.int32()),
        (ROW, pa.int64()),
        (BAD, pa.string()),
    ]
)
STAGED_SCHEMA = StructType(
    [
        *(StructField(f.name, _spark_type(f.type)) for f in EVENTS_SCHEMA),
        StructField(
            CUSTOM,
            ArrayType(
                StructType([StructField("name", StringType()), StructField("value", StringType())])
            ),
        ),
        StructField(SOURCE, IntegerType()),
        StructField(ROW, LongType()),
        StructField(BAD, StringType()),
    ]
)


def to_spark(records: pa.Table) -> list[pa.RecordBatch]:
    """A records table (:data:`RECORDS_SCHEMA`) as the batches Spark expects."""
    cols = []
    for f, col in zip(RECORDS_SCHEMA, records.columns, strict=True):
        want = _arrow_for_spark(f.type)
        cols.append(col if col.type == want else col.cast(want))
    table = pa.Table.from_arrays(cols, schema=_RECORDS_ARROW)
    batches: list[pa.RecordBatch] = table.to_batches(max_chunksize=ARROW_BATCH_ROWS)
    return batches


def to_local(table: pa.Table, schema: pa.Schema = RECORDS_SCHEMA) -> pa.Table:
    """Records (or other rows) collected from Spark (``DataFrame.toArrow()``) in the local
    ``schema``: the same values, the text columns dictionary-encoded, instants in seconds."""
    cols: list[Any] = []
    for f in schema:
        col = table.column(f.name)
        if pa.types.is_dictionary(f.type):
            col = col.cast(pa.string()).dictionary_encode()
            cols.append(col.cast(f.type) if col.type != f.type else col)
        else:
            cols.append(col.cast(f.type))
    return pa.Table.from_arrays(cols, schema=schema)


DIM_COL = "__dim_"
"""An attribution dimension's column out of the kernel (numbered: a dimension may hold a dot)."""


def attribution_spark_schema(dimensions: Sequence[str], *, numbered: bool = False) -> StructType:
    """The attribution rows' schema (:func:`accord.core.engine.attribution.attribution_schema`)
    in Spark types; ``numbered``: dimension ``i`` named ``__dim_<i>``."""
    from accord.core.engine.attribution import attribution_schema

    dims = list(dimensions)
    return StructType(
        [
            StructField(
                f"{DIM_COL}{dims.index(f.name)}" if numbered and f.name in dims else f.name,
                _spark_type(f.type),
                nullable=True,
            )
            for f in attribution_schema(dims)
        ]
    )


def attribution_to_spark(rows: pa.Table, dimensions: Sequence[str]) -> list[pa.RecordBatch]:
    """Attribution rows as the batches Spark expects (dimensions numbered)."""
    dims = list(dimensions)
    names = [f"{DIM_COL}{dims.index(c)}" if c in dims else c for c in rows.column_names]
    cols = []
    for col in rows.columns:
        want = _arrow_for_spark(col.type)
        cols.append(col if col.type == want else col.cast(want))
    table = pa.Table.from_arrays(cols, names=names)
    batches: list[pa.RecordBatch] = table.to_batches(max_chunksize=ARROW_BATCH_ROWS)
    return batches


def staged_batch(events: pa.Table, source: int, rows: pa.Array) -> pa.RecordBatch:
    """An events table (any ``field.<name>`` columns, dictionary text) as one staged batch."""
    n = events.num_rows
    cols: list[Any] = []
    for f in EVENTS_SCHEMA:
        if f.name in events.column_names:
            col = events.column(f.name).combine_chunks()
            if pa.types.is_dictionary(col.type):
                col = col.cast(col.type.value_type)
            cols.append(col.cast(f.type) if col.type != f.type else col)
        else:
            cols.append(pa.nulls(n, f.type))
    cols.append(_custom_column(events))
    cols.append(pa.array([source] * n, pa.int32()))
    cols.append(rows.cast(pa.int64()))
    cols.append(pa.nulls(n, pa.string()))
    return pa.RecordBatch.from_arrays(cols, schema=STAGED_ARROW)


def _custom_column(events: pa.Table) -> pa.Array:
    """Every row's custom fields as ``[{name, value}]`` in name order, built by whole-array
    takes (a null value stands for a field the row does not set; the reader drops those
    entries in Spark SQL before anything compares rows)."""
    import numpy as np

    from accord.core.engine.batch.schema import FIELD_PREFIX

    names = sorted(c for c in events.column_names if c.startswith(FIELD_PREFIX))
    n, k = events.num_rows, len(names)
    if not names:
        return pa.ListArray.from_arrays(
            pa.array(np.zeros(n + 1, dtype=np.int32)),
            pa.array([], _CUSTOM_TYPE.value_type),
        )
    cols = []
    for c in names:
        col = events.column(c).combine_chunks()
        cols.append(col.cast(pa.string()))
    stacked = pa.concat_arrays(cols)  # field-major: field j of row i at j * n + i
    order = np.arange(n, dtype=np.int64)[:, None] + np.arange(k, dtype=np.int64)[None, :] * n
    values = stacked.take(pa.array(order.ravel()))
    short = pa.array([c[len(FIELD_PREFIX) :] for c in names], pa.string())
    name_codes = pa.array(np.tile(np.arange(k, dtype=np.int32), n))
    name_col = pa.DictionaryArray.from_arrays(name_codes, short).cast(pa.string())
    entries = pa.StructArray.from_arrays([name_col, values], names=["name", "value"])
    offsets = pa.array(np.arange(0, n * k + 1, k, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, entries).cast(_CUSTOM_TYPE)


def bad_batch(records: list[tuple[int, int, str]]) -> pa.RecordBatch:
    """Quarantined rows ``(source, row, record JSON)`` as one staged batch."""
    n = len(records)
    cols: list[Any] = [pa.nulls(n, f.type) for f in EVENTS_SCHEMA]
    cols.append(pa.nulls(n, _CUSTOM_TYPE))
    cols.append(pa.array([r[0] for r in records], pa.int32()))
    cols.append(pa.array([r[1] for r in records], pa.int64()))
    cols.append(pa.array([r[2] for r in records], pa.string()))
    return pa.RecordBatch.from_arrays(cols, schema=STAGED_ARROW)


def kernel_table(batch: pa.Table, custom: list[str]) -> pa.Table:
    """Events as Spark hands them to the kernel (the fixed columns, then custom field ``i``
    of ``custom`` as ``__field_<i>``) as the kernel's events table."""
    from accord.core.engine.batch.schema import FIELD_PREFIX

    names = [
        FIELD_PREFIX + custom[int(c[len("__field_") :])] if c.startswith("__field_") else c
        for c in batch.column_names
    ]
    return batch.rename_columns(names)
