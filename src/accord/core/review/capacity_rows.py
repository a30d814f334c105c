"""The capacity figures as JSON-ready dicts and CSV rows, the same for ``accord review
capacity`` and ``/api/v1/review/capacity``. Every number is finite: an infinite wait or an
unreachable target is ``null``, with ``stable: false`` or ``reachable: false`` and a message.
Pure: no I/O."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from accord.core.review.capacity import Queue, agents_needed, evaluate
from accord.core.review.staffing import GroupPlan, IntervalPlan, Plan
from accord.core.timeutil import iso
from accord.errors import InputError

__all__ = [
    "CALCULATOR_COLUMNS",
    "INTERVAL_COLUMNS",
    "calculator",
    "plan_json",
    "plan_rows",
    "to_csv",
]

CALCULATOR_COLUMNS = (
    "model", "calls", "interval_seconds", "aht_seconds", "answer_within_seconds",
    "patience_seconds", "concurrency", "erlangs", "agents", "stable", "p_wait", "p_abandon",
    "service_level", "asa_seconds", "occupancy", "service_level_goal", "agents_needed",
    "message",
)  # fmt: skip

INTERVAL_COLUMNS = (
    "day", "from", "to", "open_share", "arrivals", "deferred", "erlangs", "agents_needed",
    "limited_by", "agents", "service_level", "backlog_met", "best_target_seconds", "reachable",
    "shortfall",
)  # fmt: skip
GROUP_COLUMNS = ("group", "calendar", "tz", "aht_seconds")


def _finite(value: float | None, digits: int | None = None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits) if digits is not None else value


def calculator(
    *,
    calls: float,
    interval: int,
    aht: int,
    answer_within: int,
    agents: int | None = None,
    goal: float | None = None,
    patience: int | None = None,
    concurrency: float = 1.0,
) -> dict[str, Any]:
    """The calculator: ``calls`` contacts per ``interval`` seconds, each taking ``aht``
    seconds; the figures with ``agents``, and with ``goal`` the fewest agents that answer that
    share within ``answer_within`` seconds (the figures are then those of that many agents
    when ``agents`` is not given)."""
    if not math.isfinite(calls) or calls < 0:
        raise InputError(f"the number of contacts must be zero or more, not {calls}")
    if interval <= 0:
        raise InputError("the interval must be longer than 0 seconds")
    if aht <= 0:
        raise InputError("the handle time must be longer than 0 seconds")
    if answer_within < 0:
        raise InputError("the answer-within time cannot be negative")
    if agents is None and goal is None:
        raise InputError("give the agents (--agents) or a service level goal (--service-level)")
    if agents is not None and agents < 0:
        raise InputError(f"the number of agents cannot be negative, not {agents}")
    queue = Queue(calls / interval * aht, float(aht), patience, concurrency)
    needed = None if goal is None else agents_needed(queue, goal, [(1.0, answer_within)])
    shown = agents if agents is not None else needed
    assert shown is not None
    f = evaluate(queue, shown, answer_within)
    message = f.message
    if message is None and calls == 0:
        message = "no contacts: nothing waits and no agent is needed"
    return {
        "model": f.model,
        "calls": calls,
        "interval_seconds": interval,
        "aht_seconds": aht,
        "answer_within_seconds": answer_within,
        "patience_seconds": patience,
        "concurrency": concurrency,
        "erlangs": f.erlangs,
        "agents": shown,
        "stable": f.stable,
        "p_wait": _finite(f.p_wait),
        "p_abandon": _finite(f.p_abandon),
        "service_level": _finite(f.service_level),
        "asa_seconds": _finite(f.asa_seconds),
        "occupancy": _finite(None if f.occupancy is None else min(1.0, f.occupancy)),
        "service_level_goal": goal,
        "agents_needed": needed,
        "message": message,
    }


def _interval(i: IntervalPlan) -> dict[str, Any]:
    return {
        "day": i.day,
        "from": i.start,
        "to": i.end,
        "open_share": _finite(i.open_share, 6),
        "arrivals": _finite(i.arrivals, 6),
        "deferred": _finite(i.deferred, 6),
        "erlangs": _finite(i.erlangs, 6),
        "agents_needed": i.agents_needed,
        "limited_by": i.limited_by,
        "agents": i.agents,
        "service_level": _finite(i.service_level, 6),
        "backlog_met": _finite(i.backlog_met, 6),
        "best_target_seconds": i.best_target_seconds,
        "reachable": i.reachable,
        "shortfall": i.shortfall,
    }


def _group(g: GroupPlan, by: str | None) -> dict[str, Any]:
    return {
        "by": by,
        "group": g.group,
        "calendar": g.calendar,
        "tz": g.tz,
        "from": iso(g.start),
        "to": iso(g.end),
        "weeks": round(g.weeks, 4),
        "aht_seconds": _finite(g.aht_seconds, 3),
        "aht_source": g.aht_source,
        "arrivals": g.arrivals,
        "deferred": g.deferred,
        "peak_agents_needed": g.peak_agents,
        "notes": list(g.notes),
        "intervals": [_interval(i) for i in g.intervals],
        "shortfalls": [_interval(i) for i in g.shortfalls],
    }


def plan_json(plan: Plan, *, by: str | None, interval: int) -> dict[str, Any]:
    """The whole plan: the settings it was made with, then one entry per group."""
    return {
        "metric": plan.metric,
        "service_level_goal": plan.goal,
        "target_seconds": plan.target,
        "patience_seconds": plan.patience,
        "concurrency": plan.concurrency,
        "agents": plan.agents,
        "interval_seconds": interval,
        "model": "erlang_c" if plan.patience is None else "erlang_a",
        "notes": list(plan.notes),
        "groups": [_group(g, by) for g in plan.groups],
    }


def plan_rows(plan: Plan) -> list[dict[str, Any]]:
    """One CSV row per group and interval of the week."""
    rows: list[dict[str, Any]] = []
    for g in plan.groups:
        head = {
            "group": g.group,
            "calendar": g.calendar,
            "tz": g.tz,
            "aht_seconds": _finite(g.aht_seconds, 3),
        }
        rows.extend({**head, **_interval(i)} for i in g.intervals)
    return rows


ROW_COLUMNS = (*GROUP_COLUMNS, *INTERVAL_COLUMNS)


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """CSV text with the cells spelled as in the JSON (empty for null, true/false)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: _cell(row.get(k)) for k in columns})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
