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

The counting itself is shared with the internal agreements' clocks (:mod:`.accounting`,
:mod:`.agreements`, run when asked with ``agreements=True``); every counted stretch is kept,
so that :func:`attribute` can split each cycle's time by its holders (:mod:`.attribution`).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from accord.core.calendar import BusinessCalendar
from accord.core.config.resolved import Configuration, PolicyVersionResolved
from accord.core.engine.accounting import (
    Calendar,
    Cycle,
    Piece,
    Rules,
    account,
    describe,
    measures,
    note_changes,
    note_pause,
    policy_rules,
)
from accord.core.engine.agreements import run_agreement
from accord.core.engine.attribution import Attribution, attribution_rows, check_dimensions
from accord.core.engine.clocks import ClockSpec, clock_for
from accord.core.engine.timeline import Moment, Timeline, build_timeline, matches
from accord.core.events import SOLVED_CATEGORIES, Event, Kind
from accord.core.records import MetricRecord, State, Step, Warning_
from accord.core.timeutil import Instant, format_duration


def compute(
    events: Iterable[Event], config: Configuration, as_of: Instant, *, agreements: bool = False
) -> list[MetricRecord]:
    """Every ticket's metric records at ``as_of`` (ordered by ticket, metric, cycle).

    ``agreements``: also the records of the configuration's internal agreements (metric
    ``ola:<name>``, after the ticket's SLA metrics, in the order the agreements are written).
    They are internal: computed only when asked for.
    """
    out: list[MetricRecord] = []
    for ticket_id, evs in _by_ticket(events):
        out.extend(r for r, _ in _clocks(ticket_id, evs, config, as_of, agreements))
    return out


def compute_ticket(
    ticket_id: str,
    events: Sequence[Event],
    config: Configuration,
    as_of: Instant,
    *,
    agreements: bool = False,
) -> list[MetricRecord]:
    """One ticket's metric records at ``as_of``."""
    return [r for r, _ in _clocks(ticket_id, events, config, as_of, agreements)]


def attribute(
    events: Iterable[Event],
    config: Configuration,
    as_of: Instant,
    dimensions: Sequence[str],
    *,
    agreements: bool = False,
) -> tuple[list[MetricRecord], list[Attribution]]:
    """:func:`compute`, and every cycle's time split by the holders in ``dimensions`` (see
    :mod:`accord.core.engine.attribution`): one row per cycle and holder, in the records'
    order, then by the holder's first counted stretch."""
    dims = check_dimensions(dimensions)
    records: list[MetricRecord] = []
    rows: list[Attribution] = []
    for ticket_id, evs in _by_ticket(events):
        for record, cycle in _clocks(ticket_id, evs, config, as_of, agreements):
            records.append(record)
            rows.extend(attribution_rows(record, cycle.pieces, dims))
    return records, rows


def counted(
    events: Iterable[Event],
    config: Configuration,
    as_of: Instant,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[MetricRecord, list[Piece]]]:
    """Every SLA record at ``as_of`` with the stretches its cycle counted (each with the
    moment it follows, its span, calendar and business seconds): what the breach drivers
    (:mod:`accord.core.review.drivers`) split by holder, hour and weekday. ``progress``
    hears the number of events done, a ticket at a time."""
    out: list[tuple[MetricRecord, list[Piece]]] = []
    done = 0
    for ticket_id, evs in _by_ticket(events):
        for record, cycle in _clocks(ticket_id, evs, config, as_of, False):
            out.append((record, list(cycle.pieces)))
        done += len(evs)
        if progress is not None:
            progress(done)
    return out


def _by_ticket(events: Iterable[Event]) -> list[tuple[str, list[Event]]]:
    by_ticket: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_ticket[e.ticket_id].append(e)
    return [(t, by_ticket[t]) for t in sorted(by_ticket)]


def _clocks(
    ticket_id: str,
    events: Sequence[Event],
    config: Configuration,
    as_of: Instant,
    agreements: bool,
) -> list[tuple[MetricRecord, Cycle]]:
    """One ticket's records at ``as_of``, each with the cycle it judges."""
    tl = build_timeline(ticket_id, events, config, as_of)
    if not tl.moments:
        return []
    out: list[tuple[MetricRecord, Cycle]] = []
    for metric in _metrics_of(tl):
        clock = clock_for(metric, config.metrics)
        if clock is None:  # the loader rejects unknown metrics; nothing to measure here
            continue
        cycles = _run_clock(tl, metric, clock, config, as_of)
        out.extend(zip(_judge(tl, metric, cycles, config, as_of), cycles, strict=True))
    for ag in config.agreements if agreements else ():
        cycles, rules = run_agreement(tl, ag, config, as_of)
        out.extend(zip(_judge(tl, ag.metric, cycles, config, as_of, rules), cycles, strict=True))
    return out


def _metrics_of(tl: Timeline) -> list[str]:
    seen: dict[str, None] = {}
    for m in tl.moments:
        if m.version is not None:
            for name in m.version.metrics:
                seen.setdefault(name, None)
    return list(seen)


