"""On PostgreSQL the reads of a recompute pass (its tickets' events, their stored records, the
records view's keys) look each ticket up in its index, whatever the planner guesses: with
``= ANY`` of hundreds of tickets and statistics lagging behind a filling store, it walked the
whole events table by its key (``ORDER BY seq``), and the recompute fell behind ingest. The
rows read are those of the ``IN`` test they replace (the store tests pin them on both
stores)."""

from __future__ import annotations

import sqlalchemy as sa

from accord.io.store import schema as t
from accord.io.store.sql import SqlStore
from accord.io.store.sql.changed import _statements
from accord.io.store.sql.events import _EVENTS_OF, _EVENTS_OF_PG
from accord.io.store.sql.results import _KEYS_OF_PG

EVENTS = 100_000
TICKETS = EVENTS // 4


def _events(conn: sa.Connection, first: int, last: int, tickets: int) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO events (event_id, ticket_id, ts, ts_us, kind, actor, public, fields, "
            "digest, received_at, source) SELECT 'e' || g, "
            "'T' || lpad((g % CAST(:n AS bigint))::text, 7, '0'), "
            "g, 0, 'updated', 'agent', true, '{\"status\": \"open\"}', '\\x00', 0, 'api' "
            "FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint)) AS g"
        ),
        {"n": tickets, "a": first, "b": last},
    )


def _fill(conn: sa.Connection) -> None:
    """EVENTS events of TICKETS tickets (and two records each) that no ANALYZE has seen yet,
    as in a store filling under a steady stream: the planner's guesses of how many rows a
    ticket has are then far off (autovacuum off, so that it cannot analyze mid-test)."""
    for table in ("events", "records"):
        conn.execute(sa.text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
    _events(conn, 1, EVENTS, TICKETS)
    conn.execute(
        sa.text(
            "INSERT INTO records (ticket_id, metric, cycle, target, start, business_elapsed, "
            "paused_business, calendar_elapsed, state, breached_now, ever_breached, warnings, "
            "explanation, queued, due_sort, start_month) "
            "SELECT 'T' || lpad((g / 2)::text, 7, '0'), 'm' || (g % 2), 0, 3600, 0, 0, 0, 0, "
            "'running', false, false, '[]', '[]', (g % 50 = 0), g, '2026-12' "
            "FROM generate_series(0, :r - 1) AS g"
        ),
        {"r": 2 * TICKETS},
    )


def _plan(conn: sa.Connection, sql: str, ids: list[str]) -> str:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute("EXPLAIN " + sql, (ids,))
        return "\n".join(row[0] for row in cur.fetchall())


def test_a_passes_reads_look_each_ticket_up_in_its_index_on_postgresql(pg_url: str) -> None:
    store = SqlStore(pg_url)
    try:
        engine = sa.create_engine(pg_url)
        with engine.begin() as conn:
            _fill(conn)
            ids = [f"T{n:07d}" for n in range(0, TICKETS, TICKETS // 500)][:500]
            # the test can fail: the former read of the same tickets walks the whole table
            former = _plan(conn, f"{_EVENTS_OF} = ANY(%s::text[]) ORDER BY seq", ids)
            assert "Seq Scan on events" in former or "events_pkey" in former, former
            reads = {
                "events": _EVENTS_OF_PG,
                "records": _statements(t.records, ("ticket_id",), conn.dialect).select_any,
                "keys": _KEYS_OF_PG,
            }
            for name, sql in reads.items():
                plan = _plan(conn, sql, ids)
                assert "Seq Scan on events" not in plan, (name, plan)
                assert "events_pkey" not in plan, (name, plan)
                assert "Seq Scan on records" not in plan, (name, plan)
                assert "Index" in plan, (name, plan)
        engine.dispose()
        # and the rows are each ticket's, in arrival order
        got = store.event_rows_of(["T0000002", "T0000001"])
        for n in (1, 2):
            rows = got[f"T{n:07d}"]
            want = [g for g in range(1, EVENTS + 1) if g % TICKETS == n]
            assert [row[1] for row in rows] == [f"e{g}" for g in want]
            assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    finally:
        store.close()
