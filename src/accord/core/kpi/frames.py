"""Columnar tables of events and metric records, the inputs of ticket facts and evaluation.

Both are plain Polars frames, so a columnar reader (Parquet, the batch engine) can build them
directly; the builders here turn the core's Python objects into them.

**Events frame** (one row per event):

========================  ==========  ==================================================
column                    type        meaning
========================  ==========  ==================================================
``ticket_id``             String
``ts``, ``ts_us``         Int64       instant in seconds, and microseconds for ordering
``seq``                   Int64       arrival order (breaks ties on ``ts``)
``kind``, ``actor``       String      as in the event; ``actor`` may be null
``public``                Boolean     may be null
``f:<field>``             see below   the value the event sets the field to (null: cleared)
``s:<field>``             Boolean     whether the event sets the field at all
========================  ==========  ==================================================

A field column is Boolean when every value set is true/false, a list of text when every
value is a list (``tags``), and text otherwise (numbers as Python writes them: ``40``,
``4.5``). A field missing from the frame was never set.

**Records frame**: the columns of :class:`~accord.core.records.MetricRecord` but the
warnings and the explanation; instants and durations are Int64 seconds, the text columns that
group (metric, policy, priority, customer, team, assignee, channel, state) are Enums.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
import pyarrow as pa

from accord.core.events import Event, FieldValue
from accord.core.records import MetricRecord

# the fields ticket facts read, besides custom ones a configuration names
FACT_FIELDS = ("status", "priority", "customer", "team", "assignee", "channel", "type", "tags",
               "rating")  # fmt: skip


def value_column(name: str) -> str:
    return f"f:{name}"


def set_column(name: str) -> str:
    return f"s:{name}"


def _field_series(name: str, values: list[FieldValue], flags: list[bool]) -> pl.Series:
    present = [v for v, f in zip(values, flags, strict=True) if f and v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pl.Series(name, values, dtype=pl.Boolean)
    if present and all(isinstance(v, tuple) for v in present):
        return pl.Series(
            name, [list(v) if isinstance(v, tuple) else None for v in values], pl.List(pl.String)
        )
    return pl.Series(name, [_text(v) for v in values], dtype=pl.String)


def _text(v: FieldValue) -> str | None:
    if v is None:
        return None
    if isinstance(v, tuple):
        return ";".join(v)
    return str(v)


def events_frame(events: Iterable[Event], fields: Iterable[str] = ()) -> pl.DataFrame:
    """The events frame of ``events`` with :data:`FACT_FIELDS` and ``fields``."""
    evs = list(events)
    n = len(evs)
    names = list(dict.fromkeys((*FACT_FIELDS, *fields)))
    wanted = set(names)
    values: dict[str, list[FieldValue]] = {k: [None] * n for k in names}
    flags: dict[str, list[bool]] = {k: [False] * n for k in names}
    # only the fields an event sets are visited: most events set none or a few
    for i, e in enumerate(evs):
        for k, v in e.fields.items():
            if k in wanted:
                values[k][i] = v
                flags[k][i] = True
    cols: list[pl.Series] = [
        pl.Series("ticket_id", [e.ticket_id for e in evs], dtype=pl.String),
        pl.Series("ts", [e.ts for e in evs], dtype=pl.Int64),
        pl.Series("ts_us", [e.ts_us for e in evs], dtype=pl.Int64),
        pl.Series("seq", [e.seq for e in evs], dtype=pl.Int64),
        pl.Series("kind", [e.kind.value for e in evs], dtype=pl.String),
        pl.Series("actor", [e.actor.value if e.actor else None for e in evs], dtype=pl.String),
        pl.Series("public", [e.public for e in evs], dtype=pl.Boolean),
    ]
    for k in names:
        cols.append(_field_series(value_column(k), values[k], flags[k]))
        cols.append(pl.Series(set_column(k), flags[k], dtype=pl.Boolean))
    return pl.DataFrame(cols)


def events_frame_of_table(table: pa.Table, fields: Iterable[str] = ()) -> pl.DataFrame:
    """:func:`events_frame` of an events table (:mod:`accord.core.engine.batch.schema`), column
    for column what it makes of the same events, without a Python object per event: each
    field's values are decoded once per distinct value."""
    from accord.core.engine.batch.schema import CLEARED, FIELD_PREFIX, TEXT_FIELDS

    names = list(dict.fromkeys((*FACT_FIELDS, *fields)))
    n = table.num_rows
    have = set(table.column_names)

    def plain(name: str) -> pa.Array:
        col = table.column(name).combine_chunks()
        return col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col

    cols = [
        pl.Series("ticket_id", plain("ticket_id").cast(pa.string()), dtype=pl.String),
        pl.Series("ts", plain("ts"), dtype=pl.Int64),
        pl.Series("ts_us", plain("ts_us") if "ts_us" in have else [0] * n, dtype=pl.Int64),
        pl.Series("seq", plain("seq") if "seq" in have else [0] * n, dtype=pl.Int64),
        pl.Series("kind", plain("kind"), dtype=pl.String),
        pl.Series("actor", plain("actor") if "actor" in have else [None] * n, dtype=pl.String),
        pl.Series("public", plain("public") if "public" in have else [None] * n, dtype=pl.Boolean),
    ]
    cleared = (
        pl.Series("c", plain(CLEARED), dtype=pl.List(pl.String))
        if CLEARED in have
        else pl.Series("c", [None] * n, dtype=pl.List(pl.String))
    )
    for k in names:
        source = k if k in (*TEXT_FIELDS, "tags") else FIELD_PREFIX + k
        named = cleared.list.contains(k).fill_null(False)
        if source not in have:
            values = pl.Series(value_column(k), [None] * n, dtype=pl.String)
            given = pl.Series("g", [False] * n, dtype=pl.Boolean)
        elif k == "tags":
            values = pl.Series(value_column(k), plain(source), dtype=pl.List(pl.String))
            given = values.is_not_null()
            if not given.any():  # never set: text, as events_frame types a field never set
                values = pl.Series(value_column(k), [None] * n, dtype=pl.String)
        else:
            values, given = _tagged_series(k, plain(source), custom=source != k)
        flags = (given | named).alias(set_column(k))
        cols.extend([values.alias(value_column(k)), flags])
    return pl.DataFrame(cols)


