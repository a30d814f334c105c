"""Which alerts are due now, and when the next one will be: a pure function of the rules, the
readings (metric records, KPI band changes, contract budgets and forecasts, source activity),
the keys already sent and ``now``.

Threshold instants are known in advance. A running clock crosses a warning threshold or its
target at an instant the calendar gives from the record alone (``due(as_of, left)``), assuming
no pause in between; a later pause changes the record, and the next evaluation sees it. So the
caller can sleep until :func:`next_wakeup` instead of polling. An SLA alert carries the
clock's figures at its threshold instant, not those of the record it was read from
(:mod:`accord.core.alerts.sla`).

Every alert carries a dedupe key naming the rule, the subject (ticket, KPI group, contract
objective or source), the metric, the cycle and the threshold. An alert whose key was already
sent is never produced again, so running the evaluation twice, or after a restart with the sent
keys read back from the store, sends nothing twice.

Quiet hours: a rule with ``quiet_hours`` names a calendar; an alert whose threshold instant
falls while that calendar is closed is held until the calendar next opens.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from accord.core.agreements.models import is_internal
from accord.core.alerts.alert import Alert, dedupe_key, link_for
from accord.core.alerts.models import AlertRule
from accord.core.alerts.sla import sla_alert
from accord.core.calendar import BusinessCalendar
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant, format_duration, iso

__all__ = [
    "Alert",
    "BandChange",
    "BudgetReading",
    "ForecastReading",
    "Readings",
    "SourceActivity",
    "dedupe_key",
    "evaluate",
    "next_wakeup",
]


@dataclass(frozen=True)
class BandChange:
    """A KPI moved from one band to another at ``at`` (``before`` is ``None`` for its first
    reading). ``group`` names the dimension values, e.g. ``team=billing``."""

    kpi: str
    group: str
    before: str | None
    after: str
    value: float | None
    at: Instant
    customer: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class BudgetReading:
    """A contract objective's error budget in one period: ``used`` of ``allowed`` breaches."""

    contract: str
    objective: str
    customer: str
    period: str
    allowed: int
    used: int
    at: Instant


@dataclass(frozen=True)
class ForecastReading:
    """A contract objective's end-of-period forecast; ``below`` when it misses the objective."""

    contract: str
    objective: str
    customer: str
    period: str
    below: bool
    forecast: str  # as people read it: "93.5%"
    target: str  # "95%"
    at: Instant


@dataclass(frozen=True)
class SourceActivity:
    """The last event received from one source (``None``: never)."""

    source: str
    last_event: Instant | None


HORIZON = 2**62
"""An instant far enough ahead that every threshold a reading foresees is due by then:
``evaluate(..., HORIZON)`` gives every candidate alert."""


@dataclass(frozen=True)
class Readings:
    """Everything the rules look at; each part is optional."""

    records: Sequence[MetricRecord] = ()
    bands: Sequence[BandChange] = ()
    budgets: Sequence[BudgetReading] = ()
    forecasts: Sequence[ForecastReading] = ()
    sources: Sequence[SourceActivity] = ()


def evaluate(
    rules: Mapping[str, AlertRule],
    readings: Readings,
    calendars: Mapping[str, BusinessCalendar],
    sent: Collection[str],
    now: Instant,
    since: Instant | None = None,
) -> list[Alert]:
    """The alerts to deliver at ``now``: threshold reached and quiet hours over, key not in
    ``sent``; ordered by delivery instant, then key.

    ``since`` ignores thresholds crossed before it, so that a first run over a long history
    does not send what is long past.
    """
    due = [
        a
        for a in _unique(_candidates(rules, readings, calendars), sent)
        if a.deliver_at <= now and (since is None or a.at >= since)
    ]
    return sorted(due, key=lambda a: (a.deliver_at, a.key))


def next_wakeup(
    rules: Mapping[str, AlertRule],
    readings: Readings,
    calendars: Mapping[str, BusinessCalendar],
    sent: Collection[str],
    now: Instant,
) -> Instant | None:
    """The earliest instant after ``now`` at which an alert not yet sent becomes due
    (``None``: none is foreseen from these readings)."""
    future = [
        a.deliver_at
        for a in _unique(_candidates(rules, readings, calendars), sent)
        if a.deliver_at > now
    ]
    return min(future, default=None)


def _unique(alerts: Iterator[Alert], sent: Collection[str]) -> Iterator[Alert]:
    seen = set(sent)
    for a in alerts:
        if a.key not in seen:
            seen.add(a.key)
            yield a


def _candidates(
    rules: Mapping[str, AlertRule],
    readings: Readings,
    calendars: Mapping[str, BusinessCalendar],
) -> Iterator[Alert]:
    for name, rule in rules.items():
        quiet = calendars.get(rule.quiet_hours) if rule.quiet_hours else None
        for a in _of_rule(name, rule, readings, calendars):
            yield _hold(a, quiet)


def _hold(alert: Alert, quiet: BusinessCalendar | None) -> Alert:
    if quiet is None or quiet.is_open(alert.at):
        return alert
    opens = quiet.next_open(alert.at)
    # a calendar that never opens again would hold the alert forever: deliver it instead,
    # since a late alert nobody reads at night beats one that never comes
    deliver = opens if opens is not None else alert.at
    return replace(alert, deliver_at=deliver)


