"""The alert delivery log: claims, attempts, acknowledgements and snoozes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.core.alerts.evaluate import Alert
from accord.core.timeutil import Instant
from accord.errors import ConflictError
from accord.io.store import schema as t
from accord.io.store.base import (
    AlertAttemptRecord,
    AlertQuery,
    StoredAlert,
    snooze_refusal,
)
from accord.io.store.sql.connection import (
    _CHUNK,
    SqlBase,
    _chunks,
    _guard,
)
from accord.io.store.sql.owners import locked_owners
from accord.io.store.sql.rows import (
    _alert_row,
    _alert_state_expr,
    _stored_alert_from_row,
)


class AlertsPart(SqlBase):
    def claim_alert(self, alert: Alert, *, now: Instant) -> StoredAlert | None:
        return self.claim_alerts([alert], now=now)[0]

    @_guard
    def claim_alerts(self, alerts: Sequence[Alert], *, now: Instant) -> list[StoredAlert | None]:
        # ON CONFLICT DO NOTHING on the unique key: of two evaluators (or a process and its
        # restarted self) exactly one inserts, and only that one delivers
        stmt = (
            self._insert(t.alerts)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(t.alerts.c.id)
        )
        out: list[StoredAlert | None] = []
        # a transaction a chunk: a commit an alert cost most of a round's claims
        for start in range(0, len(alerts), _CHUNK):
            chunk = alerts[start : start + _CHUNK]
            rows = [_alert_row(a, now) for a in chunk]
            with self._writing() as conn:
                tids = [r["ticket_id"] for r in rows if r["ticket_id"] is not None]
                # readable by the ticket's current customer, read locked: a move being stored
                # waits for these inserts, then moves the entries with the ticket
                owners = locked_owners(conn, tids, write=False) if tids else {}
                ids = []
                for row in rows:
                    if row["ticket_id"] is not None:
                        got = owners.get(row["ticket_id"])
                        row["owner"] = got[0] if got is not None else None
                    ids.append(conn.execute(stmt, row).scalar())
            out.extend(
                None
                if new_id is None
                else StoredAlert(int(new_id), a, r["state"], r["next_attempt_at"], now)
                for a, r, new_id in zip(chunk, rows, ids, strict=True)
            )
        return out

    @_guard
    def known_alert_keys(self, keys: Collection[str]) -> set[str]:
        found: set[str] = set()
        with self._read.connect() as conn:
            for chunk in _chunks(sorted(set(keys))):
                q = sa.select(t.alerts.c.key).where(t.alerts.c.key.in_(chunk))
                found.update(conn.execute(q).scalars())
        return found

    @_guard
    def last_received(self, sources: Collection[str]) -> dict[str, Instant | None]:
        ec = t.events.c
        out: dict[str, Instant | None] = {}
        with self._read.connect() as conn:
            for source in sorted(set(sources)):
                # one max() per source on the (source, received_at) index: a look-up, no scan
                q = sa.select(sa.func.max(ec.received_at)).where(ec.source == source)
                got = conn.execute(q).scalar()
                out[source] = int(got) if got is not None else None
        return out

    @_guard
    def get_watch(self, keys: Collection[str]) -> dict[str, str]:
        wc = t.alert_watch.c
        found: dict[str, str] = {}
        with self._read.connect() as conn:
            for chunk in _chunks(sorted(set(keys))):
                q = sa.select(wc.key, wc.value).where(wc.key.in_(chunk))
                found.update({k: v for k, v in conn.execute(q)})
        return found

    @_guard
    def set_watch(self, key: str, value: str, *, at: Instant, expected: str | None) -> bool:
        w = t.alert_watch
        with self._writing() as conn:
            if expected is None:  # only if absent: of two writers the first wins
                stmt = (
                    self._insert(w)
                    .values(key=key, value=value, updated_at=at)
                    .on_conflict_do_nothing(index_elements=["key"])
                    .returning(w.c.key)
                )
                return conn.execute(stmt).scalar() is not None
            upd = (
                w.update()
                .where(w.c.key == key, w.c.value == expected)
                .values(value=value, updated_at=at)
            )
            return bool(conn.execute(upd).rowcount)

    @_guard
    def alerts_to_deliver(self) -> list[StoredAlert]:
        a = t.alerts.c
        q = (
            sa.select(t.alerts)
            .where(a.state.in_(("held", "pending")), a.acknowledged_at.is_(None))
            .order_by(a.id)
        )
        with self._read.connect() as conn:
            return self._with_attempts(conn, list(conn.execute(q)))

    def _with_attempts(self, conn: Connection, rows: Sequence[Any]) -> list[StoredAlert]:
        attempts: dict[int, list[AlertAttemptRecord]] = {row.id: [] for row in rows}
        ids = sorted(attempts)
        at = t.alert_attempts.c
        for i in range(0, len(ids), _CHUNK):
            q = (
                sa.select(t.alert_attempts)
                .where(at.alert_id.in_(ids[i : i + _CHUNK]))
                .order_by(at.alert_id, at.at, at.channel, at.number)
            )
            for r in conn.execute(q):
                attempts[r.alert_id].append(
                    AlertAttemptRecord(r.channel, r.number, r.at, r.ok, r.error, r.finished_at)
                )
        return [_stored_alert_from_row(row, attempts[row.id]) for row in rows]

    @_guard
    def claim_attempt(self, alert_id: int, channel: str, number: int, *, at: Instant) -> bool:
        stmt = (
            self._insert(t.alert_attempts)
            .values(alert_id=alert_id, channel=channel, number=number, at=at, ok=None)
            .on_conflict_do_nothing(index_elements=["alert_id", "channel", "number"])
            .returning(t.alert_attempts.c.number)
        )
        with self._writing() as conn:
            return conn.execute(stmt).scalar() is not None

    @_guard
    def finish_attempt(
        self,
        alert_id: int,
        channel: str,
        number: int,
        *,
        ok: bool,
        error: str | None,
        at: Instant,
        state: str,
        next_attempt_at: Instant | None,
    ) -> None:
        at_c = t.alert_attempts.c
        with self._writing() as conn:
            conn.execute(
                t.alert_attempts.update()
                .where(at_c.alert_id == alert_id, at_c.channel == channel, at_c.number == number)
                .values(ok=ok, error=error, finished_at=at)
            )
            conn.execute(
                t.alerts.update()
                .where(t.alerts.c.id == alert_id)
                .values(state=state, next_attempt_at=next_attempt_at)
            )

    @_guard
    def list_alerts(self, query: AlertQuery) -> list[StoredAlert]:
        a = t.alerts.c
        q = sa.select(t.alerts)
        if query.state is not None:
            q = q.where(_alert_state_expr(query.now) == query.state)
        if query.rule is not None:
            q = q.where(a.rule == query.rule)
        if query.metric is not None:
            q = q.where(a.metric == query.metric)
        if query.customer is not None:
            q = q.where(a.owner == query.customer)
        if query.before is not None:
            q = q.where(a.id < query.before)
        q = q.order_by(a.id.desc()).limit(query.limit)
        with self._read.connect() as conn:
            return self._with_attempts(conn, list(conn.execute(q)))

    @_guard
    def get_alert(self, alert_id: int) -> StoredAlert | None:
        q = sa.select(t.alerts).where(t.alerts.c.id == alert_id)
        with self._read.connect() as conn:
            found = self._with_attempts(conn, list(conn.execute(q)))
        return found[0] if found else None

    @_guard
    def acknowledge_alert(self, alert_id: int, *, by: str, at: Instant) -> StoredAlert | None:
        a = t.alerts.c
        with self._writing() as conn:
            conn.execute(
                t.alerts.update()
                .where(a.id == alert_id, a.acknowledged_at.is_(None))
                .values(acknowledged_by=by, acknowledged_at=at)
            )
        return self.get_alert(alert_id)

    @_guard
    def snooze_alert(self, alert_id: int, *, until: Instant) -> StoredAlert | None:
        a = t.alerts.c
        with self._writing() as conn:
            changed = conn.execute(
                t.alerts.update()
                .where(
                    a.id == alert_id,
                    a.acknowledged_at.is_(None),
                    a.state.in_(("held", "pending")),
                )
                .values(snoozed_until=until)
            ).rowcount
        entry = self.get_alert(alert_id)
        if entry is not None and not changed:
            raise ConflictError(snooze_refusal(entry))
        return entry
