"""The batch engine's two tables: the columnar events it reads and the records it writes.

The events table
----------------

One row per event, in any order (the kernel sorts). Columns:

=================  ======================  ==================================================
column             type                    meaning
=================  ======================  ==================================================
``event_id``       string                  the event's id (not used by the clocks)
``ticket_id``      string                  the ticket (required)
``ts``             int64                   whole seconds since the epoch, UTC (required)
``ts_us``          int32                   microseconds within the second (ordering only)
``seq``            int64                   arrival order, breaks ties on ``ts``
``kind``           string                  ``created`` … ``deleted`` (required)
``actor``          string                  ``customer`` / ``agent`` / ``system`` or null
``public``         bool                    visible to the customer; null when not given
``status`` …       string                  the standard text fields ``status``, ``priority``,
                                           ``customer``, ``team``, ``assignee``, ``channel``,
                                           ``type``: the value this event sets
``tags``           list<string>            the full tag list after the event
``field.<name>``   string                  a custom field, as *tagged text* (below)
``cleared``        list<string>            the fields this event sets to null
=================  ======================  ==================================================

Any string column may also be dictionary-encoded (``dictionary<int32, string>``); the
columnar reader produces dictionaries for the low-cardinality columns, which the kernel then
reads without hashing. Optional columns may be left out.

**Set, cleared, not set.** A field column holds null where the event does not set the field.
An event that sets a field to null (clears it) names the field in ``cleared`` instead, so the
three cases stay apart: value present = set; named in ``cleared`` = cleared; neither = not set.
``tags`` set to an empty list means "no tags" (a set value, as in the row events).

**Tagged text.** Custom field values keep their type (it decides equality and how the
policy conditions compare): the first character says the type and the rest is the value —
``s`` text (``sEMEA``), ``i`` a whole number (``i40``), ``f`` a float in ``repr`` form
(``f1.5``), ``b`` true/false (``b1`` / ``b0``). The standard text fields are plain text.

The records table
-----------------

:data:`PLAIN_RECORDS_SCHEMA` is the Parquet schema of :mod:`accord.io.records_out` column for
column (:data:`accord.core.records.RECORD_COLUMNS`): instants as ``timestamp[s, UTC]``,
warnings as the same JSON text. The batch engine's tables are in :data:`RECORDS_SCHEMA`, the
same columns with the repetitive text columns (metric, policy, calendar, priority, customer,
team, assignee, channel, state, explanation) dictionary-encoded; :func:`plain_records` casts
to the Parquet schema. ``explanation`` is always ``"[]"``: the batch engine computes figures, and
the explanation of one ticket is produced on demand by the reference engine
(:func:`accord.core.engine.reference.compute_ticket`), which the batch engine equals figure for
figure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from accord.core.events import STANDARD_FIELDS, Actor, Event, FieldValue, Kind
from accord.core.records import RECORD_COLUMNS, MetricRecord, State, Warning_

__all__ = [
    "CLEARED",
    "EVENTS_SCHEMA",
    "FIELD_PREFIX",
    "PLAIN_RECORDS_SCHEMA",
    "RECORDS_SCHEMA",
    "TEXT_FIELDS",
    "decode_tagged",
    "encode_tagged",
    "events_from_table",
    "events_to_table",
    "plain_records",
    "records_from_table",
]

FIELD_PREFIX = "field."
CLEARED = "cleared"
TEXT_FIELDS: tuple[str, ...] = tuple(f for f in STANDARD_FIELDS if f != "tags")

_TS = pa.timestamp("s", tz="UTC")

EVENTS_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("ticket_id", pa.string()),
        ("ts", pa.int64()),
        ("ts_us", pa.int32()),
        ("seq", pa.int64()),
        ("kind", pa.string()),
        ("actor", pa.string()),
        ("public", pa.bool_()),
        *((name, pa.string()) for name in TEXT_FIELDS),
        ("tags", pa.list_(pa.string())),
        (CLEARED, pa.list_(pa.string())),
    ]
)
"""The fixed columns of an events table; ``field.<name>`` columns (string) may follow."""

_TEXT = pa.dictionary(pa.int32(), pa.string())

PLAIN_RECORDS_SCHEMA = pa.schema(
    [
        ("ticket_id", pa.string()),
        ("metric", pa.string()),
        ("cycle", pa.int32()),
        ("policy", pa.string()),
        ("policy_version", pa.int32()),
        ("calendar", pa.string()),
        ("priority", pa.string()),
        ("customer", pa.string()),
        ("team", pa.string()),
        ("assignee", pa.string()),
        ("channel", pa.string()),
        ("target", pa.int64()),
        ("start", _TS),
        ("stop", _TS),
        ("due", _TS),
        ("breached_at", _TS),
        ("business_elapsed", pa.int64()),
        ("paused_business", pa.int64()),
        ("calendar_elapsed", pa.int64()),
        ("breached_by", pa.int64()),
        ("remaining", pa.int64()),
        ("share_of_target", pa.float64()),
        ("state", pa.string()),
        ("breached_now", pa.bool_()),
        ("ever_breached", pa.bool_()),
        ("as_of", _TS),
        ("warnings", pa.string()),
        ("explanation", pa.string()),
    ]
)
"""The Parquet schema of :mod:`accord.io.records_out`: one row per ticket × metric × cycle."""

_DICTIONARY_COLUMNS = frozenset(
    {"metric", "policy", "calendar", "priority", "customer", "team", "assignee", "channel",
     "state", "explanation"}
)  # fmt: skip

RECORDS_SCHEMA = pa.schema(
    [
        pa.field(f.name, _TEXT if f.name in _DICTIONARY_COLUMNS else f.type)
        for f in PLAIN_RECORDS_SCHEMA
    ]
)
"""The records table of the batch engine: :data:`PLAIN_RECORDS_SCHEMA` with its repetitive
text columns dictionary-encoded (a few distinct values each, so the table is a fraction of
the size); :func:`plain_records` turns it into the Parquet schema."""

assert tuple(RECORDS_SCHEMA.names) == RECORD_COLUMNS


def plain_records(tbl: pa.Table) -> pa.Table:
    """A records table in :data:`PLAIN_RECORDS_SCHEMA` (plain text columns), as written to
    Parquet by :mod:`accord.io.records_out`."""
    return tbl.cast(PLAIN_RECORDS_SCHEMA)


def encode_tagged(value: FieldValue) -> str:
    """A custom field value as tagged text (see the module docstring)."""
    if isinstance(value, bool):
        return "b1" if value else "b0"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, float):
        return f"f{value!r}"
    if isinstance(value, str):
        return "s" + value
    raise ValueError(f"a custom field value must be text, a number or true/false, got {value!r}")


def decode_tagged(text: str) -> FieldValue:
    """The value of one tagged text (the inverse of :func:`encode_tagged`)."""
    tag, body = text[:1], text[1:]
    if tag == "s":
        return body
    if tag == "i":
        return int(body)
    if tag == "f":
        return float(body)
    if tag == "b" and body in ("0", "1"):
        return body == "1"
    raise ValueError(f"{text!r} is not tagged text (s…, i…, f…, b0 or b1)")


def events_to_table(events: Iterable[Event]) -> pa.Table:
    """The events as a table in :data:`EVENTS_SCHEMA` (plus a ``field.<name>`` column for each
    custom field any event sets).

    The standard text fields must hold text and ``tags`` a tuple (or null), as the event
    validator guarantees; anything else raises ``ValueError`` rather than change meaning.
    """
    cols: dict[str, list[Any]] = {name: [] for name in EVENTS_SCHEMA.names}
    custom: dict[str, list[str | None]] = {}
    for i, e in enumerate(events):
        cols["event_id"].append(e.event_id)
        cols["ticket_id"].append(e.ticket_id)
        cols["ts"].append(e.ts)
        cols["ts_us"].append(e.ts_us)
        cols["seq"].append(e.seq)
        cols["kind"].append(e.kind.value)
        cols["actor"].append(None if e.actor is None else e.actor.value)
        cols["public"].append(e.public)
        cleared: list[str] = []
        given: dict[str, Any] = {}
        for name, value in e.fields.items():
            if value is None:
                cleared.append(name)
            elif name in TEXT_FIELDS:
                if not isinstance(value, str):
                    raise ValueError(f"event {e.event_id}: field '{name}' must be text")
                given[name] = str(value)
            elif name == "tags":
                if not isinstance(value, tuple):
                    raise ValueError(f"event {e.event_id}: 'tags' must be a tuple of text")
                given[name] = list(value)
            else:
                given[name] = encode_tagged(value)
        for name in (*TEXT_FIELDS, "tags"):
            cols[name].append(given.pop(name, None))
        cols[CLEARED].append(cleared or None)
        for name, text in given.items():
            column = custom.get(name)
            if column is None:
                column = custom[name] = [None] * i
            column.append(text)
        for column in custom.values():
            if len(column) <= i:
                column.append(None)
    arrays = [pa.array(cols[f.name], type=f.type) for f in EVENTS_SCHEMA]
    fields = list(EVENTS_SCHEMA)
    for name in sorted(custom):
        arrays.append(pa.array(custom[name], type=pa.string()))
        fields.append(pa.field(FIELD_PREFIX + name, pa.string()))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def events_from_table(tbl: pa.Table) -> list[Event]:
    """The rows of an events table as :class:`Event` values (the inverse of
    :func:`events_to_table`; one Python object per row, for tests and small tables)."""
    names = tbl.column_names
    c: dict[str, list[Any]] = {name: tbl.column(name).to_pylist() for name in names}
    custom = [name for name in names if name.startswith(FIELD_PREFIX)]
    out: list[Event] = []
    for i in range(tbl.num_rows):
        fields: dict[str, FieldValue] = {}
        for name in (*TEXT_FIELDS, "tags"):
            if name in c and c[name][i] is not None:
                v = c[name][i]
                fields[name] = tuple(v) if name == "tags" else v
        for name in custom:
            if c[name][i] is not None:
                fields[name[len(FIELD_PREFIX) :]] = decode_tagged(c[name][i])
        for name in (c[CLEARED][i] or ()) if CLEARED in c else ():
            fields.setdefault(name, None)
        actor = c["actor"][i] if "actor" in c else None
        out.append(
            Event(
                event_id=c["event_id"][i],
                ticket_id=c["ticket_id"][i],
                ts=c["ts"][i],
                kind=Kind(c["kind"][i]),
                actor=None if actor is None else Actor(actor),
                public=c["public"][i] if "public" in c else None,
                fields=fields,
                seq=c["seq"][i] if "seq" in c else 0,
                ts_us=c["ts_us"][i] if "ts_us" in c else 0,
            )
        )
    return out


def _instant(value: datetime | None) -> int | None:
    if value is None:
        return None
    return (
        int(value.replace(tzinfo=UTC).timestamp())
        if value.tzinfo is None
        else int(value.timestamp())
    )


def _warnings(text: str | None) -> tuple[Warning_, ...]:
    if not text:
        return ()
    out: list[Warning_] = []
    for w in json.loads(text):
        # the kernel writes "%Y-%m-%dT%H:%M:%SZ", which fromisoformat reads as UTC (and
        # several times quicker than strptime)
        at = datetime.fromisoformat(w["at"])
        out.append(Warning_(w["threshold"], int(at.timestamp())))
    return tuple(out)


def _values(column: pa.ChunkedArray) -> list[Any]:
    """A column's values; a dictionary-encoded one decoded first (its ``to_pylist`` looks
    each value up one by one, several times slower)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    values: list[Any] = column.to_pylist()
    return values