def _tagged_series(name: str, col: pa.Array, custom: bool) -> tuple[pl.Series, pl.Series]:
    """A text field's values (``custom``: tagged text) typed as :func:`_field_series` types the
    same Python values, and where the column sets the field."""
    from accord.core.engine.batch.schema import decode_tagged

    enc = col.cast(pa.string()).dictionary_encode()
    decoded = [decode_tagged(v) if custom else v for v in enc.dictionary.to_pylist()]
    if decoded and all(isinstance(v, bool) for v in decoded):
        table = pl.Series("v", decoded, dtype=pl.Boolean)
    else:
        table = pl.Series("v", [_text(v) for v in decoded], dtype=pl.String)
    codes = pl.Series("i", enc.indices).cast(pl.Int64)  # null where the event does not set it
    return table.gather(codes).alias(value_column(name)), codes.is_not_null()


RECORD_ENUMS = ("metric", "policy", "calendar", "priority", "customer", "team", "assignee",
                "channel", "state")  # fmt: skip
_RECORD_INTS = ("cycle", "policy_version", "target", "start", "stop", "due", "breached_at",
                "business_elapsed", "paused_business", "calendar_elapsed", "as_of")  # fmt: skip


def enum_series(name: str, values: Sequence[str | None]) -> pl.Series:
    """Text as an Enum of its sorted distinct values: grouping then uses the codes."""
    cats = sorted({v for v in values if v is not None})
    return pl.Series(name, values, dtype=pl.Enum(cats))


def records_frame(records: Sequence[MetricRecord]) -> pl.DataFrame:
    """The records frame of ``records`` (see the module doc)."""
    cols: list[pl.Series] = [
        pl.Series("ticket_id", [r.ticket_id for r in records], dtype=pl.String)
    ]
    for name in RECORD_ENUMS:
        raw: list[Any] = [getattr(r, name) for r in records]
        if name == "state":
            raw = [s.value for s in raw]
        cols.append(enum_series(name, raw))
    for name in _RECORD_INTS:
        cols.append(pl.Series(name, [getattr(r, name) for r in records], dtype=pl.Int64))
    for name in ("breached_now", "ever_breached"):
        cols.append(pl.Series(name, [getattr(r, name) for r in records], dtype=pl.Boolean))
    return pl.DataFrame(cols)


RECORDS_SCHEMA: dict[str, Any] = {
    "ticket_id": pl.String,
    **{k: pl.String for k in RECORD_ENUMS},
    **{k: pl.Int64 for k in _RECORD_INTS},
    "breached_now": pl.Boolean,
    "ever_breached": pl.Boolean,
}


def records_columns_of_table(table: pa.Table, names: Sequence[str]) -> pl.DataFrame:
    """Columns ``names`` of a batch engine records table as the records frame types them,
    but the categorical ones as text (instants as seconds since the epoch)."""
    df = pl.from_arrow(table.select(list(names)))
    assert isinstance(df, pl.DataFrame)
    cols: list[pl.Expr] = []
    for name in names:
        col = pl.col(name)
        if isinstance(df.schema[name], pl.Datetime):
            col = col.dt.epoch("s")
        cols.append(col.cast(pl.String if name in RECORD_ENUMS else RECORDS_SCHEMA[name]))
    return df.select(cols)


def records_frame_of_table(table: pa.Table, customer: str | None = None) -> pl.DataFrame:
    """The records frame of a batch engine records table, column for column what
    :func:`~accord.core.kpi.frames.records_frame` makes of the same records (without one
    Python object per record); only records of ``customer`` if given."""
    df = records_columns_of_table(table, list(RECORDS_SCHEMA))
    if customer is not None:
        # before the Enums are made: another customer's names are not even categories
        df = df.filter(pl.col("customer") == customer)
    return df.with_columns(
        pl.col(name).cast(pl.Enum(sorted(df.get_column(name).drop_nulls().unique().to_list())))
        for name in RECORD_ENUMS
    )
