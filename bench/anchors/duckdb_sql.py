"""The DuckDB SQL anchor: per ticket and metric, the business seconds of the simple case in
one query, as the dbt_zendesk SLA models compute them.

- a calendar table: one working interval per local day and window, the holidays removed,
  each bound converted from New York wall time to UTC (``timezone``), so that DST is right;
- each ticket's events in order, its status category carried forward, and the stretch from
  each event to the next (the last one to the as-of instant);
- the stretches in which a clock runs: from the creation to the clock's end (first
  response: the first public agent message, or the status becoming solved/closed, or the
  deletion; resolution: the deletion), not in a paused status (resolution: only in
  ``new``/``open``, since solved/closed stops it and a reopen continues it);
- an interval join of those stretches with the calendar, summing the overlap seconds.

The state follows from the elapsed seconds, the end of the clock and the status at the end.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from .case import DONE, SimpleCase

QUERY = """
WITH
statuses(name, category) AS (VALUES {statuses}),
hours(dow, open_s, close_s) AS (VALUES {hours}),
holidays(d) AS (VALUES {holidays}),
targets(metric, target) AS (VALUES {targets}),
days AS (
    SELECT CAST(d AS DATE) AS d
    FROM range(TIMESTAMP '{first}', TIMESTAMP '{last}' + INTERVAL 1 DAY, INTERVAL 1 DAY) r(d)
),
calendar AS (  -- working intervals per local day, in UTC seconds
    SELECT
        CAST(epoch(timezone('{tz}', days.d + to_seconds(h.open_s))) AS BIGINT) AS w_start,
        CAST(epoch(timezone('{tz}', days.d + to_seconds(h.close_s))) AS BIGINT) AS w_end
    FROM days JOIN hours h ON isodow(days.d) = h.dow
    WHERE days.d NOT IN (SELECT d FROM holidays)
),
events AS (
    SELECT e.ticket_id, CAST(epoch(e.ts) AS BIGINT) AS t, e.file_row_number AS arrival,
           e.kind, e.actor, e.public, s.category
    FROM read_parquet('{path}', file_row_number = true) e
    LEFT JOIN statuses s ON s.name = lower(e.status)
    WHERE epoch(e.ts) <= {as_of}
),
ordered AS (  -- each ticket's timeline; ties in time keep the order of arrival
    SELECT ticket_id, t, kind, actor, public,
        row_number() OVER w AS pos,
        lead(t, 1, {as_of}) OVER w AS next_t,
        coalesce(last_value(category IGNORE NULLS) OVER (
            PARTITION BY ticket_id ORDER BY t, arrival
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), 'new') AS cat
    FROM events
    WINDOW w AS (PARTITION BY ticket_id ORDER BY t, arrival)
),
timeline AS (
    SELECT *, lag(cat, 1, 'new') OVER (PARTITION BY ticket_id ORDER BY pos) AS cat_before
    FROM ordered
),
tickets AS (
    SELECT ticket_id,
        coalesce(min(pos) FILTER (WHERE kind = 'created'), 1) AS start_pos,
        min(pos) FILTER (WHERE kind = 'deleted') AS deleted_pos,
        min(pos) FILTER (WHERE kind = 'message' AND actor = 'agent' AND public) AS reply_pos,
        min(pos) FILTER (WHERE cat IN {done} AND cat_before NOT IN {done}) AS solved_pos,
        arg_max(cat, pos) AS last_cat,
        arg_min(cat_before, pos) FILTER (WHERE kind = 'deleted') AS deleted_cat
    FROM timeline
    GROUP BY ticket_id
),
clocks AS (  -- where each clock ends (a position: the stretches before it count)
    SELECT ticket_id, start_pos, reply_pos, deleted_pos,
        coalesce(deleted_cat, last_cat) AS end_cat,
        least(reply_pos, solved_pos, deleted_pos) AS fr_end_pos
    FROM tickets
),
running AS (  -- the stretches in which each clock runs
    SELECT l.ticket_id, m.metric, l.t AS s_start, l.next_t AS s_end
    FROM timeline l
    JOIN clocks c USING (ticket_id)
    CROSS JOIN (VALUES ('first_response'), ('resolution')) m(metric)
    WHERE l.next_t > l.t AND l.pos >= c.start_pos AND CASE m.metric
        WHEN 'first_response' THEN l.pos < coalesce(c.fr_end_pos, l.pos + 1)
            AND l.cat NOT IN {pause}
        ELSE l.pos < coalesce(c.deleted_pos, l.pos + 1) AND l.cat NOT IN {pause}
            AND l.cat NOT IN {done}
    END
),
elapsed AS (  -- the interval join: overlap of running stretches and working intervals
    SELECT r.ticket_id, r.metric,
        sum(least(r.s_end, w.w_end) - greatest(r.s_start, w.w_start)) AS business_elapsed
    FROM running r JOIN calendar w ON w.w_start < r.s_end AND w.w_end > r.s_start
    GROUP BY r.ticket_id, r.metric
)
SELECT c.ticket_id, m.metric,
    CAST(coalesce(e.business_elapsed, 0) AS BIGINT) AS business_elapsed,
    CASE
        WHEN coalesce(e.business_elapsed, 0) > m.target THEN 'breached'
        WHEN m.metric = 'first_response' AND c.fr_end_pos IS NOT NULL THEN
            CASE WHEN c.fr_end_pos = c.reply_pos THEN 'met' ELSE 'cancelled' END
        WHEN m.metric = 'resolution' AND c.end_cat IN {done} THEN 'met'
        WHEN m.metric = 'resolution' AND c.deleted_pos IS NOT NULL THEN 'cancelled'
        WHEN c.end_cat IN {pause} THEN 'paused'
        ELSE 'running'
    END AS state
