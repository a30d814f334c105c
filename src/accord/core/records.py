"""The engine's output: one :class:`MetricRecord` per ticket × metric × cycle."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from accord.core.timeutil import Instant, iso


class State(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Warning_:
    """A warning threshold the clock reached, and when."""

    threshold: str  # "75%" (share of target) or "30m left" (remaining business time)
    at: Instant


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a record's explanation: what happened to the clock, when, and why."""

    at: Instant
    what: str  # start, pause, resume, stop, cancel, restart, policy, priority, target, as_of
    detail: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class MetricRecord:
    """One clock cycle of one metric on one ticket, judged at ``as_of``.

    All durations are whole seconds; instants are seconds since the epoch (UTC).
    ``business_elapsed`` is the business time the clock counted, ``paused_business`` the
    business time cut out by pauses, ``calendar_elapsed`` the wall time from start to the end
    point (stop, or ``as_of`` while open).
    """

    ticket_id: str
    metric: str
    cycle: int
    policy: str | None
    policy_version: int | None
    calendar: str | None
    priority: str | None
    customer: str | None
    team: str | None
    assignee: str | None
    channel: str | None
    target: int | None
    start: Instant
    stop: Instant | None
    due: Instant | None
    breached_at: Instant | None
    business_elapsed: int
    paused_business: int
    calendar_elapsed: int
    state: State
    breached_now: bool
    ever_breached: bool
    as_of: Instant
    warnings: tuple[Warning_, ...] = ()
    explanation: tuple[Step, ...] = field(default=(), compare=False)

    @property
    def breached_by(self) -> int | None:
        if self.target is None or self.business_elapsed <= self.target:
            return None
        return self.business_elapsed - self.target

    @property
    def remaining(self) -> int | None:
        """Business time left before the target (negative once breached)."""
        if self.target is None:
            return None
        return self.target - self.business_elapsed

    @property
    def share_of_target(self) -> float | None:
        if not self.target:
            return None
        return self.business_elapsed / self.target

    def to_row(self, *, explanation: bool = True) -> dict[str, Any]:
        """A flat, JSON-ready row (instants as ISO 8601 UTC); without the ``explanation`` key
        when not asked for (the lists show none)."""
        # the fields as they are (every one but the two tuples, replaced below, is a scalar):
        # asdict() deep-copies each value and each step, which took most of a list's rendering
        d = {name: getattr(self, name) for name in _RECORD_FIELDS}
        for k in ("start", "stop", "due", "breached_at", "as_of"):
            d[k] = iso(d[k])
        d["state"] = self.state.value
        d["breached_by"] = self.breached_by
        d["remaining"] = self.remaining
        d["share_of_target"] = self.share_of_target
        d["warnings"] = [{"threshold": w.threshold, "at": iso(w.at)} for w in self.warnings]
        if explanation:
            d["explanation"] = [
                {"at": iso(s.at), "what": s.what, "detail": s.detail, "event_id": s.event_id}
                for s in self.explanation
            ]
        else:
            del d["explanation"]
        return d


_RECORD_FIELDS = tuple(f.name for f in fields(MetricRecord))


RECORD_COLUMNS = (
    "ticket_id", "metric", "cycle", "policy", "policy_version", "calendar", "priority",
    "customer", "team", "assignee", "channel", "target", "start", "stop", "due", "breached_at",
    "business_elapsed", "paused_business", "calendar_elapsed", "breached_by", "remaining",
    "share_of_target", "state", "breached_now", "ever_breached", "as_of", "warnings",
    "explanation",
)  # fmt: skip
