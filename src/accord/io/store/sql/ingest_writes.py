"""The ingest's bulk statements, through the driver: a batch's stored digests, its new events
and its recompute marks.

A batch of hundreds of events went through SQLAlchemy's per-row parameter processing
(compiled parameters, the JSON and binary bind processors) and, on PostgreSQL, one pipelined
``INSERT`` per row: more CPU in the server process than the database spent. Here the rows are
plain tuples on the DBAPI connection under SQLAlchemy's (same transaction, errors raised as
SQLAlchemy raises them: :func:`~accord.io.store.sql.connection.driver_cursor`). On PostgreSQL
the events go in by ``COPY`` (the driver formats the rows in C; ``seq`` numbers them in the
batch's order, and a stored ``event_id`` fails the copy as it failed the ``INSERT``), the
marks by one statement over an array (``unnest``, in the order given: ticket order, for the
locks). The rows stored are those the SQLAlchemy statements stored: the JSON column as
:func:`~accord.io.store.sql.connection._dumps` writes it (the engine's serializer), the digest
as bytes (``tests/io/store/test_ingest_writes.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from accord.core.events import Event
from accord.core.timeutil import Instant
from accord.io.store.sql.connection import _chunks, _dumps, driver_cursor
from accord.io.store.sql.rows import _fields_json

# the columns of an event row, in the order of :func:`event_values`
EVENT_COLUMNS = (
    "event_id",
    "ticket_id",
    "ts",
    "ts_us",
    "kind",
    "actor",
    "public",
    "fields",
    "digest",
    "received_at",
    "source",
)
_COLUMNS = ", ".join(EVENT_COLUMNS)
_PG_COPY = f"COPY events ({_COLUMNS}) FROM STDIN"
_SQLITE_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
_PG_MARK = (
    "INSERT INTO dirty (ticket_id, mark, since) "
    "SELECT t, %s::int8, %s::int8 FROM unnest({}::text[]) WITH ORDINALITY AS u(t, o) ORDER BY o "
    "ON CONFLICT (ticket_id) DO UPDATE SET mark = excluded.mark"
)
_SQLITE_MARK = (
    "INSERT INTO dirty (ticket_id, mark, since) VALUES (?, ?, ?) "
    "ON CONFLICT (ticket_id) DO UPDATE SET mark = excluded.mark"
)


def text_param(values: Iterable[str | None]) -> str:
    """The placeholder of a list of texts sent as one array: binary (``%b``) unless a text
    holds a NUL. psycopg writes a text array's literal in Python element by element, about
    three times the CPU of the binary form (110 against 45 µs for 250 ids), for the same
    values; but a NUL it refuses itself only in the literal form, with the reason the
    quarantine keeps (in binary the server refuses it with another)."""
    return "%s" if any(v is not None and "\x00" in v for v in values) else "%b"


def event_values(
    e: Event, digest: bytes, received_at: Instant, source: str | None
) -> tuple[Any, ...]:
    """The driver's values of an event row, in :data:`EVENT_COLUMNS` order: the values of
    :func:`~accord.io.store.sql.rows._event_row`, the JSON column as the text the engine's
    serializer writes."""
    return (
        e.event_id,
        e.ticket_id,
        e.ts,
        e.ts_us,
        e.kind.value,
        e.actor.value if e.actor is not None else None,
        e.public,
        # the encoder writes a tuple (tags) as the list _fields_json makes of it: no copy
        _dumps(e.fields if type(e.fields) is dict else _fields_json(e.fields)),
        digest,
        received_at,
        source,
    )


def stored_digests(conn: Connection, dialect: str, ids: Sequence[str]) -> dict[str, bytes]:
    """The digest of each of ``ids`` already stored (an id not stored is left out)."""
    out: dict[str, bytes] = {}
    if not ids:
        return out
    with driver_cursor(conn) as cursor:
        if dialect == "postgresql":
            cursor.execute(
                "SELECT event_id, digest FROM events "
                f"WHERE event_id = ANY({text_param(ids)}::text[])",
                (ids,),
            )
            out.update((eid, bytes(d)) for eid, d in cursor.fetchall())
            return out
        for chunk in _chunks(ids):
            marks = ", ".join("?" for _ in chunk)
            cursor.execute(
                f"SELECT event_id, digest FROM events WHERE event_id IN ({marks})", chunk
            )
            out.update((eid, bytes(d)) for eid, d in cursor.fetchall())
    return out


def insert_events(
    conn: Connection, dialect: str, rows: Sequence[tuple[Any, ...]]
) -> dict[str, int]:
    """Insert event rows (:func:`event_values`), in order; a stored id makes it fail (the
    caller's transaction runs again). Returns no ``seq`` (none is read back: the owners'
    update looks up the few it needs), as the ``executemany`` it replaces."""
    if not rows:
        return {}
    with driver_cursor(conn) as cursor:
        if dialect == "postgresql":
            with cursor.copy(_PG_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
            return {}
        cursor.executemany(_SQLITE_INSERT, rows)
        return {}


def mark_dirty(
    conn: Connection, dialect: str, ticket_ids: Sequence[str], mark: int, since: int
) -> None:
    """Mark these tickets for the recompute, in the order given (ticket order: see
    :func:`~accord.io.store.sql.marks.clear_marks`); a ticket already waiting keeps its ``since``,
    only its mark is replaced."""
    if not ticket_ids:
        return
    with driver_cursor(conn) as cursor:
        if dialect == "postgresql":
            cursor.execute(_PG_MARK.format(text_param(ticket_ids)), (mark, since, list(ticket_ids)))
        else:
            cursor.executemany(_SQLITE_MARK, [(tid, mark, since) for tid in ticket_ids])
