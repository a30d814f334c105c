"""The two working lists the API pages through: the ticket list and the at-risk queue, each
filtered, sorted by any of its columns and counted in the database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from accord.core.records import MetricRecord
from accord.io.store import schema as t
from accord.io.store.base import NO_DUE, ClockQuery, TicketQuery, TicketSummary
from accord.io.store.sql.connection import SqlBase, _guard
from accord.io.store.sql.list_order import Column, nullable, sorted_rows
from accord.io.store.sql.results import _internal_expr
from accord.io.store.sql.rows import _record_from_row, _state_expr, _summary_from_row

_TK = t.tickets.c
_RC = t.records.c

_KEY = (_RC.ticket_id, _RC.metric, _RC.cycle)

_TICKET_COLUMNS: dict[str, Column] = {
    key: nullable(col)
    for key, col in {
        "ticket": _TK.ticket_id,
        "customer": _TK.customer,
        "team": _TK.team,
        "priority": _TK.priority,
        "status": _TK.status,
        "assignee": _TK.assignee,
        "opened": _TK.first_ts,
        "updated": _TK.last_ts,
    }.items()
}
_CLOCK_COLUMNS: dict[str, Column] = {
    # a paused clock has no due instant: its due_sort is NO_DUE, after every instant
    "due": Column(_RC.due_sort, _RC.due_sort >= NO_DUE, _RC.due_sort < NO_DUE),
    **{
        key: nullable(col)
        for key, col in {
            "ticket": _RC.ticket_id,
            "metric": _RC.metric,
            "priority": _RC.priority,
            "policy": _RC.policy,
            "team": _RC.team,
            "assignee": _RC.assignee,
            "customer": _RC.ticket_customer,
            "channel": _RC.channel,
            "start": _RC.start,
        }.items()
    },
}
_QUEUE_ORDER = [_RC.due_sort, _RC.ticket_id, _RC.metric, _RC.cycle]


def _contains(column: sa.ColumnElement[Any], part: str) -> sa.ColumnElement[bool]:
    # lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not
    return sa.func.lower(column).contains(part.lower(), autoescape=True)


class ListsPart(SqlBase):
    def _ticket_filter(self, query: TicketQuery) -> sa.Select[Any]:
        q = sa.select(t.tickets)
        for col, value in (
            (_TK.customer, query.customer),
            (_TK.team, query.team),
            (_TK.priority, query.priority),
            (_TK.assignee, query.assignee),
        ):
            if value is not None:
                q = q.where(col == value)
        if query.search:
            q = q.where(_contains(_TK.ticket_id, query.search))
        clock: list[sa.ColumnElement[bool]] = []
        if query.state is not None:
            clock.append(_state_expr(query.now) == query.state.value)
        if query.metric is not None:
            clock.append(_RC.metric == query.metric)
        if query.channel is not None:
            clock.append(_RC.channel == query.channel)
        if query.due_before is not None:
            clock.append(_RC.due < query.due_before)
        if clock or query.internal:  # the agreements' list: tickets with such a clock
            clock.append(_internal_expr(query.internal))
            q = q.where(sa.exists().where(_RC.ticket_id == _TK.ticket_id, *clock))
        return q

    @_guard
    def find_tickets(self, query: TicketQuery) -> list[TicketSummary]:
        q = self._ticket_filter(query)
        if query.after is not None:
            q = q.where(_TK.ticket_id > query.after)
        with self._read.connect() as conn:
            if query.sort is None:
                page = q.order_by(_TK.ticket_id).offset(query.offset or None).limit(query.limit)
                return [_summary_from_row(row) for row in conn.execute(page)]
            column = _TICKET_COLUMNS[query.sort.key]
            # the sort column first: the walk groups rows by it
            rows = q.with_only_columns(column.expr.label("sort_value"), *t.tickets.c)
            found = sorted_rows(
                conn,
                rows,
                column,
                [_TK.ticket_id],
                descending=query.sort.descending,
                need=query.offset + query.limit,
            )
        return [_summary_from_row(row) for row in found[query.offset :]]

    @_guard
    def count_ticket_list(self, query: TicketQuery, *, at_most: int | None = None) -> int:
        return self._count_up_to(
            self._ticket_filter(query).with_only_columns(_TK.ticket_id), at_most
        )

    def _clock_filter(self, query: ClockQuery) -> sa.Select[Any]:
        q = sa.select(t.records).where(_RC.queued.is_(True), _internal_expr(query.internal))
        for col, value in (
            (_RC.ticket_customer, query.customer),
            (_RC.team, query.team),
            (_RC.priority, query.priority),
            (_RC.metric, query.metric),
            (_RC.policy, query.policy),
            (_RC.assignee, query.assignee),
            (_RC.channel, query.channel),
        ):
            if value is not None:
                q = q.where(col == value)
        if query.state is not None:
            q = q.where(_state_expr(query.now) == query.state.value)
        if query.due_before is not None:
            # due_sort, not due: the queue's index holds it (paused clocks sort after any bound)
            q = q.where(_RC.due_sort < query.due_before)
        if query.search:
            q = q.where(_contains(_RC.ticket_id, query.search))
        return q

    @_guard
    def open_clocks(self, query: ClockQuery) -> list[MetricRecord]:
        q = self._clock_filter(query)
        if query.after is not None:
            a = query.after
            q = q.where(
                sa.tuple_(_RC.due_sort, _RC.ticket_id, _RC.metric, _RC.cycle)
                > sa.tuple_(
                    sa.literal(a.due_sort, sa.BigInteger),
                    sa.literal(a.ticket_id),
                    sa.literal(a.metric),
                    sa.literal(a.cycle),
                )
            )
        with self._read.connect() as conn:
            if query.sort is None:
                # the queue's index holds this order: the rows are read as it walks
                q = q.order_by(*_QUEUE_ORDER).offset(query.offset or None).limit(query.limit)
                return [_record_from_row(row) for row in conn.execute(q)]
            # another order walks that column's index for the page's keys, then reads their
            # rows (a stored clock carries its explanation, too much to walk through)
            column = _CLOCK_COLUMNS[query.sort.key]
            found = sorted_rows(
                conn,
                q.with_only_columns(column.expr.label("sort_value"), *_KEY),
                column,
                _QUEUE_ORDER,
                descending=query.sort.descending,
                need=query.offset + query.limit,
            )
            keys = [(r.ticket_id, r.metric, r.cycle) for r in found[query.offset :]]
            if not keys:
                return []
            page = sa.select(t.records).where(sa.tuple_(*_KEY).in_(keys))
            by_key = {(r.ticket_id, r.metric, r.cycle): r for r in conn.execute(page)}
        return [_record_from_row(by_key[k]) for k in keys if k in by_key]

    @_guard
    def count_open_clocks(self, query: ClockQuery, *, at_most: int | None = None) -> int:
        return self._count_up_to(
            self._clock_filter(query).with_only_columns(_RC.ticket_id), at_most
        )

    def _count_up_to(self, rows: sa.Select[Any], at_most: int | None) -> int:
        # LIMIT inside: the database stops reading at the cap instead of counting every row
        inner = (rows if at_most is None else rows.limit(at_most)).subquery()
        with self._read.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(inner)).scalar_one())
