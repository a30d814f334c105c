"""The two working lists the API pages through: the ticket list and the at-risk queue, each
filtered, sorted by any of its columns and counted in the database."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from accord.core.records import MetricRecord
from accord.io.store import schema as t
from accord.io.store.base import NO_DUE, ClockQuery, TicketQuery, TicketSummary
from accord.io.store.sql.connection import SqlBase, _guard
from accord.io.store.sql.list_order import Column, nullable, sorted_rows
from accord.io.store.sql.results import _internal_expr
from accord.io.store.sql.rows import (
    TICKET_AS_OF,
    _record_from_row,
    _state_expr,
    _summary_from_row,
)

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
    # lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not; the
    # pattern is one value, so that PostgreSQL's planner sees it and takes the trigram index
    escaped = part.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="/")


_CountKey = tuple[int, str, str]  # the store, a count's statement and its parameters
_TRIGRAM = 3  # a part this long or longer has trigrams for the index to look up
_FTS = sa.table("ticket_search", sa.column("rowid", sa.Integer))
_TICKET_ROWID = sa.literal_column("tickets.rowid", sa.Integer)


# Sorted reads whose filters select at least this many rows walk the sort column's index (a
# page is then found within a few thousand rows); narrower filters read their own index and
# sort what they select (at most this many rows).
_BROAD = 10_000


def _equal(col: sa.ColumnElement[Any], value: str, *, indexed: bool) -> sa.ColumnElement[bool]:
    # SQLite has no statistics, so its planner takes an equality filter's index whatever the
    # filter's size, then sorts every row it selects: `col || ''` (the same value for text)
    # keeps it off that index when the walk of the sort column's is known to be cheaper
    return col == value if indexed else col.op("||")("") == value


def _clock_terms(query: TicketQuery) -> list[sa.ColumnElement[bool]]:
    """What a clock of a ticket the list selects must match (none: no clock filter)."""
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
    return clock


class ListsPart(SqlBase):
    _search_table: bool | None = None  # SQLite: whether migration 0007 made ticket_search
    # the last count a sorted read made, in each thread, for the total that follows it
    _kept_count = threading.local()

    def _search(self, column: sa.ColumnElement[Any], part: str) -> sa.ColumnElement[bool]:
        """Ticket ids (``column``: the tickets' or the clocks') that contain ``part``, in any
        case. A part of 3 characters or more is looked up in the trigram index of the ticket
        ids, which narrows the ids to check to those holding its trigrams; a shorter part
        reads every id (short parts match many ids, so a page is found early)."""
        exact = _contains(column, part)
        if not self._by_trigrams(part):
            return exact
        if self.dialect == "postgresql":  # the pattern itself uses the index on tickets
            if column is _TK.ticket_id:
                return exact
            return sa.and_(
                column.in_(sa.select(_TK.ticket_id).where(_contains(_TK.ticket_id, part))),
                exact,
            )
        # every trigram of the part (each an FTS5 string, taken as it is): the table keeps no
        # positions (detail=none, a third of the size), so the ids it gives are checked
        grams = {part[i : i + _TRIGRAM] for i in range(len(part) - _TRIGRAM + 1)}
        phrase = " AND ".join('"' + g.replace('"', '""') + '"' for g in sorted(grams))
        rowids = sa.select(_FTS.c.rowid).where(sa.text("ticket_search MATCH :phrase"))
        rowids = rowids.params(phrase=phrase)
        hits = _TICKET_ROWID.in_(rowids)
        if column is _TK.ticket_id:
            return sa.and_(hits, exact)
        return sa.and_(column.in_(sa.select(_TK.ticket_id).where(hits)), exact)

    def _by_trigrams(self, part: str) -> bool:
        """Whether a search for ``part`` reads the trigram index."""
        return len(part) >= _TRIGRAM and (self.dialect == "postgresql" or self._has_search_table())

    def _has_search_table(self) -> bool:
        if self._search_table is None:
            with self._read.connect() as conn:
                q = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticket_search'"
                self._search_table = conn.exec_driver_sql(q).first() is not None
        return self._search_table

    def _walk_sorted(self, rows: sa.Select[Any]) -> bool:
        """Whether a sorted read should walk its sort column's index rather than let the
        planner read the filters' indexes (SQLite only: PostgreSQL's planner has statistics
        and weighs both itself). The count is kept for the list's ``total``, which counts
        the same rows next (one count instead of two)."""
        if self.dialect != "sqlite":
            return False
        return self._count_up_to(rows, _BROAD + 1, keep=True) >= _BROAD

    def _ticket_filter(self, query: TicketQuery, *, indexed: bool = True) -> sa.Select[Any]:
        q = sa.select(t.tickets)
        if query.customer is not None:
            # (customer, last_ts) holds a customer's tickets by update: kept for that walk
            by_update = query.sort is not None and query.sort.key == "updated"
            q = q.where(_equal(_TK.customer, query.customer, indexed=indexed or by_update))
        for col, value in (
            (_TK.team, query.team),
            (_TK.priority, query.priority),
            (_TK.assignee, query.assignee),
        ):
            if value is not None:
                q = q.where(_equal(col, value, indexed=indexed))
        if query.search:
            q = q.where(self._search(_TK.ticket_id, query.search))
        clock = _clock_terms(query)
        if clock:
            q = q.where(sa.exists().where(_RC.ticket_id == _TK.ticket_id, *clock))
        return q

    def _ticket_ids(self, query: TicketQuery) -> sa.Select[Any]:
        """The ids of the tickets ``query`` selects, for counting them."""
        clock = _clock_terms(query)
        ticket_level = (query.customer, query.team, query.priority, query.assignee, query.search)
        if clock and query.after is None and all(v is None for v in ticket_level):
            # clock filters alone: the distinct tickets of the matching clocks, read along the
            # narrow clock index, instead of a probe of that index per ticket (half the time;
            # every clock's ticket has its summary: the recompute writes and deletes both)
            return sa.select(_RC.ticket_id).where(*clock).distinct()
        q = self._ticket_filter(query).with_only_columns(_TK.ticket_id)
        return q if query.after is None else q.where(_TK.ticket_id > query.after)

    @_guard
    def find_tickets(self, query: TicketQuery) -> list[TicketSummary]:
        self._kept_count.__dict__.pop("last", None)  # kept by a read that did not count
        q = self._ticket_filter(query)
        if query.after is not None:
            q = q.where(_TK.ticket_id > query.after)
        with self._read.connect() as conn:
            if query.sort is None:
                page = q.order_by(_TK.ticket_id).offset(query.offset or None).limit(query.limit)
                return [_summary_from_row(row) for row in conn.execute(page)]
            column = _TICKET_COLUMNS[query.sort.key]
            if self._walk_sorted(self._ticket_ids(query)):
                q = self._ticket_filter(query, indexed=False)
                if query.after is not None:
                    q = q.where(_TK.ticket_id > query.after)
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
        # the count ignores the cursor, as it always did (the whole filtered list)
        return self._count_up_to(self._ticket_ids(replace(query, after=None)), at_most)

    def _clock_filter(self, query: ClockQuery, *, indexed: bool = True) -> sa.Select[Any]:
        queued: sa.ColumnElement[bool] = _RC.queued.is_(True)
        if query.search and self._by_trigrams(query.search) and self.dialect == "sqlite":
            # the few tickets the search finds lead: SQLite would otherwise walk the open
            # clocks' index and test each against them (the same clocks, in 100 times the time)
            queued = sa.func.coalesce(_RC.queued, False) == sa.true()
        q = sa.select(t.records, TICKET_AS_OF).where(queued, _internal_expr(query.internal))
        if self.dialect == "postgresql":
            # ``IS TRUE`` (which the partial indexes' predicate is) is no b-tree operator: the
            # queue's indexes lead with ``queued``, so without this equality a filter's index
            # was read whole (41 ms for an assignee with no clock at 350,000 records)
            q = q.where(_RC.queued == sa.true())
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
                q = q.where(_equal(col, value, indexed=indexed))
        if query.state is not None:
            q = q.where(_state_expr(query.now) == query.state.value)
        if query.due_before is not None:
            # due_sort, not due: the queue's index holds it (paused clocks sort after any bound)
            q = q.where(_RC.due_sort < query.due_before)
        if query.search:
            q = q.where(self._search(_RC.ticket_id, query.search))
        return q

    def _queue_rows(self, query: ClockQuery, *, indexed: bool = True) -> sa.Select[Any]:
        q = self._clock_filter(query, indexed=indexed)
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
        return q

    @_guard
    def open_clocks(self, query: ClockQuery) -> list[MetricRecord]:
        self._kept_count.__dict__.pop("last", None)  # kept by a read that did not count
        q = self._queue_rows(query)
        with self._read.connect() as conn:
            if query.sort is None:
                # the queue's index holds this order: the rows are read as it walks
                q = q.order_by(*_QUEUE_ORDER).offset(query.offset or None).limit(query.limit)
                return [_record_from_row(row) for row in conn.execute(q)]
            # another order walks that column's index for the page's keys, then reads their
            # rows (a stored clock carries its explanation, too much to walk through)
            column = _CLOCK_COLUMNS[query.sort.key]
            # (each filter's index holds the due order after its value: no walk decision)
            if query.sort.key != "due" and self._walk_sorted(q.with_only_columns(_RC.ticket_id)):
                q = self._queue_rows(query, indexed=False)
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
            # by ticket id, the primary key's first column: SQLite scans the table for a
            # row-value IN list (seconds), and a ticket holds only a few clocks
            tids = sorted({k[0] for k in keys})
            page = sa.select(t.records, TICKET_AS_OF).where(_RC.ticket_id.in_(tids))
            wanted = set(keys)
            by_key = {
                k: r
                for r in conn.execute(page)
                if (k := (r.ticket_id, r.metric, r.cycle)) in wanted
            }
        return [_record_from_row(by_key[k]) for k in keys if k in by_key]

    @_guard
    def count_open_clocks(self, query: ClockQuery, *, at_most: int | None = None) -> int:
        return self._count_up_to(
            self._clock_filter(query).with_only_columns(_RC.ticket_id), at_most
        )

    def _count_up_to(self, rows: sa.Select[Any], at_most: int | None, *, keep: bool = False) -> int:
        """How many rows ``rows`` selects, counted up to ``at_most``. ``keep``: the count is
        also kept for the next count of the same rows in this thread, which takes it instead of
        reading them again (a sorted read counts its filters' rows to choose its walk, then the
        list's total counts them again, in the same request)."""
        kept: tuple[_CountKey, int, int] | None = self._kept_count.__dict__.pop("last", None)
        key: _CountKey | None = None
        if keep or kept is not None:
            compiled = rows.compile(dialect=self._read.dialect)
            key = (id(self), str(compiled), repr(sorted(compiled.params.items())))
        if kept is not None:
            kept_key, kept_at_most, kept_n = kept
            # an exact count (under its cap) answers any cap; a capped one only its own
            if kept_key == key and (kept_n < kept_at_most or kept_at_most == at_most):
                return kept_n if at_most is None else min(kept_n, at_most)
        # LIMIT inside: the database stops reading at the cap instead of counting every row
        inner = (rows if at_most is None else rows.limit(at_most)).subquery()
        with self._read.connect() as conn:
            n = int(conn.execute(sa.select(sa.func.count()).select_from(inner)).scalar_one())
        if keep and at_most is not None:
            self._kept_count.last = (key, at_most, n)
        return n