def _run_clock(
    tl: Timeline, metric: str, clock: ClockSpec, config: Configuration, as_of: Instant
) -> list[Cycle]:
    cycles: list[Cycle] = []
    cur: Cycle | None = None
    armed = clock.armed_by is None
    prev: Moment | None = None

    def open_cycle(m: Moment, why: str) -> Cycle:
        c = Cycle(start=m.t, accounted_to=m.t)
        c.steps.append(
            Step(m.t, "start", f"{why}; {_configuration_in_force(m, config)}", m.event.event_id)
        )
        cycles.append(c)
        return c

    for m in tl.moments:
        eid = m.event.event_id
        if cur is not None and prev is not None:
            account(cur, prev, m.t, metric, clock, config)
            note_changes(cur, prev, m, metric, policy_rules)
            if _restart_due(prev, m, metric):
                cur.restart(m.t)
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
                cur.steps.append(Step(m.t, "stop", describe(m), eid))
                cur = None
                if clock.restart_on_stop and m.status not in SOLVED_CATEGORIES:
                    cur = open_cycle(m, describe(m))
                    just_opened = True
            elif (clock.cancel is not None and matches(clock.cancel, m)) or (
                m.event.kind is Kind.DELETED
            ):
                cur.stop, cur.end_moment, cur.cancelled = m.t, m, True
                cur.steps.append(Step(m.t, "cancel", describe(m), eid))
                cur = None
        elif clock.reopenable and m.reopened and cycles and not cycles[-1].cancelled:
            rule = m.version.reopen_rule(metric) if m.version is not None else "continue"
            if rule == "continue":
                cur = cycles[-1]
                cur.stop, cur.end_moment, cur.accounted_to = None, None, m.t
                cur.steps.append(
                    Step(m.t, "resume", f"reopened ({describe(m)}); reopen: continue", eid)
                )
            else:
                cur = open_cycle(m, f"reopened ({describe(m)}); reopen: new_cycle")
            just_opened = True
        if (
            cur is None
            and armed
            and m.event.kind is not Kind.DELETED
            and (clock.repeat or not cycles)
            and not (clock.while_unsolved and m.status in SOLVED_CATEGORIES)
            and matches(clock.start, m)
        ):
            cur = open_cycle(m, describe(m))
            just_opened = True
            if clock.stop_differs and matches(clock.stop, m):
                cur.stop, cur.end_moment = m.t, m
                cur.steps.append(Step(m.t, "stop", describe(m), eid))
                cur = None
        if cur is not None:
            note_pause(cur, m, metric, clock, just_opened, policy_rules)
        for note in m.notes:
            if cur is not None:
                cur.steps.append(Step(m.t, "note", note, eid))
        if not armed and clock.armed_by is not None and matches(clock.armed_by, m):
            armed = True
        prev = m
    if cur is not None and prev is not None:
        account(cur, prev, as_of, metric, clock, config)
        cur.end_moment = None
    return cycles


def _configuration_in_force(m: Moment, config: Configuration) -> str:
    """Which policy version and calendar version judge the clock from ``m`` on."""
    if m.policy is None or m.version is None:
        return "no policy matches the ticket"
    cal = config.calendars.get(m.version.calendar)
    text = f"policy {m.policy.name} v{m.version.number}, calendar {m.version.calendar}"
    if isinstance(cal, BusinessCalendar):
        text += _calendar_in_force(cal, m.t)
    return text


@functools.lru_cache(maxsize=1024)
def _calendar_in_force(cal: BusinessCalendar, t: Instant) -> str:
    # every metric of a ticket opens its cycle at the same few moments: the line is worked
    # out once per moment (a calendar is immutable; a new configuration makes new ones)
    local_day = datetime.fromtimestamp(t, cal.tz).date()
    return f" v{cal.version_on(local_day)} ({cal.describe(local_day)})"


def _restart_due(prev: Moment, m: Moment, metric: str) -> bool:
    if m.version is None or m.version.priority_change_rule(metric) != "restart":
        return False
    policy_changed = (prev.policy.name if prev.policy else None) != (
        m.policy.name if m.policy else None
    )
    return policy_changed or prev.priority != m.priority


_PROJECTED = (State.RUNNING, State.MET)


def _judge(
    tl: Timeline,
    metric: str,
    cycles: list[Cycle],
    config: Configuration,
    as_of: Instant,
    rules: Rules = policy_rules,
) -> list[MetricRecord]:
    """One record per cycle, in the cycles' order."""
    last = tl.moments[-1]
    # the records are built once their states are all known (breached_now and ever_breached
    # depend on every cycle): building them and then replacing two fields took a tenth of a
    # ticket's time
    fields: list[dict[str, Any]] = []
    for n, c in enumerate(cycles, start=1):
        end_m = c.end_moment or last
        end_t = c.stop if c.stop is not None else as_of
        name, v = rules(end_m)
        measured = measures(v, metric)
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
                        f"policy {name or '∅'} does not measure this metric",
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
        fields.append(
            dict(
                ticket_id=tl.ticket_id,
                metric=metric,
                cycle=n,
                policy=name,
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
                as_of=as_of,
                warnings=_warnings(c, v, metric, target),
                explanation=tuple(steps),
            )
        )
    ever = any(f["state"] is State.BREACHED for f in fields)
    now = bool(fields) and fields[-1]["state"] is State.BREACHED
    return [MetricRecord(**f, breached_now=now, ever_breached=ever) for f in fields]


def _warnings(
    c: Cycle, v: PolicyVersionResolved | None, metric: str, target: int | None
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
