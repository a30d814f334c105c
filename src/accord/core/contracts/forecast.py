"""Burn, open clocks at risk, and the forecast of a period's end.

**Burn** is counted over the last ``burn_window`` (default 20) completed clocks of the
objective, whatever their period (time windows mean nothing at a few tickets a week): the
share of them breached, divided by the share of breaches the objective allows, ``1 − objective``
(for ``max_breaches``: the allowed breaches ÷ the period's expected volume). A burn of 1 spends
the budget exactly by the period's end; 2 spends it twice as fast. Clocks are ordered by the
instant their outcome became known (stop, or breach while open).

**At risk** are open clocks (running or paused, not excluded) that can still breach before
the period's end (for a rolling window: within one more window): those past a warning
threshold of their policy, and running ones due before the period's end with less business
time left than a typical clock of the objective takes (the median business elapsed of the
burn window's stopped clocks). A paused clock has no due instant and is at risk only by its
warnings.

The **forecast** of an unfinished period's end, for ``met_share`` and ``max_breaches``::

    R = expected remaining completions
      = expected volume × share of the period left      (with history)
      = counted so far × left ÷ elapsed                 (without: the period's own pace)
    a = open clocks at risk, taken as breaches
    r = the burn window's breach share (0 without completed clocks)
    judged   = counted + max(R, a)
    breaches = breached + a + max(R − a, 0) × r
    attainment = 1 − breaches ÷ judged

A statistic is forecast at its value so far. Finished periods and rolling windows have no
forecast: their figures are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import polars as pl

from accord.core.contracts.assignment import completion_instant, counted
from accord.core.contracts.budget import Outcome, Status, pct, share_text
from accord.core.contracts.models import ObjectiveSpec
from accord.core.records import State
from accord.core.timeutil import Instant, format_duration


@dataclass(frozen=True)
class Burn:
    """Breaches among the last ``clocks`` completed clocks (at most ``window``), against the
    share of breaches the objective allows."""

    window: int
    clocks: int
    breaches: int
    allowed: Fraction | None
    typical: float | None  # median business elapsed of the window's stopped clocks
    basis: str

    @property
    def observed(self) -> Fraction | None:
        return Fraction(self.breaches, self.clocks) if self.clocks else None

    @property
    def rate(self) -> float | None:
        observed = self.observed
        if observed is None or not self.allowed:
            return None
        return float(observed / self.allowed)


@dataclass(frozen=True)
class AtRisk:
    """One open clock likely to breach, and why."""

    ticket_id: str
    metric: str
    cycle: int
    state: str
    due: Instant | None
    remaining: int | None
    reason: str


@dataclass(frozen=True)
class Forecast:
    """The estimated end of an unfinished period: ``value`` as the outcome's (attainment,
    breaches or statistic), the judged clocks and breaches it rests on, and how."""

    value: Fraction | float | None
    status: Status
    judged: Fraction
    breaches: Fraction
    basis: str


def burn(
    objective: ObjectiveSpec, frame: pl.DataFrame, window: int, allowed: Fraction | None
) -> Burn:
    """The burn over the last ``window`` completed clocks of the objective's clocks ``frame``."""
    done = (
        frame.filter(counted(objective))
        .with_columns(__at=completion_instant())
        .sort(["__at", "ticket_id", "metric", "cycle"])
        .tail(window)
    )
    n = done.height
    breaches = int((done.get_column("state") == State.BREACHED.value).sum())
    stopped = done.filter(pl.col("stop").is_not_null()).get_column("business_elapsed")
    typical = float(np.median(stopped.to_numpy())) if stopped.len() else None
    if n == 0:
        basis = "no completed clock yet"
    else:
        basis = (
            f"{breaches} breached of the last {n} completed clocks ({pct(Fraction(breaches, n))})"
        )
        if allowed is None:
            basis += "; no allowed rate to compare with (no expected volume)"
        elif allowed == 0:
            basis += "; the objective allows no breach"
        else:
            rate = Fraction(breaches, n) / allowed
            basis += f" ÷ {pct(allowed)} allowed = burn {float(rate):.2f}"
    return Burn(window, n, breaches, allowed, typical, basis)


def at_risk(frame: pl.DataFrame, horizon: Instant, typical: float | None) -> list[AtRisk]:
    """Open clocks of ``frame`` (the objective's clocks that can count in the period) likely
    to breach before ``horizon``, soonest due first (paused ones last)."""
    open_ = frame.filter(
        pl.col("stop").is_null()
        & pl.col("state").is_in((State.RUNNING.value, State.PAUSED.value))
        & pl.col("excluded").is_null()
        & pl.col("target").is_not_null()
    )
    out: list[AtRisk] = []
    for row in open_.iter_rows(named=True):
        due: int | None = row["due"]
        remaining = row["target"] - row["business_elapsed"]
        can_breach = due is None or due < horizon
        if row["warning"] is not None and can_breach:
            reason = f"warning {row['warning']} reached"
        elif due is not None and due < horizon and typical is not None and remaining < typical:
            reason = (
                f"{format_duration(remaining)} left before due, less than the typical "
                f"{format_duration(round(typical))}"
            )
        else:
            continue
        out.append(
            AtRisk(row["ticket_id"], row["metric"], row["cycle"], row["state"], due, remaining,
                   reason)
        )  # fmt: skip
    out.sort(key=lambda r: (r.due is None, r.due or 0, r.ticket_id, r.metric, r.cycle))
    return out


def remaining_volume(
    outcome: Outcome, expected_volume: Fraction | None, left: Fraction, elapsed: Fraction
) -> tuple[Fraction, str]:
    """Completions still expected in the period, and how that number came about."""
    if expected_volume is not None:
        r = expected_volume * left
        return r, f"mean {float(expected_volume):.1f} a period × {pct(left, 1)} of it left"
    if elapsed <= 0:
        return Fraction(0), "no history and no time elapsed"
    r = outcome.counted * left / elapsed
    return r, f"{outcome.counted} so far at this period's pace, {pct(left, 1)} of it left"


def forecast(
    objective: ObjectiveSpec,
    outcome: Outcome,
    risky: int,
    remaining: tuple[Fraction, str],
    recent: Burn | None,
) -> Forecast:
    """The end of an unfinished period (see the module's documentation for the formula)."""
    if objective.kind == "statistic":
        n = Fraction(outcome.counted)
        return Forecast(outcome.value, outcome.status, n, Fraction(0), "so far: the value to date")
    r_volume, how = remaining
    rate = (recent.observed if recent is not None else None) or Fraction(0)
    a = Fraction(risky)
    judged = outcome.counted + max(r_volume, a)
    later = max(r_volume - a, Fraction(0))
    breaches = outcome.breached + a + later * rate
    basis = (
        f"judged {outcome.counted} + {float(max(r_volume, a)):.1f} expected ({how}) = "
        f"{float(judged):.1f}; breaches {outcome.breached} + {risky} open at risk + "
        f"{float(later):.1f} × {pct(rate)} recent breach share = {float(breaches):.1f}"
    )
    value: Fraction | None
    if objective.max_breaches is not None:
        value = breaches
        status: Status = "met" if breaches <= objective.max_breaches else "missed"
        basis += f" against at most {objective.max_breaches}"
    elif judged == 0:
        value, status = None, "no_data"
    else:
        assert objective.met_share is not None
        value = 1 - breaches / judged
        status = "met" if value >= Fraction(objective.met_share) else "missed"
        basis += f"; attainment {pct(value)} against {share_text(Fraction(objective.met_share))}"
    return Forecast(value, status, judged, breaches, basis)
