"""The reference engine: the specification of every clock, in plain Python, one ticket at a
time. It is a pure function of (events, configuration, as-of instant); it never reads the
system clock. Events after ``as_of`` do not exist for it.

How a cycle is measured (DESIGN §3):

- The ticket's timeline (:mod:`accord.core.engine.timeline`) gives, after every event, the
  status category and the policy and policy version in force.
- Between two consecutive events the open cycle counts the business time of the calendar of
  the policy in force after the first of them, unless the clock is paused there (the status is
  in the metric's pause set, or outside its counting set); paused business time is kept apart.
  Stretches under no policy, or under a policy that does not name the metric, count nothing.
- The target is the one in force at the cycle's end point (its stop, its cancellation, or
  ``as_of`` while open) for the priority then. It is met when business elapsed ≤ target.
- ``due`` is the earliest instant at which elapsed reached the target: found in the counted
  stretches when it was reached there (so a raised priority gives a due instant in the past),
  otherwise projected forward from the end point on the calendar in force (unknown while
  paused). ``breached_at`` is that instant for a breached cycle.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol, cast

from accord.core.calendar import BusinessCalendar
from accord.core.config.resolved import Configuration, PolicyVersionResolved
from accord.core.engine.clocks import ClockSpec, clock_for
from accord.core.engine.timeline import Moment, Timeline, build_timeline, matches
from accord.core.events import SOLVED_CATEGORIES, Event, Kind, StatusCategory
from accord.core.records import MetricRecord, State, Step, Warning_
from accord.core.timeutil import Instant, format_duration


class Calendar(Protocol):
    """What the engine needs of a calendar (see :class:`accord.core.calendar.BusinessCalendar`)."""

    def elapsed(self, start: int, end: int) -> int: ...

    def due(self, start: int, seconds: int) -> int | None: ...


@dataclass(slots=True)
class _Segment:
    """A stretch in which the cycle's clock ran; ``before`` is the elapsed time before it."""

    start: Instant
    end: Instant
    calendar: Calendar
    before: int
    length: int


@dataclass(slots=True)
class _Cycle:
    start: Instant
    accounted_to: Instant
    segments: list[_Segment] = field(default_factory=list)
    elapsed: int = 0
    paused: int = 0
    stop: Instant | None = None
    end_moment: Moment | None = None
    cancelled: bool = False
    is_paused: bool = False
    steps: list[Step] = field(default_factory=list)

    def instant_at(self, x: int) -> Instant | None:
        """The earliest instant at which this cycle's elapsed time reached ``x`` seconds."""
        if x <= 0:
            return self.start
        for seg in self.segments:
            if seg.before + seg.length >= x:
                return seg.calendar.due(seg.start, x - seg.before)
        return None


def compute(events: Iterable[Event], config: Configuration, as_of: Instant) -> list[MetricRecord]:
    """Every ticket's metric records at ``as_of`` (ordered by ticket, metric, cycle)."""
    by_ticket: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_ticket[e.ticket_id].append(e)
    out: list[MetricRecord] = []
    for ticket_id in sorted(by_ticket):
        out.extend(compute_ticket(ticket_id, by_ticket[ticket_id], config, as_of))
    return out


def compute_ticket(
    ticket_id: str, events: Sequence[Event], config: Configuration, as_of: Instant
) -> list[MetricRecord]:
    """One ticket's metric records at ``as_of``."""
    tl = build_timeline(ticket_id, events, config, as_of)
    if not tl.moments:
        return []
    out: list[MetricRecord] = []
    for metric in _metrics_of(tl):
        clock = clock_for(metric, config.metrics)
        if clock is None:  # the loader rejects unknown metrics; nothing to measure here
            continue
        cycles = _run_clock(tl, metric, clock, config, as_of)
        out.extend(_judge(tl, metric, cycles, config, as_of))
    return out


def _metrics_of(tl: Timeline) -> list[str]:
    seen: dict[str, None] = {}
    for m in tl.moments:
        if m.version is not None:
            for name in m.version.metrics:
                seen.setdefault(name, None)
    return list(seen)


def _measures(v: PolicyVersionResolved | None, metric: str) -> bool:
    return v is not None and metric in v.metrics


def _is_paused(
    status: StatusCategory, clock: ClockSpec, v: PolicyVersionResolved, metric: str
) -> bool:
    if clock.pause == "counting":
        return status not in clock.statuses
    if clock.pause == "none":
        return False
    if clock.pause == "fixed":
        return status in clock.statuses
    return status in v.pause_set(metric)


def _describe(m: Moment) -> str:
    e = m.event
    if m.is_creation:
        text = "ticket created"
        if e.kind is not Kind.CREATED:
            text += f" (first event: {e.kind.value})"
        return text
    if e.kind is Kind.MESSAGE:
        vis = "public" if e.public else "internal"
        return f"{vis} message from {e.actor.value if e.actor else 'unknown'}"
    if e.kind is Kind.DELETED:
        return "ticket deleted"
    if m.changed:
        return "; ".join(f"{k} → {_fmt(v[1])}" for k, v in m.changed.items())
    return e.kind.value


