"""The at-risk queue's filtered reads on PostgreSQL, in the store alone: each read's count (up
to the route's cap) and first page, timed on a records table filled by SQL.

The records table gets ``--records`` clocks, one in twelve open (``queued``), spread over 301
assignees, 7 teams, 11 customers and 4 priorities, in a schema of their own that is kept for
the next run (``--schema``), so that two versions of the code read the same rows: run this
once per version, alternating (``PYTHONPATH=<the other version's src>``). ``--analyze`` runs
``ANALYZE`` first (a store the autovacuum has caught up with); without it the table has no
statistics (a store filling faster than autovacuum analyzes it, as under sustained ingest).
Wall times of the read in this process (the database's work included), median of ``--reads``.

    .venv/bin/python bench/bench_queue_filters.py --records 1600000
    .venv/bin/python bench/bench_queue_filters.py --records 1600000 --analyze
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import sqlalchemy as sa

from accord.core.records import State
from accord.io.store import ClockQuery, SqlStore

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CASES: dict[str, dict[str, Any]] = {
    "no filter": {},
    "assignee with no clock": {"assignee": "probe-x"},
    "assignee": {"assignee": "agent-7"},
    "team": {"team": "team-3"},
    "customer": {"customer": "cust-5"},
    "priority with no clock": {"priority": "p2"},
    "state breached": {"state": State.BREACHED},
}


def fill(url: str, records: int) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE records SET (autovacuum_enabled = false)"))
        conn.execute(
            sa.text(
                "INSERT INTO records (ticket_id, metric, cycle, target, start, due, "
                "business_elapsed, paused_business, calendar_elapsed, state, breached_now, "
                "ever_breached, warnings, explanation, queued, due_sort, start_month, "
                "as_of_apart, team, assignee, ticket_customer, customer, priority, policy, "
                "channel) "
                "SELECT 'T' || lpad((g / 4)::text, 7, '0'), 'm' || (g % 4), 0, 3600, 0, "
                "2000000000 + g, 0, 0, 0, 'running', false, false, '[]', '[]', (g % 12 = 0), "
                "2000000000 + g, '2026-12', 1, 'team-' || (g % 7), 'agent-' || (g % 301), "
                "'cust-' || (g % 11), 'cust-' || (g % 11), 'p' || (g % 4), 'pol', 'email' "
                "FROM generate_series(0, :n - 1) AS g"
            ),
            {"n": records},
        )
    engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_600_000)
    ap.add_argument("--schema", default=None, help="default: accord_queue_<records>")
    ap.add_argument("--analyze", action="store_true")
    ap.add_argument("--reads", type=int, default=7)
    args = ap.parse_args()
    schema = args.schema or f"accord_queue_{args.records}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}
        ).first()
        if found is None:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = (
        sa.make_url(PG_URL)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    store = SqlStore(url)  # creates the tables in a new schema
    if found is None:
        fill(url, args.records)
    if args.analyze:
        with admin.begin() as conn:
            conn.execute(sa.text(f'ANALYZE "{schema}".records'))
    admin.dispose()
    print(f"schema {schema}: {args.records:,} records, analyzed: {args.analyze}")
    print("| read | count (capped at 1,001) | page | median ms (count + page) |")
    print("| --- | ---: | ---: | ---: |")
    for name, kw in CASES.items():
        query = ClockQuery(now=1_900_000_000, limit=50, **kw)
        took = []
        for _ in range(args.reads):
            start = time.perf_counter()
            n = store.count_open_clocks(query, at_most=1001)
            page = store.open_clocks(query)
            took.append(time.perf_counter() - start)
        print(f"| {name} | {n:,} | {len(page)} | {1000 * statistics.median(took):.2f} |")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