FROM clocks c
CROSS JOIN targets m
LEFT JOIN elapsed e ON e.ticket_id = c.ticket_id AND e.metric = m.metric
"""


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _tuple(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_quote(v) for v in values) + ")"


def query(path: str | Path, as_of: int, case: SimpleCase, first: date, last: date) -> str:
    """The SQL text for the log at ``path``, judged at ``as_of``, with a calendar from local
    date ``first`` to ``last``."""
    hols = case.holidays(first, last) or [date(1900, 1, 1)]
    return QUERY.format(
        statuses=", ".join(f"({_quote(k)}, {_quote(v)})" for k, v in case.status_map().items()),
        hours=", ".join(f"({d}, {o}, {c})" for d, ws in case.hours.items() for o, c in ws),
        holidays=", ".join(f"(DATE '{d.isoformat()}')" for d in hols),
        targets=", ".join(f"({_quote(k)}, {v})" for k, v in case.targets.items()),
        first=first.isoformat(),
        last=last.isoformat(),
        tz=case.tz,
        path=str(path).replace("'", "''"),
        as_of=int(as_of),
        done=_tuple(DONE),
        pause=_tuple(case.pause),
    )


def _span(con: Any, path: str | Path, as_of: int, case: SimpleCase) -> tuple[date, date]:
    """The calendar's local dates: the first event's day to the as-of instant's (a dbt date
    spine)."""
    rows: Any = con.execute(
        f"SELECT CAST(min(epoch(ts)) AS BIGINT) FROM read_parquet('{_esc(path)}')"
    ).fetchall()
    first_ts = int(rows[0][0]) if rows and rows[0][0] is not None else as_of
    return case.days(first_ts, as_of)


def duckdb_anchor(path: str | Path, as_of: int, case: SimpleCase, threads: int = 1) -> pa.Table:
    """``ticket_id``, ``metric``, ``business_elapsed``, ``state`` of every ticket of the Parquet
    log at ``path``, computed by DuckDB on ``threads`` threads."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"SET threads = {int(threads)}")
        first, last = _span(con, path, as_of, case)
        rel = con.sql(query(path, as_of, case, first, last))
        # a relation's table is to_arrow_table() in DuckDB 2, arrow() in 1.x
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
        table: pa.Table = fetch()
        return table
    finally:
        con.close()


def duckdb_to_parquet(
    path: str | Path, as_of: int, case: SimpleCase, out: str | Path, threads: int = 1
) -> None:
    """The same answers written by DuckDB to the Parquet file ``out``: what a script run as a
    whole process does (``bench/bench_end_to_end.py`` times it against ``accord sla``)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"SET threads = {int(threads)}")
        first, last = _span(con, path, as_of, case)
        sql = query(path, as_of, case, first, last)
        con.execute(f"COPY ({sql}) TO '{_esc(out)}' (FORMAT parquet)")
    finally:
        con.close()


def _esc(path: str | Path) -> str:
    return str(path).replace("'", "''")
