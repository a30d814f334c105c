"""Events, the quarantine and the recompute marks."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.core.event_validation import content_digest
from accord.core.events import Event
from accord.core.ownership import sets_customer
from accord.core.timeutil import Instant
from accord.errors import RowProblem
from accord.io.store import schema as t
from accord.io.store.base import (
    EventOutcome,
    Incoming,
    QuarantineEntry,
    conflict_problem,
)
from accord.io.store.refusals import refused_problem
from accord.io.store.sql.connection import (
    _RETURNING_ROWS,
    SqlBase,
    _chunks,
    _guard,
    driver_cursor,
    pg_each_key,
    refusal_text,
    refused,
)
from accord.io.store.sql.ingest_writes import (
    event_values,
    insert_events,
    mark_dirty,
    stored_digests,
)
from accord.io.store.sql.marks import clear_marks
from accord.io.store.sql.owners import _params, move_owners
from accord.io.store.sql.rows import (
    _event_from_row,
    _event_from_values,
    _event_row,
    _problem_row,
)

# the columns _event_from_values takes, the JSON as text (as both drivers give it)
_EVENTS_OF = (
    "SELECT seq, event_id, ticket_id, ts, ts_us, kind, actor, public, CAST(fields AS TEXT) "
    "FROM events WHERE ticket_id"
)
# each ticket's events in arrival order (the order between tickets does not matter)
_EVENTS_OF_PG = pg_each_key(_EVENTS_OF, order="r.seq")


def _events_in(chunk: Sequence[str]) -> str:
    # in the order of the index read (ticket, then seq): each ticket's rows in arrival order,
    # with no sort of the whole chunk's rows by seq after the reads
    return f"{_EVENTS_OF} IN ({', '.join('?' for _ in chunk)}) ORDER BY ticket_id, seq"


class EventsPart(SqlBase):
    @_guard
    def add_events(
        self,
        items: Sequence[Incoming],
        problems: Sequence[RowProblem] = (),
        *,
        received_at: Instant,
    ) -> list[EventOutcome]:
        if not items and not problems:
            return []
        try:
            return self._retrying(lambda conn: self._add_events(conn, items, problems, received_at))
        except Exception as e:
            if not refused(e):
                raise
        # The database refused a row of the batch. The others must not fail with it: the
        # problems go in alone, and the events are halved until each refused one stands
        # alone and is quarantined with the database's reason.
        self._keep_problems(problems, received_at)
        return self._isolating(items, received_at)

    def _isolating(self, items: Sequence[Incoming], received_at: Instant) -> list[EventOutcome]:
        if not items:
            return []
        try:
            return self._retrying(lambda conn: self._add_events(conn, items, (), received_at))
        except Exception as e:
            if not refused(e):
                raise
            if len(items) == 1:
                problem = refused_problem(items[0], refusal_text(e))
                self._keep_problems([problem], received_at)
                return [problem]
        half = len(items) // 2
        return [
            *self._isolating(items[:half], received_at),
            *self._isolating(items[half:], received_at),
        ]

    def _keep_problems(self, problems: Sequence[RowProblem], received_at: Instant) -> None:
        """Quarantine ``problems`` (one at a time when the database refuses one of them)."""

        def insert(ps: Sequence[RowProblem]) -> None:
            with self._writing() as conn:
                conn.execute(t.quarantine.insert(), [_problem_row(p, received_at) for p in ps])

        if not problems:
            return
        try:
            insert(problems)
            return
        except Exception as e:
            if not refused(e) or len(problems) == 1:
                raise
        for p in problems:
            insert([p])

    def _add_events(
        self,
        conn: Connection,
        items: Sequence[Incoming],
        problems: Sequence[RowProblem],
        received_at: Instant,
    ) -> list[EventOutcome]:
        # The first row of each event_id is inserted unless the id is stored already. A few
        # rows (a single event: the latency that matters) go in with one INSERT ... ON
        # CONFLICT DO NOTHING RETURNING, and only the ids that did not go in are looked up to
        # tell a duplicate from a conflicting re-use; a concurrent writer of the same id is
        # waited for by the database. Many rows are looked up first and inserted with one
        # executemany: a RETURNING over hundreds of rows is one huge statement text that the
        # driver re-parses on every batch (a third slower on PostgreSQL), and a writer that
        # raced us to an id makes the insert fail and the transaction run again.
        firsts: dict[str, tuple[int, bytes]] = {}  # event_id: (its first item, digest)
        for n, item in enumerate(items):
            if item.event.event_id not in firsts:
                firsts[item.event.event_id] = (n, content_digest(item.event))
        stored: dict[str, bytes] = {}
        inserted: set[str] = set()
        returning = len(firsts) <= _RETURNING_ROWS

        def look_up(ids: Sequence[str]) -> None:
            stored.update(stored_digests(conn, self.dialect, ids))

        if not returning:
            look_up(list(firsts))
        new = [(n, digest) for event_id, (n, digest) in firsts.items() if event_id not in stored]
        seqs: dict[str, int] = {}
        if new and returning:
            rows = [_event_row(items[n].event, d, received_at, items[n].source) for n, d in new]
            stmt = (
                self._insert(t.events)
                .on_conflict_do_nothing(index_elements=[t.events.c.event_id])
                .returning(t.events.c.event_id, t.events.c.seq)
            )
            seqs = {event_id: int(seq) for event_id, seq in conn.execute(stmt, rows)}
            inserted = set(seqs)
            look_up([i for i in firsts if i not in inserted])
        elif new:
            # many rows: through the driver (see ingest_writes.py); a stored id makes it fail
            # and the transaction run again
            values = [event_values(items[n].event, d, received_at, items[n].source) for n, d in new]
            seqs = insert_events(conn, self.dialect, values)
            inserted = {items[n].event.event_id for n, _ in new}
        outcomes: list[EventOutcome] = []
        rejected = list(problems)
        touched: set[str] = set()
        setters: list[Event] = []
        for n, item in enumerate(items):
            e = item.event
            first, first_digest = firsts[e.event_id]
            if e.event_id in inserted and first == n:
                touched.add(e.ticket_id)
                outcomes.append("accepted")
                if sets_customer(e):
                    setters.append(e)
                continue
            known = first_digest if e.event_id in inserted else stored[e.event_id]
            if known == (first_digest if first == n else content_digest(e)):
                outcomes.append("duplicate")
            else:
                problem = conflict_problem(item)
                rejected.append(problem)
                outcomes.append(problem)
        if rejected:
            conn.execute(t.quarantine.insert(), [_problem_row(p, received_at) for p in rejected])
        # before the marks: every writer takes owner rows before marks (no lock cycle)
        move_owners(conn, self.dialect, setters, seqs, received_at)
        if touched:
            # a ticket already waiting keeps its ``since``: only the mark is replaced
            mark_dirty(conn, self.dialect, sorted(touched), secrets.randbits(62), received_at)
        return outcomes

    @_guard
    def events_of(self, ticket_ids: Collection[str]) -> dict[str, list[Event]]:
        # the same events as _event_from_row makes, read through the driver (event_rows_of)
        rows = self.event_rows_of(ticket_ids)
        return {tid: [_event_from_values(r) for r in got] for tid, got in rows.items()}

    @_guard
    def event_rows_of(self, ticket_ids: Collection[str]) -> dict[str, list[tuple[Any, ...]]]:
        # events_of's rows as the driver gives them, no Event made: the recompute's batch
        # pass turns them into the engine's columns itself (service/pass_events.py)
        out: dict[str, list[tuple[Any, ...]]] = {tid: [] for tid in ticket_ids}
        pg = self.dialect == "postgresql"
        with self._read.connect() as conn, conn.begin(), driver_cursor(conn) as cursor:
            for chunk in _chunks(sorted(out)):
                # on PostgreSQL one array, whatever the chunk's length: the driver parses a
                # statement text it has not seen, and IN lists of every length are many texts
                cursor.execute(_EVENTS_OF_PG if pg else _events_in(chunk), _params(pg, chunk))
                for row in cursor.fetchall():
                    out[row[2]].append(row)
        return out

    @_guard
    def iter_events(self, batch: int = 10_000) -> Iterator[Event]:
        after = 0
        while True:
            with self._read.connect() as conn:
                q = (
                    sa.select(t.events)
                    .where(t.events.c.seq > after)
                    .order_by(t.events.c.seq)
                    .limit(batch)
                )
                rows = conn.execute(q).all()
            if not rows:
                return
            for row in rows:
                yield _event_from_row(row)
            after = rows[-1].seq

    @_guard
    def count_events(self) -> int:
        return self._count(t.events)

    def _count(self, table: sa.Table) -> int:
        with self._read.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

    @_guard
    def quarantine(self, *, after: int = 0, limit: int = 100) -> list[QuarantineEntry]:
        q = (
            sa.select(t.quarantine)
            .where(t.quarantine.c.id > after)
            .order_by(t.quarantine.c.id)
            .limit(limit)
        )
        with self._read.connect() as conn:
            return [
                QuarantineEntry(
                    id=row.id,
                    problem=RowProblem(row.source, row.row, row.field, row.reason, dict(row.raw)),
                    received_at=row.received_at,
                )
                for row in conn.execute(q)
            ]

    @_guard
    def count_quarantine(self) -> int:
        return self._count(t.quarantine)

    # ---------------------------------------------------------------- recompute bookkeeping

    @_guard
    def dirty(self, limit: int) -> list[tuple[str, int]]:
        # the longest waiting first: a ticket marked again and again is not passed over
        d = t.dirty.c
        q = sa.select(d.ticket_id, d.mark).order_by(d.since, d.ticket_id)
        with self._read.connect() as conn:
            return [(a, b) for a, b in conn.execute(q.limit(limit))]

    @_guard
    def clear_dirty(self, marks: Sequence[tuple[str, int]]) -> None:
        if not marks:
            return
        with self._writing() as conn:
            clear_marks(conn, marks)

    @_guard
    def ticket_ids(self, *, after: str | None, limit: int) -> list[str]:
        # the tickets table lags behind the events; distinct ids of the events are the truth
        q = sa.select(t.events.c.ticket_id).distinct().order_by(t.events.c.ticket_id)
        if after is not None:
            q = q.where(t.events.c.ticket_id > after)
        with self._read.connect() as conn:
            return list(conn.execute(q.limit(limit)).scalars())

    @_guard
    def count_tickets(self) -> int:
        q = sa.select(sa.func.count(sa.distinct(t.events.c.ticket_id)))
        with self._read.connect() as conn:
            return int(conn.execute(q).scalar_one())