def _fmt(v: object) -> str:
    if isinstance(v, tuple):
        return "[" + ", ".join(v) + "]"
    return "∅" if v is None else str(v)


def _account(
    cur: _Cycle, prev: Moment, until: Instant, metric: str, clock: ClockSpec, config: Configuration
) -> None:
    """Count [cur.accounted_to, until) under the state after ``prev``."""
    a = cur.accounted_to
    if until <= a:
        return
    v = prev.version
    if v is not None and metric in v.metrics:
        cal = cast(Calendar, config.calendars[v.calendar])
        bt = cal.elapsed(a, until)
        if _is_paused(prev.status, clock, v, metric):
            cur.paused += bt
        elif bt > 0:
            cur.segments.append(_Segment(a, until, cal, cur.elapsed, bt))
            cur.elapsed += bt
    cur.accounted_to = until


def _run_clock(
    tl: Timeline, metric: str, clock: ClockSpec, config: Configuration, as_of: Instant
) -> list[_Cycle]:
    cycles: list[_Cycle] = []
    cur: _Cycle | None = None
    armed = clock.armed_by is None
    prev: Moment | None = None

    def open_cycle(m: Moment, why: str) -> _Cycle:
        c = _Cycle(start=m.t, accounted_to=m.t)
        c.steps.append(
            Step(m.t, "start", f"{why}; {_configuration_in_force(m, config)}", m.event.event_id)
        )
        cycles.append(c)
        return c

    for m in tl.moments:
        eid = m.event.event_id
        if cur is not None and prev is not None:
            _account(cur, prev, m.t, metric, clock, config)
            _note_changes(cur, prev, m, metric)
            if _restart_due(prev, m, metric):
                cur.start = cur.accounted_to = m.t
                cur.segments.clear()
                cur.elapsed = cur.paused = 0
                cur.steps.append(
                    Step(
                        m.t,
                        "restart",
                        "clock restarted at the change (priority_change: restart)",
                        eid,
                    )
                )
        just_opened = False
        if cur is not None:
            if matches(clock.stop, m):
                cur.stop, cur.end_moment = m.t, m
                cur.steps.append(Step(m.t, "stop", _describe(m), eid))
                cur = None
                if clock.restart_on_stop and m.status not in SOLVED_CATEGORIES:
                    cur = open_cycle(m, _describe(m))
                    just_opened = True
            elif (clock.cancel is not None and matches(clock.cancel, m)) or (
                m.event.kind is Kind.DELETED
            ):
                cur.stop, cur.end_moment, cur.cancelled = m.t, m, True
                cur.steps.append(Step(m.t, "cancel", _describe(m), eid))
                cur = None
        elif clock.reopenable and m.reopened and cycles and not cycles[-1].cancelled:
            rule = m.version.reopen_rule(metric) if m.version is not None else "continue"
            if rule == "continue":
                cur = cycles[-1]
                cur.stop, cur.end_moment, cur.accounted_to = None, None, m.t
                cur.steps.append(
                    Step(m.t, "resume", f"reopened ({_describe(m)}); reopen: continue", eid)
                )
            else:
                cur = open_cycle(m, f"reopened ({_describe(m)}); reopen: new_cycle")
            just_opened = True
        if (
            cur is None
            and armed
            and m.event.kind is not Kind.DELETED
            and (clock.repeat or not cycles)
            and not (clock.while_unsolved and m.status in SOLVED_CATEGORIES)
            and matches(clock.start, m)
        ):
            cur = open_cycle(m, _describe(m))
            just_opened = True
            if clock.stop != clock.start and matches(clock.stop, m):
                cur.stop, cur.end_moment = m.t, m
                cur.steps.append(Step(m.t, "stop", _describe(m), eid))
                cur = None
        if cur is not None:
            _note_pause(cur, m, metric, clock, just_opened)
        for note in m.notes:
            if cur is not None:
                cur.steps.append(Step(m.t, "note", note, eid))
        if not armed and clock.armed_by is not None and matches(clock.armed_by, m):
            armed = True
        prev = m
    if cur is not None and prev is not None:
        _account(cur, prev, as_of, metric, clock, config)
        cur.end_moment = None
    return cycles


def _configuration_in_force(m: Moment, config: Configuration) -> str:
    """Which policy version and calendar version judge the clock from ``m`` on."""
    if m.policy is None or m.version is None:
        return "no policy matches the ticket"
    cal = config.calendars.get(m.version.calendar)
    text = f"policy {m.policy.name} v{m.version.number}, calendar {m.version.calendar}"
    if isinstance(cal, BusinessCalendar):
        local_day = datetime.fromtimestamp(m.t, cal.tz).date()
        text += f" v{cal.version_on(local_day)} ({cal.describe(local_day)})"
    return text


def _restart_due(prev: Moment, m: Moment, metric: str) -> bool:
    if m.version is None or m.version.priority_change_rule(metric) != "restart":
        return False
    policy_changed = (prev.policy.name if prev.policy else None) != (
        m.policy.name if m.policy else None
    )
    return policy_changed or prev.priority != m.priority


