"""Each objective's outcome per period, its error budget, and the volume a period is expected
to have.

- A ``met_share`` objective's **attainment** is met ÷ counted clocks, an exact fraction; it
  is met when attainment ≥ the objective. Its **error budget** is
  ``floor((1 − objective) × counted)`` breaches, computed exactly (``(1 − 90%) × 10`` is 1,
  where binary floats would give 0.999… and a budget of 0).
- A ``max_breaches`` objective is met with at most that many breaches, which is its budget.
- A ``statistic`` objective is met when the statistic of business elapsed over the period's
  stopped clocks is at most ``max``; medians and percentiles interpolate linearly between
  ranks, as the KPIs do. It has no budget.

A period without a counted clock has no outcome (``no_data``).

The **expected volume** of a period is the mean number of counted clocks over the
``volume_periods`` finished periods before it (empty ones count as 0), skipping periods before
the objective's first clock started, so a new customer is not judged by months it was not
there. When that volume gives a ``met_share`` objective a budget of zero breaches, the period
gets a warning before it starts: its first breach misses the objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from accord.core.contracts.assignment import counted
from accord.core.contracts.models import ObjectiveSpec
from accord.core.records import State

Status = Literal["met", "missed", "no_data"]


@dataclass(frozen=True)
class Outcome:
    """One objective in one period. ``value``: the attainment (a fraction), the number of
    breaches, or the statistic in seconds; ``None`` without counted clocks."""

    counted: int
    breached: int
    value: Fraction | int | float | None
    status: Status

    @property
    def met(self) -> int:
        return self.counted - self.breached


@dataclass(frozen=True)
class Budget:
    """Breaches the objective allows in the period, used so far, and left (negative: over)."""

    allowed: int
    used: int
    basis: str

    @property
    def remaining(self) -> int:
        return self.allowed - self.used


@dataclass(frozen=True)
class Expected:
    """The volume a period was expected to have before it started, from the periods before."""

    volume: Fraction
    periods: tuple[str, ...]
    allowed: int | None  # the budget at that volume (met_share objectives)
    warning: str | None


def pct(x: Fraction | float, places: int = 2) -> str:
    """A share as a percentage, rounded down: a shown attainment never looks better than it is."""
    scaled = math.floor(Fraction(x) * 100 * 10**places)
    whole, frac = divmod(scaled, 10**places)
    return f"{whole}.{frac:0{places}d}%" if places else f"{whole}%"


def share_text(x: Fraction) -> str:
    """A configured share such as 95% or 99.99%, exactly as written."""
    text = f"{float(x * 100):.6f}".rstrip("0").rstrip(".")
    return f"{text}%"


def outcomes(
    objective: ObjectiveSpec,
    frame: pl.DataFrame,
    periods: npt.NDArray[np.int32],
    count: int,
) -> list[Outcome]:
    """The outcome of every period of a grid of ``count`` periods; ``frame`` holds the
    objective's clocks and ``periods`` their period index."""
    if frame.is_empty():
        return [judge(objective, 0, 0, []) for _ in range(count)]
    mask = frame.select(counted(objective)).to_series().to_numpy() & (periods >= 0)
    breached = (frame.get_column("state") == State.BREACHED.value).to_numpy()
    n = np.bincount(periods[mask], minlength=count)
    b = np.bincount(periods[mask & breached], minlength=count)
    if objective.kind != "statistic":
        return [judge(objective, int(n[p]), int(b[p]), []) for p in range(count)]
    # each period's elapsed times: the counted rows sorted by period, cut at each period
    rows = np.flatnonzero(mask)
    rows = rows[np.argsort(periods[rows], kind="stable")]
    cuts = np.searchsorted(periods[rows], np.arange(count + 1))
    elapsed = frame.get_column("business_elapsed").to_numpy()
    return [
        judge(
            objective, int(n[p]), int(b[p]), [int(v) for v in elapsed[rows[cuts[p] : cuts[p + 1]]]]
        )
        for p in range(count)
    ]


def statistic(objective: ObjectiveSpec, values: list[int]) -> float:
    if objective.statistic == "mean":
        return float(np.mean(values))
    q = objective.percentile
    assert q is not None
    return float(np.percentile(values, q))


def judge(objective: ObjectiveSpec, n: int, breached: int, values: list[int]) -> Outcome:
    """One period's outcome from its counted clocks, breaches and (statistics) elapsed times."""
    kind = objective.kind
    if kind == "statistic":
        if not values:
            return Outcome(0, 0, None, "no_data")
        value = statistic(objective, values)
        assert objective.max is not None
        return Outcome(n, breached, value, "met" if value <= objective.max else "missed")
    if n == 0:
        return Outcome(0, 0, None, "no_data")
    if kind == "max_breaches":
        assert objective.max_breaches is not None
        status: Status = "met" if breached <= objective.max_breaches else "missed"
        return Outcome(n, breached, breached, status)
    assert objective.met_share is not None
    attainment = Fraction(n - breached, n)
    status = "met" if attainment >= Fraction(objective.met_share) else "missed"
    return Outcome(n, breached, attainment, status)


def budget(objective: ObjectiveSpec, outcome: Outcome) -> Budget | None:
    """The error budget of a period (``None`` for statistic objectives)."""
    if objective.max_breaches is not None:
        allowed = objective.max_breaches
        word = "breach" if allowed == 1 else "breaches"
        return Budget(allowed, outcome.breached, f"at most {allowed} {word} by the contract")
    if objective.met_share is None:
        return None
    allowed = allowed_at(objective, Fraction(outcome.counted))
    target = share_text(Fraction(objective.met_share))
    return Budget(
        allowed, outcome.breached, f"floor((1 − {target}) × {outcome.counted}) = {allowed}"
    )


def allowed_at(objective: ObjectiveSpec, volume: Fraction) -> int:
    """``floor((1 − objective) × volume)``, exactly."""
    assert objective.met_share is not None
    return math.floor((1 - Fraction(objective.met_share)) * volume)


def expected(
    objective: ObjectiveSpec,
    results: list[Outcome],
    labels: tuple[str, ...],
    index: int,
    history: int,
    first: int | None,
) -> Expected | None:
    """The expected volume of period ``index`` from up to ``history`` periods before it, none
    before ``first`` (the period of the objective's first clock)."""
    if first is None:
        return None
    periods = range(max(first, index - history, 0), index)
    if not periods:
        return None
    volume = Fraction(sum(results[p].counted for p in periods), len(periods))
    used = tuple(labels[p] for p in periods)
    if objective.met_share is None:
        return Expected(volume, used, None, None)
    allowed = allowed_at(objective, volume)
    warning = None
    if allowed == 0:
        target = Fraction(objective.met_share)
        span = used[0] if len(used) == 1 else f"{used[0]} to {used[-1]}"
        if target == 1:
            need = "no volume allows one at 100%"
        else:
            need = f"one breach is allowed from {math.ceil(1 / (1 - target))} clocks a period"
        warning = (
            f"at the expected {float(volume):.1f} clocks a period (mean of {span}), "
            f"{share_text(target)} allows no breach: the first breach misses the objective; "
            f"{need}"
        )
    return Expected(volume, used, allowed, warning)
