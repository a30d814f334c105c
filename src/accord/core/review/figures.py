"""The figures of a what-if: plain dataclasses, serialised to JSON-ready data and CSV rows, so
that the CLI, the API and the quarterly review report read the same result.

Per group of clocks (by metric, priority, customer, team or policy) and per configuration:
``judged`` (met + breached clocks with a target), ``met``, ``breached``, ``open`` (running or
paused, no outcome yet), ``compliance`` = met ÷ judged (``null`` without judged clocks, never
NaN) and, for groups of one customer, the error budget and credits of that customer's
contract objectives that cover the group. ``changed`` lists the clocks whose state differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accord.core.records import Step
from accord.core.review.candidate import Setup
from accord.core.review.contracts import ContractFigures, ObjectiveFigures
from accord.core.review.window import Window
from accord.core.timeutil import Instant, iso

SIDES = ("current", "candidate")


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 6) if b else None


def _delta(a: float | int | None, b: float | int | None) -> float | int | None:
    if a is None or b is None:
        return None
    d = b - a
    return round(d, 6) if isinstance(d, float) else d


@dataclass(frozen=True)
class Figures:
    """One group of clocks under one configuration."""

    judged: int = 0
    met: int = 0
    breached: int = 0
    open: int = 0
    budget_allowed: int | None = None
    budget_used: int | None = None
    credits: Decimal | None = None

    @property
    def compliance(self) -> float | None:
        return _ratio(self.met, self.judged)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "judged": self.judged,
            "met": self.met,
            "breached": self.breached,
            "open": self.open,
            "compliance": self.compliance,
        }
        if self.budget_allowed is not None or self.budget_used is not None:
            out["budget_allowed"] = self.budget_allowed
            out["budget_used"] = self.budget_used
        if self.credits is not None:
            out["credits"] = str(self.credits)
        return out

    def delta(self, other: Figures) -> dict[str, Any]:
        """``other`` minus this, figure by figure."""
        out: dict[str, Any] = {
            k: _delta(getattr(self, k), getattr(other, k))
            for k in ("judged", "met", "breached", "open", "compliance")
        }
        if self.budget_used is not None or other.budget_used is not None:
            out["budget_used"] = _delta(self.budget_used, other.budget_used)
        if self.credits is not None and other.credits is not None:
            out["credits"] = str(other.credits - self.credits)
        return out


@dataclass(frozen=True)
class ClockSide:
    """A clock under one configuration."""

    state: str
    policy: str | None
    target: int | None
    business_elapsed: int
    start: Instant
    due: Instant | None
    breached_at: Instant | None
    explanation: tuple[Step, ...] | None = None
    # the calendar its business time (target, business elapsed) is counted in
    calendar: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "policy": self.policy,
            "calendar": self.calendar,
            "target": self.target,
            "business_elapsed": self.business_elapsed,
            "start": iso(self.start),
            "due": iso(self.due),
            "breached_at": iso(self.breached_at),
        }


def steps_json(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [
        {"at": iso(s.at), "what": s.what, "detail": s.detail, "event_id": s.event_id} for s in steps
    ]


@dataclass(frozen=True)
class Changed:
    """A clock whose state differs between the configurations (``None``: the clock does not
    exist under that configuration, e.g. a cycle that a reopen rule adds)."""

    ticket_id: str
    metric: str
    cycle: int
    current: ClockSide | None
    candidate: ClockSide | None

    @property
    def explained(self) -> bool:
        sides = [s for s in (self.current, self.candidate) if s is not None]
        return bool(sides) and all(s.explanation is not None for s in sides)

    def to_json(self) -> dict[str, Any]:
        explanation = None
        if self.explained:
            explanation = {
                side: steps_json(s.explanation) if s is not None and s.explanation else []
                for side, s in zip(SIDES, (self.current, self.candidate), strict=True)
            }
        return {
            "ticket_id": self.ticket_id,
            "metric": self.metric,
            "cycle": self.cycle,
            "current": self.current.to_json() if self.current else None,
            "candidate": self.candidate.to_json() if self.candidate else None,
            "explanation": explanation,
            # where the explanation is when it is not here: a replay of this ticket alone
            # (`--ticket ID` on the command line, `"tickets": [ID]` in the API)
            "replay": None if explanation is not None else {"tickets": [self.ticket_id]},
        }


@dataclass(frozen=True)
class Group:
    """One group's figures under both configurations, and its clocks whose state changes."""

    key: Mapping[str, str | None]
    current: Figures
    candidate: Figures
    changed: tuple[Changed, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "key": dict(self.key),
            "current": self.current.to_json(),
            "candidate": self.candidate.to_json(),
            "delta": self.current.delta(self.candidate),
            "changed_count": len(self.changed),
            "changed": [c.to_json() for c in self.changed],
        }


