"""On PostgreSQL a filtered read of the at-risk queue looks its value up in the filter's index.

The queue's indexes are partial (``WHERE queued IS TRUE``) and lead with ``queued``; ``IS TRUE``
is no b-tree operator, so with it alone the planner could not bound the index by its first
column and read a filter's index whole: 41 ms for an assignee with no clock among 350,000
records, in a sustained run whose probes asked that about 30 times a second. The read now also
says ``queued = true``, which bounds both columns. The rows read are the same (the list tests
pin them on both stores)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from accord.io.store import ClockQuery, SqlStore
from accord.io.store.sql.lists import _QUEUE_ORDER

RECORDS = 100_000


def _fill(conn: sa.Connection) -> None:
    """RECORDS clocks, one in twelve open, spread over assignees and teams; never analyzed (as
    in a store filling under a steady stream: autovacuum off so that it cannot analyze)."""
    conn.execute(sa.text("ALTER TABLE records SET (autovacuum_enabled = false)"))
    conn.execute(
        sa.text(
            "INSERT INTO records (ticket_id, metric, cycle, target, start, due, "
            "business_elapsed, paused_business, calendar_elapsed, state, breached_now, "
            "ever_breached, warnings, explanation, queued, due_sort, start_month, as_of_apart, "
            "team, assignee, ticket_customer) "
            "SELECT 'T' || lpad((g / 4)::text, 7, '0'), 'm' || (g % 4), 0, 3600, 0, "
            "2000000000 + g, 0, 0, 0, 'running', false, false, '[]', '[]', (g % 12 = 0), "
            "2000000000 + g, '2026-12', 1, 'team-' || (g % 7), 'agent-' || (g % 301), "
            "'cust-' || (g % 11) FROM generate_series(0, :n - 1) AS g"
        ),
        {"n": RECORDS},
    )


def _sql(conn: sa.Connection, q: sa.Select[Any]) -> str:
    return str(q.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def _plan(conn: sa.Connection, sql: str) -> str:
    return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))


@pytest.fixture
def filled(pg_url: str) -> Iterator[tuple[SqlStore, sa.Engine]]:
    store = SqlStore(pg_url)
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            _fill(conn)
        yield store, engine
    finally:
        engine.dispose()
        store.close()


def test_a_filtered_queue_read_bounds_the_filters_index_by_queued_and_value(
    filled: tuple[SqlStore, sa.Engine],
) -> None:
    store, engine = filled
    with engine.connect() as conn:
        query = ClockQuery(now=1_900_000_000, assignee="probe-1")
        sql = _sql(conn, store._queue_rows(query).order_by(*_QUEUE_ORDER).limit(50))
        plan = _plan(conn, sql)
        assert "Index Cond: ((queued = true) AND (assignee = 'probe-1'::text))" in plan, plan
        # the test can fail: the same statement without the equality bounds the index by
        # the assignee alone (the whole index is read), or scans the table
        assert " AND records.queued = true" in sql
        former = _plan(conn, sql.replace(" AND records.queued = true", ""))
        assert (
            "Index Cond: (assignee = 'probe-1'::text)" in former or "Seq Scan on records" in former
        ), former


def test_a_filtered_queue_count_counts_the_open_clocks_of_that_value(
    filled: tuple[SqlStore, sa.Engine],
) -> None:
    store, engine = filled
    for field, value in (("assignee", "probe-1"), ("assignee", "agent-12"), ("team", "team-3")):
        query = ClockQuery(now=1_900_000_000, **{field: value})  # type: ignore[arg-type]
        with engine.connect() as conn:
            truth = conn.execute(
                sa.text(f"SELECT count(*) FROM records WHERE queued AND {field} = :v"),
                {"v": value},
            ).scalar_one()
        assert store.count_open_clocks(query) == truth
        assert truth > 0 or value == "probe-1"