def _seconds(column: pa.ChunkedArray) -> list[Any]:
    """A column of instants as whole seconds (``None`` for null): a ``timestamp[s]`` column
    is read as its integers, without a ``datetime`` per value."""
    if pa.types.is_timestamp(column.type) and column.type.unit == "s":
        seconds: list[Any] = column.cast(pa.int64()).to_pylist()
        return seconds
    return [_instant(v) for v in column.to_pylist()]


def records_from_table(tbl: pa.Table) -> list[MetricRecord]:
    """The records of a table in :data:`RECORDS_SCHEMA` as :class:`MetricRecord` values (for
    tests and small outputs: one Python object per row). ``explanation`` is empty."""
    instants = {"start", "stop", "due", "breached_at", "as_of"}
    c: Mapping[str, list[Any]] = {
        name: _seconds(tbl.column(name)) if name in instants else _values(tbl.column(name))
        for name in tbl.column_names
    }
    # few distinct texts (most records have no warning): each parsed once
    warnings: dict[str | None, tuple[Warning_, ...]] = {}
    for text in c["warnings"]:
        if text not in warnings:
            warnings[text] = _warnings(text)
    states = {s.value: s for s in State}
    assert None not in c["start"] and None not in c["as_of"]
    # positionally, in MetricRecord's field order, a column at a time: the records are made
    # at C speed but for their own __init__
    return list(
        map(
            MetricRecord,
            *(c[name] for name in _RECORD_FIELDS[:19]),
            [states[v] for v in c["state"]],
            c["breached_now"],
            c["ever_breached"],
            c["as_of"],
            [warnings[v] for v in c["warnings"]],
        )
    )


# MetricRecord's fields up to its explanation, in order (records_from_table passes them so)
_RECORD_FIELDS = tuple(f.name for f in dataclass_fields(MetricRecord))[:24]
assert _RECORD_FIELDS[19:] == ("state", "breached_now", "ever_breached", "as_of", "warnings")
