"""Columnar reads of events and records, for the KPI view's load (many tickets at once).

They give what the object reads give, turned into columns (``events_to_table(events_of)``,
``records_frame(records_of)``), without a Python object per event or record: the driver's
rows are turned into columns at once, each distinct ``fields`` JSON text is parsed once, and
the records' JSON columns (warnings, explanation), which the records frame leaves out, are
not read at all.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch.schema import (
    CLEARED,
    EVENTS_SCHEMA,
    FIELD_PREFIX,
    TEXT_FIELDS,
    encode_tagged,
)
from accord.core.kpi.frames import RECORD_ENUMS, RECORDS_SCHEMA
from accord.io.store.sql.connection import SqlBase, _chunks, _guard, driver_cursor
from accord.io.store.sql.rows import _fields_from_json

# the JSON as text, as events_of reads it (both drivers give it so)
_EVENTS = (
    "SELECT seq, event_id, ticket_id, ts, ts_us, kind, actor, public, CAST(fields AS TEXT) "
    "FROM events WHERE ticket_id IN "
)
_RECORD_COLUMNS = tuple(RECORDS_SCHEMA)
# the record's as_of: apart, else its ticket row's (migration 0009), as TICKET_AS_OF reads it
_AS_OF = (
    "COALESCE(records.as_of_apart, (SELECT tickets.records_as_of FROM tickets "
    "WHERE tickets.ticket_id = records.ticket_id))"
)
_RECORDS = (
    "SELECT "
    + ", ".join(_AS_OF if c == "as_of" else f"records.{c}" for c in _RECORD_COLUMNS)
    + " FROM records WHERE records.ticket_id IN "
)
_FIXED = ("event_id", "ticket_id", "ts", "ts_us", "seq", "kind", "actor")
_BOOLS = ("breached_now", "ever_breached")


class ColumnsPart(SqlBase):
    @_guard
    def events_table_of(self, ticket_ids: Collection[str]) -> pa.Table:
        rows: list[Sequence[Any]] = []
        for chunk in self._select(_EVENTS, ticket_ids):
            rows.extend(chunk)
        return _events_table(rows)

    @_guard
    def records_frame_of(self, ticket_ids: Collection[str]) -> pl.DataFrame:
        rows: list[Sequence[Any]] = []
        for chunk in self._select(_RECORDS, ticket_ids):
            rows.extend(chunk)
        return _records_frame(rows)

    def _select(self, head: str, ticket_ids: Collection[str]) -> list[list[Sequence[Any]]]:
        ph = "%s" if self.dialect == "postgresql" else "?"
        out: list[list[Sequence[Any]]] = []
        # one transaction: the chunks are of one saved state
        with self._read.connect() as conn, conn.begin(), driver_cursor(conn) as cursor:
            for chunk in _chunks(sorted(set(ticket_ids))):
                cursor.execute(head + f"({', '.join([ph] * len(chunk))})", chunk)
                out.append(cursor.fetchall())
        return out


def _events_table(rows: Sequence[Sequence[Any]]) -> pa.Table:
    """The events table of driver rows of ``_EVENTS``, grouped by ticket (in id order), each
    ticket's in arrival order: ``events_to_table`` of ``events_of`` in ticket-id order."""
    if not rows:
        return EVENTS_SCHEMA.empty_table()
    seq, event_id, ticket_id, ts, ts_us, kind, actor, public, fields = zip(*rows, strict=True)
    given = {
        "event_id": event_id,
        "ticket_id": ticket_id,
        "ts": ts,
        "ts_us": ts_us,
        "seq": seq,
        "kind": kind,
        "actor": actor,
    }
    arrays: dict[str, pa.Array] = {
        name: pa.array(given[name], type=EVENTS_SCHEMA.field(name).type) for name in _FIXED
    }
    arrays["public"] = _bools(public)
    texts = pa.array(fields, type=pa.string()).dictionary_encode()
    parsed = [_parse(str(text)) for text in texts.dictionary.to_pylist()]
    idx = texts.indices
    for name in (*TEXT_FIELDS, "tags", CLEARED):
        values = [p[0].get(name) for p in parsed]
        arrays[name] = pa.array(values, type=EVENTS_SCHEMA.field(name).type).take(idx)
    custom = sorted({k for p in parsed for k in p[1]})
    names = [*EVENTS_SCHEMA.names]
    for name in custom:
        arrays[FIELD_PREFIX + name] = pa.array(
            [p[1].get(name) for p in parsed], type=pa.string()
        ).take(idx)
        names.append(FIELD_PREFIX + name)
    table = pa.table([arrays[n] for n in names], names=names)
    order = pc.sort_indices(table, sort_keys=[("ticket_id", "ascending"), ("seq", "ascending")])
    return table.take(order)


def _bools(values: Sequence[Any]) -> pa.Array:
    """A boolean column of the driver's values (SQLite keeps booleans as 0 and 1)."""
    got = pa.array(values)
    return got if got.type == pa.bool_() else got.cast(pa.bool_())


def _parse(text: str) -> tuple[dict[str, Any], dict[str, str]]:
    """One ``fields`` JSON text as the events table holds it: the standard columns (text,
    tags, the fields cleared) and the custom fields as tagged text (as ``events_to_table``
    makes them of the event ``events_of`` reads, with the same refusals)."""
    fields = _fields_from_json(json.loads(text))
    fixed: dict[str, Any] = {}
    custom: dict[str, str] = {}
    cleared: list[str] = []
    for name, value in fields.items():
        if value is None:
            cleared.append(name)
        elif name in TEXT_FIELDS:
            if not isinstance(value, str):
                raise ValueError(f"stored fields {text}: field '{name}' must be text")
            fixed[name] = value
        elif name == "tags":
            if not isinstance(value, tuple):
                raise ValueError(f"stored fields {text}: 'tags' must be a list of text")
            fixed[name] = list(value)
        else:
            custom[name] = encode_tagged(value)
    if cleared:
        fixed[CLEARED] = cleared
    return fixed, custom


def _records_frame(rows: Sequence[Sequence[Any]]) -> pl.DataFrame:
    """The records frame (``records_frame``) of driver rows of ``_RECORDS``, ordered by
    ticket, metric and cycle."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(_RECORD_COLUMNS)
    plain = {
        name: pl.String if name in RECORD_ENUMS else dtype for name, dtype in RECORDS_SCHEMA.items()
    }
    frame = pl.DataFrame(
        {
            name: pl.Series(name, _bools(values) if name in _BOOLS else values, dtype=plain[name])
            for name, values in zip(_RECORD_COLUMNS, cols, strict=True)
        }
    )
    missing = frame.filter(pl.col("as_of").is_null())
    if missing.height:  # neither the record nor its ticket row holds it: a broken store
        tid, metric = missing.row(0)[:2]
        raise ValueError(f"the stored record {tid}/{metric} has no as_of")
    frame = frame.sort(["ticket_id", "metric", "cycle"])
    return frame.with_columns(
        pl.col(name).cast(pl.Enum(sorted(frame.get_column(name).drop_nulls().unique().to_list())))
        for name in RECORD_ENUMS
    )
