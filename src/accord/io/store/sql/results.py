"""Ticket summaries and metric records: saved by the recompute, read by the API."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.core.agreements.models import AGREEMENT_PREFIX
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant
from accord.io.store import schema as t
from accord.io.store.base import (
    COMPLIANCE_DIMENSIONS,
    ComplianceKey,
    ComplianceRow,
    StoreStats,
    TicketSummary,
)
from accord.io.store.sql.connection import (
    SqlBase,
    _chunks,
    _guard,
    driver_cursor,
    pg_each_key,
)
from accord.io.store.sql.rows import (
    TICKET_AS_OF,
    _record_from_row,
    _state_expr,
    _summary_from_row,
)


def _internal_expr(internal: bool) -> sa.ColumnElement[bool]:
    """The records of the class a query selects: internal agreements' or SLA clocks."""
    ola = t.records.c.metric.startswith(AGREEMENT_PREFIX, autoescape=True)
    return ola if internal else sa.not_(ola)


class ResultsPart(SqlBase):
    @_guard
    def get_ticket(self, ticket_id: str) -> TicketSummary | None:
        q = sa.select(t.tickets).where(t.tickets.c.ticket_id == ticket_id)
        with self._read.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else _summary_from_row(row)

    @_guard
    def records_of(self, ticket_ids: Collection[str]) -> dict[str, list[MetricRecord]]:
        out: dict[str, list[MetricRecord]] = {tid: [] for tid in ticket_ids}
        rc = t.records.c
        with self._read.connect() as conn:
            for chunk in _chunks(sorted(out)):
                q = (
                    sa.select(t.records, TICKET_AS_OF)
                    .where(rc.ticket_id.in_(chunk))
                    .order_by(rc.ticket_id, rc.metric, rc.cycle)
                )
                for row in conn.execute(q):
                    out[row.ticket_id].append(_record_from_row(row))
        return out

    @_guard
    def compliance(
        self,
        by: str | None,
        *,
        now: Instant,
        customer: str | None = None,
        metric: str | None = None,
        internal: bool = False,
    ) -> list[ComplianceRow]:
        rc = t.records.c
        if by is not None and by not in COMPLIANCE_DIMENSIONS:
            raise ValueError(f"cannot group compliance by '{by}'")
        columns = {
            "metric": rc.metric,
            "priority": rc.priority,
            "policy": rc.policy,
            "team": rc.team,
            "customer": rc.ticket_customer,
        }
        key: sa.ColumnElement[Any] = (
            columns[by] if by is not None else sa.literal(None, sa.String).label("key")
        )
        st = _state_expr(now)

        def count(*states: State) -> sa.ColumnElement[Any]:
            hit = sa.case((st.in_([s.value for s in states]), 1), else_=0)
            return sa.func.coalesce(sa.func.sum(hit), 0)

        q = sa.select(
            key,
            rc.start_month,
            count(State.MET),
            count(State.BREACHED),
            count(State.RUNNING, State.PAUSED),
        ).where(rc.target.is_not(None), _internal_expr(internal))
        if customer is not None:
            q = q.where(rc.ticket_customer == customer)
        if metric is not None:
            q = q.where(rc.metric == metric)
        group = [rc.start_month] if by is None else [columns[by], rc.start_month]
        q = q.group_by(*group)
        with self._read.connect() as conn:
            return [
                ComplianceRow(k, month, int(met), int(breached), int(open_))
                for k, month, met, breached, open_ in conn.execute(q)
            ]

    @_guard
    def stats(self, now: Instant) -> StoreStats:
        rc = t.records.c
        st = _state_expr(now).label("st")
        out = StoreStats()
        with self._read.connect() as conn:
            sla = _internal_expr(False)  # the SLA clocks: an agreement's are not counted here
            by_state = sa.select(st, sa.func.count()).where(sla).group_by(st)
            for state, n in conn.execute(by_state):
                out.clocks_by_state[state] = int(n)
            q = (
                sa.select(rc.policy, rc.priority, sa.func.count())
                .where(_state_expr(now) == State.BREACHED.value, sla)
                .group_by(rc.policy, rc.priority)
            )
            for policy, priority, n in conn.execute(q):
                out.breaches[(policy, priority)] = int(n)
            out.pending_recompute, out.failed_tickets = _backlog(conn)
        return out

    @_guard
    def backlog(self) -> tuple[int, int]:
        with self._read.connect() as conn:
            return _backlog(conn)

    # ---------------------------------------------------------------- records view

    @_guard
    def change_stamp(self) -> tuple[int, int]:
        # both are primary keys: max() is an index look-up, not a scan
        q = sa.select(
            sa.select(sa.func.max(t.events.c.seq)).scalar_subquery(),
            sa.select(sa.func.max(t.config_versions.c.version)).scalar_subquery(),
        )
        with self._read.connect() as conn:
            seq, version = conn.execute(q).one()
        return int(seq or 0), int(version or 0)

    @_guard
    def changed_since(self, seq: int) -> dict[str, tuple[int, int]]:
        ec = t.events.c
        q = (
            sa.select(ec.ticket_id, sa.func.min(ec.seq), sa.func.max(ec.seq))
            .where(ec.seq > seq)
            .group_by(ec.ticket_id)
        )
        with self._read.connect() as conn:
            return {tid: (int(lo), int(hi)) for tid, lo, hi in conn.execute(q)}

    @_guard
    def compliance_keys(
        self, ticket_ids: Collection[str] | None = None, *, batch: int = 200_000
    ) -> Iterator[list[ComplianceKey]]:
        rc = t.records.c
        cols = (rc.ticket_id, rc.metric, rc.priority, rc.policy, rc.team, rc.ticket_customer)
        q = sa.select(*cols, rc.start_month, rc.state, rc.due).where(rc.target.is_not(None))
        if ticket_ids is not None:
            # the records view's read after every recompute pass: through the driver (the same
            # rows; SQLAlchemy's statement and result processing cost more than the query)
            pg = self.dialect == "postgresql"
            with self._read.connect() as conn, conn.begin(), driver_cursor(conn) as cursor:
                for chunk in _chunks(sorted(set(ticket_ids))):
                    sql = _KEYS_OF_PG if pg else f"{_KEYS_OF} IN ({', '.join('?' * len(chunk))})"
                    cursor.execute(sql, (list(chunk),) if pg else chunk)
                    yield [tuple(r) for r in cursor.fetchall()]
            return
        with self._read.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(q)
            while rows := result.fetchmany(batch):
                yield [tuple(r) for r in rows]


_KEYS_OF = (
    "SELECT ticket_id, metric, priority, policy, team, ticket_customer, start_month, state, due "
    "FROM records WHERE target IS NOT NULL AND ticket_id"
)
_KEYS_OF_PG = pg_each_key(_KEYS_OF)


def _backlog(conn: Connection) -> tuple[int, int]:
    """Marked tickets and failed tickets: two counts of small tables."""
    q = sa.select(
        sa.select(sa.func.count()).select_from(t.dirty).scalar_subquery(),
        sa.select(sa.func.count()).select_from(t.failed_tickets).scalar_subquery(),
    )
    pending, failed = conn.execute(q).one()
    return int(pending), int(failed)
