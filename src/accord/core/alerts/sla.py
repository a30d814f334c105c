"""Alerts about SLA clocks (``sla_warning``, ``sla_breach``), with the clock's figures at the
threshold instant.

A record may have been computed before its threshold (the round foresaw the crossing from it)
or long after (a late round, a catch-up after a restart, quiet hours holding the alert). Either
way the alert describes the clock at the instant it crossed the threshold, not as the record
stood:

- ``elapsed``: the business time counted then: ``ceil(share × target)`` seconds for a share
  (the engine's rounding), ``target − d`` (at least 0) for a "``d`` left" threshold, the target
  for a breach;
- ``remaining``: the target minus that elapsed;
- ``due``: the instant the target is reached when the clock runs on from the threshold instant
  without a pause (the record's ``due`` unless the clock paused since); for a breach, the
  instant the target was reached, which is ``breached_at``;
- ``state``: ``running`` at a warning (a warning is for a clock that can still be saved),
  ``breached`` at a breach.

The threshold instant comes, best first, from the engine's record of it (``warnings``,
``breached_at``); from a projection on the calendar when the record has not reached it yet (a
later pause changes the record, and the next evaluation sees it); from a replay of the record's
explanation (its start, pause, resume and stop steps) on its calendar, trusted only when the
replay gives back the record's business elapsed to the second; else from the record's own
instant (its stop or ``as_of``), the earliest instant known to be past the threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from accord.core.alerts.alert import Alert, dedupe_key, link_for
from accord.core.alerts.models import AlertRule
from accord.core.calendar import BusinessCalendar
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant, format_duration, iso

__all__ = ["sla_alert"]


@dataclass(frozen=True)
class _Reached:
    """When the clock's business elapsed reached a threshold; ``exact`` is false when only an
    instant past it is known."""

    at: Instant
    exact: bool


def sla_alert(
    name: str, rule: AlertRule, rec: MetricRecord, cal: BusinessCalendar | None
) -> Alert | None:
    """The alert of one rule on one clock with a target, or ``None`` when the clock will not
    cross the rule's threshold as far as its record tells."""
    assert rec.target is not None
    target = rec.target
    breached_at: Instant | None = None
    if rule.kind == "sla_breach":
        label = "breach"
        if rec.breached_at is not None:
            at: Instant | None = rec.breached_at
            breached_at = rec.breached_at
        else:
            # breached once business time passes the target: one second more than the target
            late = _reached(rec, target + 1, cal)
            at = late.at if late is not None else None
            # the engine's due is the instant the target is reached: the breach instant
            breached_at = rec.due if rec.due is not None else at
        elapsed, state, due = target, State.BREACHED, breached_at
    else:
        if rule.share is not None:
            threshold, label = math.ceil(rule.share * target), f"{rule.share:.0%}"
        else:
            assert rule.remaining is not None
            threshold = max(target - rule.remaining, 0)
            label = f"{format_duration(rule.remaining)} left"
        found = _warning_instant(rec, threshold, label, cal)
        # a warning is for a clock that can still be saved: not once it stopped
        if found is not None and rec.stop is not None and found.at >= rec.stop:
            found = None
        at = found.at if found is not None else None
        elapsed, state = threshold, State.RUNNING
        due = rec.due
        if found is not None and found.exact and cal is not None:
            # what was due as seen at the threshold: the record's due unless it paused since
            due = cal.due(found.at, target - threshold)
    if at is None:
        return None
    figures = {
        "ticket": rec.ticket_id,
        "metric": rec.metric,
        "cycle": str(rec.cycle),
        "target": format_duration(target),
        "elapsed": format_duration(elapsed),
        "remaining": format_duration(target - elapsed),
        "due": iso(due) or "-",
        "state": state.value,
        "priority": rec.priority or "-",
        "customer": rec.customer or "-",
        "policy": rec.policy or "-",
        "as_of": iso(rec.as_of) or "-",
    }
    if breached_at is not None:
        figures["breached_at"] = iso(breached_at) or "-"
    what = "breached" if rule.kind == "sla_breach" else f"at risk ({label})"
    summary = f"{rec.metric} on ticket {rec.ticket_id} {what}; due {figures['due']}"
    return Alert(
        key=dedupe_key(name, rec.ticket_id, rec.metric, str(rec.cycle), label),
        rule=name,
        kind=rule.kind,
        subject=rec.ticket_id,
        metric=rec.metric,
        cycle=str(rec.cycle),
        threshold=label,
        at=at,
        deliver_at=at,
        channels=rule.channels,
        summary=summary,
        figures=figures,
        link=link_for(rule, ticket_id=rec.ticket_id, customer=rec.customer),
        customer=rec.customer,
    )


def _warning_instant(
    rec: MetricRecord, threshold: int, label: str, cal: BusinessCalendar | None
) -> _Reached | None:
    for w in rec.warnings:  # the engine recorded it: that instant is exact
        if w.threshold == label:
            return _Reached(w.at, True)
    return _reached(rec, threshold, cal)


def _reached(rec: MetricRecord, threshold: int, cal: BusinessCalendar | None) -> _Reached | None:
    """When the clock's business elapsed reaches ``threshold``, seen from the record."""
    if threshold <= 0:
        return _Reached(rec.start, True)
    if rec.business_elapsed < threshold:
        if rec.state is not State.RUNNING or cal is None:
            return None  # a paused or stopped clock crosses nothing until it runs again
        at = cal.due(rec.as_of, threshold - rec.business_elapsed)
        return _Reached(at, True) if at is not None else None
    replayed = _replay(rec, threshold, cal)
    if replayed is not None:
        return _Reached(replayed, True)
    # crossed before the record was computed, at an instant the record does not tell: its own
    # instant is the earliest known to be past it
    return _Reached(rec.as_of if rec.stop is None else min(rec.stop, rec.as_of), False)


_RUNS = frozenset(("start", "resume"))
_HALTS = frozenset(("pause", "stop", "cancel"))


def _replay(rec: MetricRecord, threshold: int, cal: BusinessCalendar | None) -> Instant | None:
    """The instant the clock's business elapsed reached ``threshold``, replayed from the
    record's explanation on its calendar; ``None`` unless the replay counts exactly the
    record's business elapsed (a policy change may have switched calendars in between)."""
    if cal is None or not rec.explanation:
        return None
    stretches: list[tuple[Instant, Instant]] = []
    since: Instant | None = None
    for step in rec.explanation:
        if step.what in _RUNS:
            since = step.at if since is None else since
        elif step.what in _HALTS and since is not None:
            stretches.append((since, step.at))
            since = None
        elif step.what == "restart":  # the cycle starts over; a paused clock stays paused
            stretches.clear()
            since = step.at if since is not None else None
    if since is not None:
        stretches.append((since, rec.as_of))
    counted = 0
    found: Instant | None = None
    for a, b in stretches:
        length = cal.elapsed(a, b) if b > a else 0
        if found is None and length > 0 and counted + length >= threshold:
            found = cal.due(a, threshold - counted)
        counted += length
    return found if counted == rec.business_elapsed else None