def _note_changes(cur: _Cycle, prev: Moment, m: Moment, metric: str) -> None:
    eid = m.event.event_id
    before = prev.policy.name if prev.policy else None
    after = m.policy.name if m.policy else None
    if before != after:
        cur.steps.append(
            Step(m.t, "policy", f"policy {before or '∅'} → {after or '∅'} ({_describe(m)})", eid)
        )
    elif (
        prev.version is not None
        and m.version is not None
        and (prev.version.number != m.version.number)
    ):
        cur.steps.append(
            Step(
                m.t,
                "policy",
                f"policy {after} version {prev.version.number} → {m.version.number}",
                eid,
            )
        )
    if prev.priority != m.priority:
        t0 = prev.version.target(metric, prev.priority) if prev.version else None
        t1 = m.version.target(metric, m.priority) if m.version else None
        cur.steps.append(
            Step(
                m.t,
                "priority",
                f"priority {prev.priority or '∅'} → "
                f"{m.priority or '∅'}; target {format_duration(t0)} → "
                f"{format_duration(t1)}",
                eid,
            )
        )


def _note_pause(cur: _Cycle, m: Moment, metric: str, clock: ClockSpec, just_opened: bool) -> None:
    """Record pause / resume steps when the clock's running state flips at ``m``."""
    v = m.version
    if not _measures(v, metric):
        paused, why = True, "no policy measures this metric"
    else:
        assert v is not None
        paused = _is_paused(m.status, clock, v, metric)
        why = f"status {m.status.value}"
    if paused != cur.is_paused or (just_opened and paused):
        cur.steps.append(Step(m.t, "pause" if paused else "resume", why, m.event.event_id))
        cur.is_paused = paused


_PROJECTED = (State.RUNNING, State.MET)


def _judge(
    tl: Timeline, metric: str, cycles: list[_Cycle], config: Configuration, as_of: Instant
) -> list[MetricRecord]:
    last = tl.moments[-1]
    records: list[MetricRecord] = []
    for n, c in enumerate(cycles, start=1):
        end_m = c.end_moment or last
        end_t = c.stop if c.stop is not None else as_of
        v = end_m.version
        measured = _measures(v, metric)
        target = v.target(metric, end_m.priority) if v is not None and measured else None
        cal = v.calendar if v is not None else None
        steps = list(c.steps)
        crossing = c.instant_at(target) if target is not None else None
        late = target is not None and c.elapsed > target
        if c.cancelled or not measured:
            state = State.BREACHED if late else State.CANCELLED
            if not measured and not c.cancelled:
                steps.append(
                    Step(
                        end_t,
                        "cancel",
                        f"policy {end_m.policy.name if end_m.policy else '∅'} "
                        "does not measure this metric",
                        None,
                    )
                )
        elif c.stop is not None:
            state = State.BREACHED if late else State.MET
        elif late:
            state = State.BREACHED
        else:
            state = State.PAUSED if c.is_paused else State.RUNNING
        due: Instant | None = crossing
        if due is None and target is not None and v is not None and state in _PROJECTED:
            # not reached yet: project forward from the end point as if the clock ran on
            calendar = cast(Calendar, config.calendars[v.calendar])
            due = calendar.due(end_t, target - c.elapsed)
        records.append(
            MetricRecord(
                ticket_id=tl.ticket_id,
                metric=metric,
                cycle=n,
                policy=end_m.policy.name if end_m.policy else None,
                policy_version=v.number if v is not None else None,
                calendar=cal,
                priority=end_m.priority,
                customer=end_m.field_str("customer"),
                team=end_m.field_str("team"),
                assignee=end_m.field_str("assignee"),
                channel=end_m.field_str("channel"),
                target=target,
                start=c.start,
                stop=c.stop,
                due=due,
                breached_at=crossing if state is State.BREACHED else None,
                business_elapsed=c.elapsed,
                paused_business=c.paused,
                calendar_elapsed=end_t - c.start,
                state=state,
                breached_now=False,
                ever_breached=False,
                as_of=as_of,
                warnings=_warnings(c, v, metric, target),
                explanation=tuple(steps),
            )
        )
    ever = any(r.state is State.BREACHED for r in records)
    now = bool(records) and records[-1].state is State.BREACHED
    return [replace(r, breached_now=now, ever_breached=ever) for r in records]


def _warnings(
    c: _Cycle, v: PolicyVersionResolved | None, metric: str, target: int | None
) -> tuple[Warning_, ...]:
    if v is None or target is None or target <= 0:
        return ()
    w = v.warnings_for(metric)
    found: list[Warning_] = []
    for share in w.shares:
        thr = math.ceil(share * target)
        at = c.instant_at(thr) if c.elapsed >= thr else None
        if at is not None:
            found.append(Warning_(f"{share:.0%}", at))
    for rem in w.remaining:
        thr = max(target - rem, 0)
        at = c.instant_at(thr) if c.elapsed >= thr else None
        if at is not None:
            found.append(Warning_(f"{format_duration(rem)} left", at))
    return tuple(sorted(found, key=lambda x: x.at))
