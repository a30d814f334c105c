"""A recompute pass's events straight from the store's rows into the batch engine's columns.

The batch pass used to make an :class:`~accord.core.events.Event` of every stored row, then
take the events apart again into the engine's events table
(:func:`~accord.core.engine.batch.events_to_table`) and replay them once more for the
tickets' summaries (:func:`accord.service.recompute.summarize`). Here one walk over the rows
(``seq, event_id, ticket_id, ts, ts_us, kind, actor, public, fields`` with the fields as JSON
text, as the SQL store reads them) gives both: the same table, column for column, and the
same summaries. Anything these rows hold that no Event or ``events_to_table`` would take
raises here too (an unknown kind or actor, fields that are no JSON object, a standard field
that is no text), and the caller then takes the former way, event objects and all.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from accord.core.engine.batch.schema import (
    CLEARED,
    EVENTS_SCHEMA,
    FIELD_PREFIX,
    TEXT_FIELDS,
    encode_tagged,
)
from accord.core.events import Actor, Event, Kind
from accord.core.timeutil import Instant
from accord.io.store import TicketSummary
from accord.io.store.sql.rows import _event_from_values

Row = tuple[Any, ...]  # seq, event_id, ticket_id, ts, ts_us, kind, actor, public, fields text

_SETS_FIELDS = frozenset({Kind.CREATED.value, Kind.UPDATED.value})
_KINDS = frozenset(k.value for k in Kind)
_ACTORS = frozenset(a.value for a in Actor)


@runtime_checkable
class EventRows(Protocol):
    """A store that hands out its events' rows (the SQL store)."""

    def event_rows_of(self, ticket_ids: Collection[str]) -> dict[str, list[Row]]: ...


def _text(v: Any) -> str | None:
    # accord.core.ownership.field_text for the values a summary can hold here (text or
    # None: anything else made the table refuse the pass first)
    return None if v is None or v == "" else str(v)


def pass_columns(
    rows: Mapping[str, Sequence[Row]], as_of: Instant
) -> tuple[pa.Table, dict[str, TicketSummary]]:
    """The events table of every ticket of ``rows`` that has events (tickets in ``rows``'s
    order, each one's rows in arrival order, as ``events_to_table`` took them) and each such
    ticket's summary at ``as_of``; raises where making the events or the table would."""
    tickets = [tid for tid, got in rows.items() if got]
    every = [row for tid in tickets for row in rows[tid]]
    # the columns the rows hold as they are: transposed at C speed
    seq, event_id, ticket_id, ts, ts_us, kind, actor, public, texts = (
        map(list, zip(*every, strict=True)) if every else ([] for _ in range(9))
    )
    # the checks Event's making does (Kind(kind), Actor(actor))
    if not set(kind) <= _KINDS or not set(actor) - {None} <= _ACTORS:
        raise ValueError("an event of an unknown kind or actor")
    cols: dict[str, list[Any]] = {
        "event_id": event_id,
        "ticket_id": ticket_id,
        "ts": ts,
        "ts_us": ts_us,
        "seq": seq,
        "kind": kind,
        "actor": actor,
        # SQLite keeps 0 and 1
        "public": [p if p is None or p is True or p is False else bool(p) for p in public],
    }
    # each distinct fields text taken apart once: many events of a pass set the same fields
    # to the same values (a status, an assignee), and most set none ("{}")
    memo: dict[str, _Parts] = {}
    parts: list[_Parts] = []
    for text in texts:
        taken = memo.get(text)
        if taken is None:
            taken = memo[text] = _parts(text)
        parts.append(taken)
    parsed = [p[0] for p in parts]
    standard = list(zip(*(p[1] for p in parts), strict=True)) if parts else []
    for k, name in enumerate(_STANDARD):
        cols[name] = list(standard[k]) if parts else []
    cols[CLEARED] = [p[2] for p in parts]
    custom: dict[str, list[str | None]] = {}
    for i, p in enumerate(parts):
        for name, tagged in p[3]:
            if name not in custom:
                custom[name] = [None] * len(parts)
            custom[name][i] = tagged
    summaries: dict[str, TicketSummary] = {}
    at = 0
    for tid in tickets:
        got = rows[tid]
        summaries[tid] = _summary(tid, got, parsed[at : at + len(got)], as_of)
        at += len(got)
    arrays = [pa.array(cols[f.name], type=f.type) for f in EVENTS_SCHEMA]
    schema_fields = list(EVENTS_SCHEMA)
    for name in sorted(custom):
        arrays.append(pa.array(custom[name], type=pa.string()))
        schema_fields.append(pa.field(FIELD_PREFIX + name, pa.string()))
    return pa.Table.from_arrays(arrays, schema=pa.schema(schema_fields)), summaries


# a fields text taken apart: the fields, the standard columns' values (text fields, then
# tags), the fields it clears (None for none), the custom fields' tagged texts
_Parts = tuple[dict[str, Any], tuple[Any, ...], list[str] | None, tuple[tuple[str, str], ...]]
_STANDARD = (*TEXT_FIELDS, "tags")
_TEXT_FIELDS = frozenset(TEXT_FIELDS)


def _parts(text: str) -> _Parts:
    """One event's fields as ``events_to_table`` takes them apart (and refuses them)."""
    fields: dict[str, Any] = json.loads(text)
    cleared: list[str] = []
    given: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            cleared.append(name)
        elif name in _TEXT_FIELDS:
            if not isinstance(value, str):
                raise ValueError(f"field '{name}' must be text")
            given[name] = value
        elif name == "tags":
            if not isinstance(value, list):  # the store's tags: a JSON list
                raise ValueError("'tags' must be a tuple of text")
            given[name] = value
        else:
            given[name] = encode_tagged(value)
    standard = tuple(given.pop(name, None) for name in _STANDARD)
    return fields, standard, cleared or None, tuple(given.items())


def _summary(
    tid: str, got: Sequence[Row], parsed: Sequence[dict[str, Any]], as_of: Instant
) -> TicketSummary:
    """:func:`accord.service.recompute.summarize` of these rows: the fields set by the
    ``created`` / ``updated`` events, replayed in time order (``ts, ts_us, seq``)."""
    order = sorted(range(len(got)), key=lambda k: (got[k][3], got[k][4], got[k][0]))
    current: dict[str, Any] = {}
    for k in order:
        if got[k][5] in _SETS_FIELDS:
            current.update(parsed[k])
    return TicketSummary(
        ticket_id=tid,
        customer=_text(current.get("customer")),
        team=_text(current.get("team")),
        priority=_text(current.get("priority")),
        status=_text(current.get("status")),
        assignee=_text(current.get("assignee")),
        first_ts=got[order[0]][3],
        last_ts=got[order[-1]][3],
        events=len(got),
        computed_at=as_of,
    )


def events_of_rows(rows: Mapping[str, Sequence[Row]]) -> dict[str, list[Event]]:
    """The events of these rows (the store's own conversion), for the reference engine."""
    return {tid: [_event_from_values(r) for r in got] for tid, got in rows.items()}


def highest_seqs(rows: Mapping[str, Sequence[Row]], ticket_ids: Collection[str]) -> dict[str, int]:
    """Each ticket's highest event ``seq`` (rows are in arrival order: the last one's)."""
    return {tid: rows[tid][-1][0] for tid in ticket_ids}
