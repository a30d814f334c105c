"""Error-budget burn-down: per objective of a contract, the budget left at the end of each day
of one period.

The budget is the statement's (:func:`accord.core.contracts.budget.budget`): for the period's
counted clocks at as-of, ``allowed`` breaches (``floor((1 − objective) × counted)`` for a
``met_share`` objective, the contract's number for ``max_breaches``); a ``statistic``
objective has none. Each counted breached clock of the period uses one breach of it on the day
it breached (its ``breached_at``; for a clock that breached before the period began, the
period's first day, and after it ended, its last day: it counts in this period by the
contract's ``count_by``). ``remaining`` at a day's end is ``allowed`` minus the breaches used
up to that day, so the last day's equals the statement's ``remaining``. ``even`` is the budget
an even burn would leave: ``allowed × (period end − day end) ÷ (period end − period start)``.

Days are the contract's zone's local days: from local midnight, cut by the period's start and
end (a rolling window starts within a day), up to the day containing as-of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from accord.core.contracts.assignment import (
    Span,
    contract_clocks,
    counted,
    place,
    resolve_period,
    select,
)
from accord.core.contracts.budget import Budget, budget, outcomes
from accord.core.contracts.models import ContractSpec
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant, from_instant, to_instant, zone


@dataclass(frozen=True)
class BurnDay:
    """One local day: the breaches charged to it, those up to its end and the budget left."""

    date: str
    start: Instant
    end: Instant
    breaches: int
    used: int
    remaining: int
    even: float


@dataclass(frozen=True)
class ObjectiveBurndown:
    name: str
    description: str
    kind: str
    budget: Budget | None  # None: a statistic objective, which has no error budget
    days: tuple[BurnDay, ...]


@dataclass(frozen=True)
class Burndown:
    contract: str
    customer: str
    period: str
    start: Instant
    end: Instant
    final: bool
    as_of: Instant
    objectives: tuple[ObjectiveBurndown, ...]


def day_bounds(start: Instant, end: Instant, tz: str, as_of: Instant) -> list[Instant]:
    """The cuts of ``[start, end)`` at local midnights in ``tz``, up to the day containing
    ``as_of``: ``bounds[i]`` and ``bounds[i + 1]`` are day ``i``'s start and end."""
    info = zone(tz)
    bounds = [start]
    day = from_instant(start).astimezone(info).date()
    while True:
        day += timedelta(days=1)
        # fold=0: the first of two midnights, or the first instant of a day without one
        cut = to_instant(datetime(day.year, day.month, day.day, tzinfo=info))
        if cut >= end or bounds[-1] > as_of:
            break
        bounds.append(cut)
    if bounds[-1] <= as_of or len(bounds) == 1:
        bounds.append(end)
    return bounds


def burndown(
    name: str,
    contract: ContractSpec,
    records: Sequence[MetricRecord],
    tickets: pl.DataFrame | None,
    as_of: Instant,
    period: str | None = None,
) -> Burndown:
    """The burn-down of every objective of contract ``name`` in ``period`` (as for
    :func:`accord.core.contracts.statement.build_statement`, whose inputs these are)."""
    clocks = contract_clocks(contract, records, tickets)
    return burndown_of_clocks(name, contract, clocks, as_of, period)


def burndown_of_clocks(
    name: str,
    contract: ContractSpec,
    clocks: pl.DataFrame,
    as_of: Instant,
    period: str | None = None,
) -> Burndown:
    """:func:`burndown` of the contract's clocks at ``as_of`` (the frame
    :func:`~accord.core.contracts.assignment.contract_clocks` makes, in any row order)."""
    span = resolve_period(contract, period, as_of)
    bounds = day_bounds(span.start, span.end, contract.tz, as_of)
    out = [_objective(key, contract, clocks, span, bounds) for key in contract.objectives]
    return Burndown(
        contract=name,
        customer=contract.customer_name,
        period=span.label,
        start=span.start,
        end=span.end,
        final=span.final,
        as_of=as_of,
        objectives=tuple(out),
    )


def _objective(
    key: str, contract: ContractSpec, clocks: pl.DataFrame, span: Span, bounds: list[Instant]
) -> ObjectiveBurndown:
    objective = contract.objectives[key]
    frame = select(clocks, objective)
    periods = place(frame, span.grid, contract.count_by)
    results = outcomes(objective, frame, periods, span.grid.count)
    got = budget(objective, results[span.index])
    if got is None:
        return ObjectiveBurndown(key, objective.description, objective.kind, None, ())
    mine = frame.filter(pl.Series(periods == span.index)).filter(
        counted(objective) & (pl.col("state") == State.BREACHED.value)
    )
    when = (
        mine.select(pl.coalesce("breached_at", "stop", "start")).to_series().to_numpy()
        if mine.height
        else np.zeros(0, dtype=np.int64)
    )
    cuts = np.asarray(bounds[1:-1], dtype=np.int64)
    # the day of each breach; one before the period is the first day's, one after it the last's
    day = np.searchsorted(cuts, when.astype(np.int64), side="right")
    per_day = np.bincount(day, minlength=len(bounds) - 1)
    length = span.end - span.start
    days: list[BurnDay] = []
    used = 0
    for i in range(len(bounds) - 1):
        used += int(per_day[i])
        local = from_instant(bounds[i]).astimezone(zone(contract.tz)).date()
        days.append(
            BurnDay(
                date=local.isoformat(),
                start=bounds[i],
                end=bounds[i + 1],
                breaches=int(per_day[i]),
                used=used,
                remaining=got.allowed - used,
                even=got.allowed * (span.end - bounds[i + 1]) / length,
            )
        )
    return ObjectiveBurndown(key, objective.description, objective.kind, got, tuple(days))
