"""Writing the columnar importer's events tables in the layout the row importer writes
(:func:`accord.io.writers.write_events` with the import's custom field columns).

Parquet is written batch by batch from the columns (``ParquetWriter``): a custom field's text
goes to its ``field.<name>`` column, what a column cannot hold losslessly (numbers, true /
false, a cleared field) to the ``fields`` JSON, made once per distinct combination. JSON
Lines and CSV are written from the events, as the row importer writes them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch.schema import (
    CLEARED,
    FIELD_PREFIX,
    TEXT_FIELDS,
    decode_tagged,
    events_from_table,
)
from accord.core.events import STANDARD_FIELDS, Event
from accord.io.columnar_cells import _BLANK
from accord.io.readers import detect_format
from accord.io.table_writers import _distinct_rows
from accord.io.writers import event_columns, flatten_event, write_events

PathLike = str | os.PathLike[str]
STATISTICS = ["ts", "ticket_id"]  # the columns whose row groups carry min / max


def _schema(custom_fields: Sequence[str]) -> pa.Schema:
    columns = event_columns(custom_fields)
    types = {c: pa.string() for c in columns}
    types["ts"] = pa.timestamp("us", tz="UTC")
    types["public"] = pa.bool_()
    types["tags"] = pa.list_(pa.string())
    return pa.schema([(c, types[c]) for c in columns])


def _plain_text(col: pa.Array) -> bool:
    """No value that ``write_events`` would move to the JSON column (blank text)."""
    if col.null_count == len(col):
        return True
    if pa.types.is_dictionary(col.type):
        col = col.dictionary  # (an unused value may send the batch the slow way: still right)
    blank = pc.any(pc.match_substring_regex(col.cast(pa.string()), _BLANK)).as_py()
    return not blank


def _by_events(table: pa.Table, custom_fields: Sequence[str], schema: pa.Schema) -> pa.RecordBatch:
    data: dict[str, list[Any]] = {c: [] for c in schema.names}
    for ev in events_from_table(table):
        row = flatten_event(ev, custom_fields, list_tags=True)
        row["ts"] = ev.ts * 1_000_000 + ev.ts_us
        for c in schema.names:
            data[c].append(row[c])
    arrays = [
        pa.array(data[c], pa.int64()).cast(schema.field(c).type)
        if c == "ts"
        else pa.array(data[c], schema.field(c).type)
        for c in schema.names
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def parquet_import_batch(
    table: pa.Table, custom_fields: Sequence[str], schema: pa.Schema
) -> pa.RecordBatch:
    """An events table as the row importer's Parquet rows."""
    names = table.column_names
    n = table.num_rows
    for name in TEXT_FIELDS:
        if name in names and not _plain_text(table.column(name).combine_chunks()):
            return _by_events(table, custom_fields, schema)
    col = table.column
    sec = np.asarray(col("ts").to_numpy(), dtype=np.int64)
    us = np.asarray(col("ts_us").to_numpy(), dtype=np.int64) if "ts_us" in names else 0
    data: dict[str, pa.Array] = {
        "event_id": col("event_id").combine_chunks().cast(pa.string()),
        "ticket_id": col("ticket_id").combine_chunks().cast(pa.string()),
        "ts": pa.array(sec * 1_000_000 + us, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "kind": col("kind").combine_chunks().cast(pa.string()),
    }
    for name in ("actor", "public", *STANDARD_FIELDS):
        typ = schema.field(name).type
        data[name] = col(name).combine_chunks().cast(typ) if name in names else pa.nulls(n, typ)
    own = set(custom_fields)
    custom = [c for c in names if c.startswith(FIELD_PREFIX)]
    texts: dict[str, pa.Array] = {}
    for c in custom:
        name = c[len(FIELD_PREFIX) :]
        if name not in own:
            continue
        values = col(c).combine_chunks()
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        cells = []
        for v in values.dictionary.to_pylist():
            x = decode_tagged(v)
            cells.append(x if isinstance(x, str) and x.strip() else None)
        texts[name] = pa.array(cells, pa.string()).take(values.indices)
    for name in custom_fields:
        data[FIELD_PREFIX + name] = texts.get(name, pa.nulls(n, pa.string()))
    cleared = (
        pc.binary_join(col(CLEARED).combine_chunks(), "\x1f")
        if CLEARED in names
        else pa.nulls(n, pa.string())
    )
    rest = pa.table({**{c: col(c) for c in custom}, CLEARED: cleared})
    which, combos = _distinct_rows(rest, [*custom, CLEARED])
    out = []
    for values in combos:
        *tagged, gone = values
        carried: dict[str, Any] = {}
        for c, v in zip(custom, tagged, strict=True):
            if v is None:
                continue
            name = c[len(FIELD_PREFIX) :]
            x = decode_tagged(v)
            if not (name in own and isinstance(x, str) and x.strip()):
                carried[name] = x
        for name in gone.split("\x1f") if gone else ():
            carried[name] = None
        out.append(json.dumps(carried, ensure_ascii=False) if carried else None)
    data["fields"] = pa.array(out, pa.string()).take(which)
    return pa.RecordBatch.from_arrays([data[c] for c in schema.names], schema=schema)


def write_import_tables(
    path: PathLike,
    tables: Iterable[pa.Table],
    custom_fields: Sequence[str],
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write the events of ``tables`` to ``path`` (replacing it only when all is written)."""
    name = detect_format(path)
    if name != "parquet":

        def events() -> Iterator[Event]:
            for t in tables:
                yield from events_from_table(t)

        return write_events(path, events(), custom_fields=custom_fields)
    import pyarrow.parquet as pq

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{os.fspath(path)}.tmp-{os.getpid()}"
    schema = _schema(custom_fields)
    n = 0
    try:
        # dictionary pages for the columns of few values only: the nearly distinct ids and
        # instants were hashed for a dictionary the writer then gave up (a fifth of its CPU)
        paged = [c for c in schema.names if c not in ("event_id", "ts")]
        # min / max statistics only where a reader may skip row groups by them (a time
        # range, a ticket): those of the other columns were a fifth of the writer's CPU
        with pq.ParquetWriter(
            tmp, schema, use_dictionary=paged, write_statistics=STATISTICS
        ) as writer:
            for t in tables:
                if t.num_rows:
                    writer.write_batch(parquet_import_batch(t, custom_fields, schema))
                    n += t.num_rows
                    if on_rows is not None:
                        on_rows(t.num_rows)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return n


__all__ = ["parquet_import_batch", "write_import_tables"]