def _of_rule(
    name: str, rule: AlertRule, r: Readings, calendars: Mapping[str, BusinessCalendar]
) -> Iterator[Alert]:
    if rule.kind in ("sla_warning", "sla_breach"):
        for rec in r.records:
            if rule.metrics and rec.metric not in rule.metrics:
                continue
            # a rule that names no metric watches the SLA clocks; an internal agreement's
            # clock (ola:<name>) only the rules that name it
            if not rule.metrics and is_internal(rec.metric):
                continue
            admitted = rule.scope.admits(
                customer=rec.customer, team=rec.team, priority=rec.priority, policy=rec.policy
            )
            if not admitted or rec.target is None or rec.state is State.CANCELLED:
                continue
            cal = calendars.get(rec.calendar) if rec.calendar else None
            found = sla_alert(name, rule, rec, cal)
            if found is not None:
                yield found
    elif rule.kind == "kpi_band":
        for b in r.bands:
            wanted = not rule.bands or b.after in rule.bands
            in_scope = rule.scope.admits(customer=b.customer, team=b.team)
            if b.kpi == rule.kpi and in_scope and b.before != b.after and wanted:
                yield _band(name, rule, b)
    elif rule.kind == "budget_burn":
        for g in r.budgets:
            if _objective_matches(rule, g.contract, g.objective, g.customer):
                found_b = _burn(name, rule, g)
                if found_b is not None:
                    yield found_b
    elif rule.kind == "forecast_below":
        for f in r.forecasts:
            if f.below and _objective_matches(rule, f.contract, f.objective, f.customer):
                yield _forecast(name, rule, f)
    elif rule.kind == "no_data":
        cal = calendars.get(rule.calendar) if rule.calendar else None
        for s in r.sources:
            if s.source == rule.source and cal is not None:
                found_s = _silence(name, rule, s, cal)
                if found_s is not None:
                    yield found_s


def _objective_matches(rule: AlertRule, contract: str, objective: str, customer: str) -> bool:
    return (
        contract == rule.contract
        and (rule.objective is None or objective == rule.objective)
        and rule.scope.admits(customer=customer)
    )


# ---------------------------------------------------------------- KPIs, contracts, sources


def _band(name: str, rule: AlertRule, b: BandChange) -> Alert:
    label = f"{b.before or 'none'}->{b.after}"
    subject = f"{b.kpi}[{b.group}]" if b.group else b.kpi
    value = "-" if b.value is None else f"{b.value:g}"
    return Alert(
        # a band may go red, green and red again: each change is its own alert
        key=dedupe_key(name, subject, None, str(b.at), label),
        rule=name,
        kind=rule.kind,
        subject=subject,
        metric=None,
        cycle=str(b.at),
        threshold=label,
        at=b.at,
        deliver_at=b.at,
        channels=rule.channels,
        summary=f"KPI {subject} went {b.before or 'none'} -> {b.after} (value {value})",
        figures={"kpi": b.kpi, "group": b.group or "-", "band": b.after, "value": value},
        link=link_for(rule, customer=b.customer),
        customer=b.customer,
    )


def _burn(name: str, rule: AlertRule, g: BudgetReading) -> Alert | None:
    assert rule.share is not None
    # with no breach allowed, the first breach uses the whole budget at once: it crosses
    # every threshold
    used_share = g.used / g.allowed if g.allowed else (math.inf if g.used else 0.0)
    if used_share < rule.share:
        return None
    label = f"{rule.share:.0%}"
    subject = f"{g.contract}/{g.objective}"
    return Alert(
        key=dedupe_key(name, subject, None, g.period, label),
        rule=name,
        kind=rule.kind,
        subject=subject,
        metric=None,
        cycle=g.period,
        threshold=label,
        at=g.at,
        deliver_at=g.at,
        channels=rule.channels,
        summary=(
            f"{g.customer}: {g.used} of {g.allowed} allowed breaches used for {g.objective} "
            f"in {g.period}"
        ),
        figures={
            "customer": g.customer,
            "objective": g.objective,
            "period": g.period,
            "allowed": str(g.allowed),
            "used": str(g.used),
        },
        link=link_for(rule, customer=g.customer),
        customer=g.customer,
    )


def _forecast(name: str, rule: AlertRule, f: ForecastReading) -> Alert:
    subject = f"{f.contract}/{f.objective}"
    return Alert(
        key=dedupe_key(name, subject, None, f.period, "below"),
        rule=name,
        kind=rule.kind,
        subject=subject,
        metric=None,
        cycle=f.period,
        threshold="below",
        at=f.at,
        deliver_at=f.at,
        channels=rule.channels,
        summary=(
            f"{f.customer}: {f.objective} forecast {f.forecast} for {f.period}, "
            f"below the objective {f.target}"
        ),
        figures={
            "customer": f.customer,
            "objective": f.objective,
            "period": f.period,
            "forecast": f.forecast,
            "target": f.target,
        },
        link=link_for(rule, customer=f.customer),
        customer=f.customer,
    )


def _silence(name: str, rule: AlertRule, s: SourceActivity, cal: BusinessCalendar) -> Alert | None:
    assert rule.after is not None
    if s.last_event is None:
        return None  # a source never heard from is not configured yet, not silent
    # silence counts business time only: a quiet weekend is not an outage
    at = cal.due(s.last_event, rule.after)
    if at is None:
        return None
    label = format_duration(rule.after)
    return Alert(
        # a new event starts a new silence: the last event's instant is the cycle
        key=dedupe_key(name, s.source, None, str(s.last_event), label),
        rule=name,
        kind=rule.kind,
        subject=s.source,
        metric=None,
        cycle=str(s.last_event),
        threshold=label,
        at=at,
        deliver_at=at,
        channels=rule.channels,
        summary=f"no events from {s.source} for {label} of business time",
        figures={"source": s.source, "last_event": iso(s.last_event) or "-", "after": label},
    )
