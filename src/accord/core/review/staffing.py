"""Agents needed per interval of the week from a workload (:mod:`.arrivals`), and the inverse:
what a given number of agents achieves. Pure: no I/O.

For each interval the calendar is open, the work picked up in it (live arrivals and the
deferred backlog released at an opening) is spread over its open time: that rate times the
handle time is the load in Erlangs, and Erlang C (or A, with a patience) gives the fewest
agents that answer the goal share within target. An opening that releases a backlog is also
checked on its own: the backlog all starts at once, and ``n`` agents answer ``n`` contacts per
handle time, so the share answered within ``t`` is ``min(1, n·(⌊t/h⌋+1)/backlog)``. The agents
needed are the larger of the two answers (docs/review.md explains why, and the limits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from accord.core.review.arrivals import GroupLoad, IntervalLoad, label
from accord.core.review.capacity import (
    Queue,
    agents_needed,
    best_target,
    service_level,
)
from accord.errors import InputError

__all__ = ["GroupPlan", "IntervalPlan", "Plan", "plan"]

Limit = Literal["queue", "opening backlog"]


@dataclass(frozen=True, slots=True)
class IntervalPlan:
    """One interval of the average week (counts are per occurrence of the interval)."""

    day: str
    start: str
    end: str
    open_share: float  # of the interval's wall time, the share the calendar is open
    arrivals: float  # contacts arriving in it, open or closed
    deferred: float  # contacts arrived while closed and picked up at an opening in it
    erlangs: float | None  # offered load while open; None when the calendar is closed
    agents_needed: int
    limited_by: Limit | None
    agents: int | None  # available (given), None when not given
    service_level: float | None  # share answered in target with the given agents (lower of
    # the queue's and the opening backlog's)
    backlog_met: float | None  # share of an opening's backlog answered within target
    best_target_seconds: int | None  # shortest target the given agents meet; None: none
    reachable: bool  # False when no target is reachable with the given agents
    shortfall: int  # agents needed beyond those given (0 without --agents)


@dataclass(frozen=True, slots=True)
class GroupPlan:
    group: str | None
    calendar: str
    tz: str
    start: int
    end: int
    weeks: float
    aht_seconds: float
    aht_source: str
    arrivals: int
    deferred: int
    intervals: tuple[IntervalPlan, ...]
    notes: tuple[str, ...]

    @property
    def shortfalls(self) -> list[IntervalPlan]:
        return [i for i in self.intervals if i.shortfall > 0 or not i.reachable]

    @property
    def peak_agents(self) -> int:
        return max((i.agents_needed for i in self.intervals), default=0)


@dataclass(frozen=True, slots=True)
class Plan:
    metric: str
    goal: float
    target: int | None
    patience: float | None
    concurrency: float
    agents: int | None
    groups: tuple[GroupPlan, ...]
    notes: tuple[str, ...] = field(default=())


def plan(
    loads: Sequence[GroupLoad],
    *,
    metric: str,
    goal: float,
    aht: float | None,
    target: int | None,
    patience: float | None = None,
    concurrency: float = 1.0,
    agents: int | None = None,
) -> Plan:
    """Agents needed per interval of each group's week; with ``agents``, what they achieve and
    where they fall short. ``aht`` (seconds) replaces the handle time read from agent_work."""
    if not 0 < goal < 1:
        raise InputError(f"the service level goal must lie between 0 and 1, not {goal}")
    if agents is not None and agents < 0:
        raise InputError("the number of agents cannot be negative")
    notes: list[str] = []
    groups: list[GroupPlan] = []
    pooled = _pooled(loads)
    for load in loads:
        handle, source = _handle(load, aht, pooled)
        groups.append(_group(load, handle, source, goal, target, patience, concurrency, agents))
    if aht is None and groups:
        notes.append(
            "handle time comes from agent_work, which counts every business second a ticket "
            "is new or open (queueing included): an upper bound; give --aht when you know it"
        )
    return Plan(metric, goal, target, patience, concurrency, agents, tuple(groups), tuple(notes))


def _pooled(loads: Sequence[GroupLoad]) -> tuple[float, int] | None:
    """The handle time of every group together, for a group without finished work."""
    seconds = sum(g.work_seconds for g in loads)
    arrivals = sum(g.work_arrivals for g in loads)
    tickets = sum(g.work_tickets for g in loads)
    return (seconds / arrivals, tickets) if arrivals and seconds else None


def _handle(
    load: GroupLoad, aht: float | None, pooled: tuple[float, int] | None
) -> tuple[float, str]:
    if aht is not None:
        return aht, "given"
    own = load.aht_seconds
    if own:
        return own, f"agent_work of {load.work_tickets} ticket(s)"
    if pooled is None:
        raise InputError(
            "no handle time: no ticket has a finished agent_work clock with business time; "
            "give the handle time (--aht, or aht in the API)"
        )
    return pooled[0], f"agent_work of all groups ({pooled[1]} ticket(s))"


def _group(
    load: GroupLoad,
    aht: float,
    source: str,
    goal: float,
    target: int | None,
    patience: float | None,
    concurrency: float,
    agents: int | None,
) -> GroupPlan:
    intervals = tuple(
        _interval(i, load.interval, aht, goal, patience, concurrency, agents)
        for i in load.intervals
    )
    notes = list(load.notes)
    if target is None and all(not i.targets for i in load.intervals):
        raise InputError(
            f"the arrivals on calendar '{load.calendar}' have no target; give one with "
            "--target METRIC=DURATION"
        )
    untargeted = sum(i.untargeted for i in load.intervals)
    if untargeted:
        notes.append(f"{untargeted} arrival(s) without a target add load but no goal")
    deferred = load.deferred
    if deferred:
        share = deferred / max(1, load.arrivals)
        notes.append(
            f"{share:.0%} of arrivals came while the calendar was closed and wait for the "
            "next opening"
        )
    return GroupPlan(
        group=load.group,
        calendar=load.calendar,
        tz=load.tz,
        start=load.start,
        end=load.end,
        weeks=(load.end - load.start) / (7 * 86_400),
        aht_seconds=aht,
        aht_source=source,
        arrivals=load.arrivals,
        deferred=deferred,
        intervals=intervals,
        notes=tuple(notes),
    )


def _interval(
    i: IntervalLoad,
    interval: int,
    aht: float,
    goal: float,
    patience: float | None,
    concurrency: float,
    agents: int | None,
) -> IntervalPlan:
    day, start, end = label(i.slot, interval)
    times = i.exposure / interval  # occurrences of this interval in the range
    per = 1.0 / times if times else 0.0
    targets = [(float(c), float(t)) for t, c in i.targets.items()]
    work = i.live + i.deferred_in
    closed = i.open_seconds == 0
    if closed or not times:
        return IntervalPlan(
            day=day,
            start=start,
            end=end,
            open_share=0.0 if not i.exposure else i.open_seconds / i.exposure,
            arrivals=i.arrivals * per,
            deferred=i.deferred_in * per,
            erlangs=None,
            agents_needed=0,
            limited_by=None,
            agents=agents,
            service_level=None,
            backlog_met=None,
            best_target_seconds=None,
            reachable=True,
            shortfall=0,
        )
    erlangs = work / i.open_seconds * aht
    queue = Queue(erlangs, aht, patience, concurrency)
    backlog = i.deferred_in / i.openings if i.openings else 0.0
    need_q = agents_needed(queue, goal, targets) if targets and work else 0
    need_b = _backlog_agents(backlog, aht, goal, targets, queue) if targets else 0
    need = max(need_q, need_b)
    limit: Limit | None = None if need == 0 else "queue" if need_q >= need_b else "opening backlog"
    sl = met = None
    best: int | None = None
    reachable = True
    if agents is not None:
        if targets:
            # the lower of the two models' shares, as the agents needed are the larger of
            # their answers: short of agents exactly when below the goal
            sl = service_level(queue, agents, targets)
            if backlog:
                met = _backlog_met(backlog, aht, targets, queue.servers(agents))
                sl = min(sl, met)
        best, reachable = _best(queue, agents, goal, backlog, aht)
    return IntervalPlan(
        day=day,
        start=start,
        end=end,
        open_share=i.open_seconds / i.exposure,
        arrivals=i.arrivals * per,
        deferred=i.deferred_in * per,
        erlangs=erlangs,
        agents_needed=need,
        limited_by=limit,
        agents=agents,
        service_level=sl,
        backlog_met=met,
        best_target_seconds=best,
        reachable=reachable,
        shortfall=max(0, need - agents) if agents is not None else 0,
    )


def _rounds(t: float, aht: float) -> int:
    # agents start one backlog contact each per handle time: those started by t are answered
    return math.floor(t / aht) + 1


def _backlog_met(backlog: float, aht: float, targets: Sequence[tuple[float, float]],
                 servers: int) -> float:  # fmt: skip
    if backlog <= 0:
        return 1.0
    total = sum(w for w, _ in targets)
    return sum(w * min(1.0, servers * _rounds(t, aht) / backlog) for w, t in targets) / total


def _backlog_agents(
    backlog: float, aht: float, goal: float, targets: Sequence[tuple[float, float]], q: Queue
) -> int:
    """The fewest agents that answer the goal share of an opening's backlog in time."""
    if backlog <= 0:
        return 0
    lo, hi = 0, max(1, math.ceil(backlog / q.concurrency))  # hi answers all in the first round
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _backlog_met(backlog, aht, targets, q.servers(mid)) >= goal:
            hi = mid
        else:
            lo = mid
    return hi


def _best(
    q: Queue, agents: int, goal: float, backlog: float, aht: float
) -> tuple[int | None, bool]:
    """The shortest target (whole seconds) ``agents`` meet for the goal share, in the queue and
    for an opening's backlog; ``(None, False)`` when none is."""
    t = best_target(q, agents, goal)
    if t is None:
        return None, False
    if backlog > 0:
        servers = q.servers(agents)
        if servers == 0:
            return None, False
        rounds = math.ceil(goal * backlog / servers - 1e-9)
        t = max(t, (rounds - 1) * aht)
    return math.ceil(t - 1e-9), True
