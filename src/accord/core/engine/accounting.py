"""How one open cycle counts its time, shared by every clock of the reference engine (the SLA
metrics of :mod:`.reference` and the internal agreements of :mod:`.agreements`).

A clock is judged by *rules*: after each moment, the name and the policy version whose
calendar, pause set, targets and warnings apply. For an SLA metric that is the policy in
force after the moment; an agreement has one fixed set of rules of its own.

Between two consecutive moments the open cycle counts the business seconds of the rules'
calendar (after the first moment), as elapsed time, or as paused time when the clock is
paused there. Every counted stretch is also kept as a *piece* (the moment it follows, its
business seconds, paused or not): the attribution of a cycle's time to the ticket's holders
(:mod:`.attribution`) is a sum of its pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, cast

from accord.core.config.resolved import Configuration, PolicyVersionResolved
from accord.core.engine.clocks import ClockSpec
from accord.core.engine.timeline import Moment
from accord.core.events import Kind, StatusCategory
from accord.core.records import Step
from accord.core.timeutil import Instant, format_duration


class Calendar(Protocol):
    """What the engine needs of a calendar (see :class:`accord.core.calendar.BusinessCalendar`)."""

    def elapsed(self, start: int, end: int) -> int: ...

    def due(self, start: int, seconds: int) -> int | None: ...


Rules = Callable[[Moment], tuple[str | None, PolicyVersionResolved | None]]
"""After a moment: the name of the rules (policy or agreement) and the version that apply."""


def policy_rules(m: Moment) -> tuple[str | None, PolicyVersionResolved | None]:
    """The rules of an SLA metric: the policy (and version) in force after the moment."""
    return (m.policy.name if m.policy is not None else None), m.version


@dataclass(slots=True)
class Segment:
    """A stretch in which the cycle's clock ran; ``before`` is the elapsed time before it."""

    start: Instant
    end: Instant
    calendar: Calendar
    before: int
    length: int


class Piece(NamedTuple):
    """A counted stretch ``[start, end)``: it follows moment ``after``, and counted
    ``seconds`` of business time of ``calendar``, as paused time or as elapsed time."""

    after: Moment
    seconds: int
    paused: bool
    start: Instant
    end: Instant
    calendar: Calendar


@dataclass(slots=True)
class Cycle:
    start: Instant
    accounted_to: Instant
    segments: list[Segment] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
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

    def restart(self, at: Instant) -> None:
        """Count again from zero at ``at`` (``priority_change: restart``)."""
        self.start = self.accounted_to = at
        self.segments.clear()
        self.pieces.clear()
        self.elapsed = self.paused = 0


def measures(v: PolicyVersionResolved | None, metric: str) -> bool:
    return v is not None and metric in v.metrics


def is_paused(
    status: StatusCategory, clock: ClockSpec, v: PolicyVersionResolved, metric: str
) -> bool:
    if clock.pause == "counting":
        return status not in clock.statuses
    if clock.pause == "none":
        return False
    if clock.pause == "fixed":
        return status in clock.statuses
    return status in v.pause_set(metric)


def account(
    cur: Cycle,
    prev: Moment,
    until: Instant,
    metric: str,
    clock: ClockSpec,
    config: Configuration,
    rules: Rules = policy_rules,
) -> None:
    """Count [cur.accounted_to, until) under the state after ``prev``."""
    a = cur.accounted_to
    if until <= a:
        return
    _, v = rules(prev)
    if v is not None and metric in v.metrics:
        cal = cast(Calendar, config.calendars[v.calendar])
        bt = cal.elapsed(a, until)
        paused = is_paused(prev.status, clock, v, metric)
        if paused:
            cur.paused += bt
        elif bt > 0:
            cur.segments.append(Segment(a, until, cal, cur.elapsed, bt))
            cur.elapsed += bt
        if bt > 0:
            cur.pieces.append(Piece(prev, bt, paused, a, until, cal))
    cur.accounted_to = until


def describe(m: Moment) -> str:
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


def note_changes(cur: Cycle, prev: Moment, m: Moment, metric: str, rules: Rules) -> None:
    """Steps for a switch of the rules (policy or its version) and a priority change."""
    eid = m.event.event_id
    before, v0 = rules(prev)
    after, v1 = rules(m)
    if before != after:
        cur.steps.append(
            Step(m.t, "policy", f"policy {before or '∅'} → {after or '∅'} ({describe(m)})", eid)
        )
    elif v0 is not None and v1 is not None and v0.number != v1.number:
        cur.steps.append(
            Step(m.t, "policy", f"policy {after} version {v0.number} → {v1.number}", eid)
        )
    if prev.priority != m.priority:
        t0 = v0.target(metric, prev.priority) if v0 else None
        t1 = v1.target(metric, m.priority) if v1 else None
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


def note_pause(
    cur: Cycle, m: Moment, metric: str, clock: ClockSpec, just_opened: bool, rules: Rules
) -> None:
    """Record pause / resume steps when the clock's running state flips at ``m``."""
    _, v = rules(m)
    if v is None or not measures(v, metric):
        paused, why = True, "no policy measures this metric"
    else:
        paused = is_paused(m.status, clock, v, metric)
        why = f"status {m.status.value}"
    if paused != cur.is_paused or (just_opened and paused):
        cur.steps.append(Step(m.t, "pause" if paused else "resume", why, m.event.event_id))
        cur.is_paused = paused
