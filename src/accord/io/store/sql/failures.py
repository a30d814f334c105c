"""Tickets whose recompute failed: recorded with their error, listed, retried."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.core.timeutil import Instant
from accord.io.store import schema as t
from accord.io.store.base import FailedTicket
from accord.io.store.refusals import failure_text
from accord.io.store.sql.connection import SqlBase, _chunks, _guard
from accord.io.store.sql.marks import clear_marks


class FailuresPart(SqlBase):
    @_guard
    def record_failures(
        self, errors: Mapping[str, str], *, at: Instant, clear: Sequence[tuple[str, int]] = ()
    ) -> None:
        if not errors and not clear:
            return
        rows = [
            {
                "ticket_id": tid,
                "error": failure_text(error),
                "first_failed_at": at,
                "last_failed_at": at,
                "attempts": 1,
            }
            for tid, error in sorted(errors.items())
        ]
        with self._writing() as conn:
            if rows:
                stmt = self._insert(t.failed_tickets)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[t.failed_tickets.c.ticket_id],
                    set_={
                        "error": stmt.excluded.error,
                        "last_failed_at": stmt.excluded.last_failed_at,
                        "attempts": t.failed_tickets.c.attempts + 1,
                    },
                )
                conn.execute(stmt, rows)
            clear_marks(conn, clear)

    @_guard
    def failed_tickets(self, *, after: str | None = None, limit: int = 100) -> list[FailedTicket]:
        f = t.failed_tickets.c
        q = sa.select(t.failed_tickets).order_by(f.ticket_id).limit(limit)
        if after is not None:
            q = q.where(f.ticket_id > after)
        with self._read.connect() as conn:
            return [
                FailedTicket(
                    ticket_id=row.ticket_id,
                    error=row.error,
                    first_failed_at=row.first_failed_at,
                    last_failed_at=row.last_failed_at,
                    attempts=row.attempts,
                )
                for row in conn.execute(q)
            ]

    @_guard
    def count_failed_tickets(self) -> int:
        q = sa.select(sa.func.count()).select_from(t.failed_tickets)
        with self._read.connect() as conn:
            return int(conn.execute(q).scalar_one())

    @_guard
    def retry_failed(self, ticket_ids: Collection[str] | None = None) -> list[str]:
        with self._writing() as conn:
            ids = self._failed_ids(conn, ticket_ids)
            if ids:
                mark = secrets.randbits(62)
                stmt = self._insert(t.dirty)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[t.dirty.c.ticket_id], set_={"mark": stmt.excluded.mark}
                )
                conn.execute(stmt, [{"ticket_id": tid, "mark": mark} for tid in ids])
        return ids

    def _failed_ids(self, conn: Connection, ticket_ids: Collection[str] | None) -> list[str]:
        f = t.failed_tickets.c
        q = sa.select(f.ticket_id)
        if ticket_ids is None:
            return sorted(conn.execute(q).scalars())
        found: set[str] = set()
        for chunk in _chunks(sorted(set(ticket_ids))):
            found.update(conn.execute(q.where(f.ticket_id.in_(chunk))).scalars())
        return sorted(found)