@dataclass(frozen=True)
class ContractComparison:
    """One contract under both configurations (``None``: it does not exist under one)."""

    contract: str
    customer: str
    currency: str
    current: ContractFigures | None
    candidate: ContractFigures | None

    def credits(self, side: str) -> Decimal | None:
        got = self.current if side == "current" else self.candidate
        return got.credits if got is not None else None

    def to_json(self) -> dict[str, Any]:
        a, b = self.credits("current"), self.credits("candidate")
        names = list(
            dict.fromkeys(
                o.name
                for f in (self.current, self.candidate)
                if f is not None
                for o in f.objectives
            )
        )
        objectives = []
        for name in names:
            oa = self.current.objective(name) if self.current else None
            ob = self.candidate.objective(name) if self.candidate else None
            objectives.append(
                {
                    "name": name,
                    "current": oa.to_json() if oa else None,
                    "candidate": ob.to_json() if ob else None,
                    "delta": _objective_delta(oa, ob),
                }
            )
        either = self.candidate or self.current
        periods = either.periods if either is not None else ()
        return {
            "contract": self.contract,
            "customer": self.customer,
            "currency": self.currency,
            "periods": list(periods),
            "credits": {
                "current": None if a is None else str(a),
                "candidate": None if b is None else str(b),
                "delta": None if a is None or b is None else str(b - a),
            },
            "objectives": objectives,
        }


def _objective_delta(a: ObjectiveFigures | None, b: ObjectiveFigures | None) -> dict[str, Any]:
    if a is None or b is None:
        return {}
    return {
        "breached": b.breached - a.breached,
        "periods_missed": b.missed - a.missed,
        "budget_used": _delta(a.used, b.used),
        "credits": str(b.credits - a.credits),
    }


@dataclass(frozen=True)
class WhatIf:
    """A what-if: both configurations over the same events, judged at ``as_of``."""

    as_of: Instant
    window: Window
    by: tuple[str, ...]
    current: Setup
    candidate: Setup
    events: int
    records: tuple[int, int]
    groups: tuple[Group, ...]
    total: Group
    contracts: tuple[ContractComparison, ...]
    explain_limit: int
    notes: tuple[str, ...] = field(default=())

    @property
    def changed_count(self) -> int:
        return sum(len(g.changed) for g in self.groups)

    @property
    def explained(self) -> int:
        return sum(c.explained for g in self.groups for c in g.changed)

    def credits_total(self, side: str) -> dict[str, str]:
        sums: dict[str, Decimal] = {}
        for c in self.contracts:
            got = c.credits(side)
            if got is not None:
                sums[c.currency] = sums.get(c.currency, Decimal(0)) + got
        return {cur: str(v) for cur, v in sorted(sums.items())}

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": iso(self.as_of),
            "window": self.window.to_json(),
            "by": list(self.by),
            "configurations": {
                "current": self.current.describe(),
                "candidate": self.candidate.describe(),
            },
            "events": self.events,
            "records": {"current": self.records[0], "candidate": self.records[1]},
            "groups": [g.to_json() for g in self.groups],
            "total": {
                "current": self.total.current.to_json(),
                "candidate": self.total.candidate.to_json(),
                "delta": self.total.current.delta(self.total.candidate),
                "changed_count": self.changed_count,
                "credits": {s: self.credits_total(s) for s in SIDES},
            },
            "contracts": [c.to_json() for c in self.contracts],
            "changed_count": self.changed_count,
            "explained": self.explained,
            "notes": list(self.notes),
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """One row per group, then a ``total`` row: each figure under both configurations and
        the difference."""
        rows = []
        for g in (*self.groups, self.total):
            row: dict[str, Any] = {
                d: ("total" if g is self.total and i == 0 else None)
                if g is self.total
                else g.key.get(d)
                for i, d in enumerate(self.by)
            }
            a, b = g.current.to_json(), g.candidate.to_json()
            delta = g.current.delta(g.candidate)
            for k in ("judged", "met", "breached", "open", "compliance"):
                row[f"{k}_current"] = a[k]
                row[f"{k}_candidate"] = b[k]
                row[f"{k}_delta"] = delta[k]
            row["changed"] = self.changed_count if g is self.total else len(g.changed)
            rows.append(row)
        return rows
