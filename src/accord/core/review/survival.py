"""The Kaplan-Meier estimate of how long clocks take, with open clocks as censored observations.

A stopped clock is an *event*: its business elapsed is its duration. A clock still open at
as-of is *censored*: its duration is longer than its elapsed time so far, by an unknown amount.
Leaving open clocks out, or counting them as met, makes targets look easier than they are (the
slow clocks are exactly the ones still open); counting them as breached makes them look
harder. The Kaplan-Meier estimator uses each open clock for as long as it is known to have run:

    S(t) = Π over event durations tᵢ ≤ t of (1 − dᵢ / nᵢ)

where dᵢ clocks stopped at tᵢ and nᵢ were still running just before tᵢ (every clock whose
duration or elapsed time is at least tᵢ). Ties: clocks that stop at tᵢ are taken to stop
before those censored at tᵢ (an open clock with elapsed tᵢ has not stopped by tᵢ), so the
censored ones are still at risk at tᵢ. The attainment of a target t is F(t) = 1 − S(t), the
estimated share of clocks with duration ≤ t, i.e. met (met means elapsed ≤ target).

Without censoring F(t) is exactly the share of clocks with duration ≤ t. Beyond the largest
observation, when that observation is an open clock, S is unknown (somewhere between 0 and its
last value): the estimate of such a target is undecidable until those clocks stop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class KaplanMeier:
    """The estimate over one sample: ``times`` are the distinct durations at which clocks
    stopped, ``survival`` the estimate of S just after each of them."""

    times: F64
    survival: F64
    n: int  # clocks in the sample
    stopped: int  # of which stopped (the others are open: censored)
    last: float  # the largest duration or elapsed time observed (-1 for an empty sample)

    @property
    def tail(self) -> float:
        """S at the last observation: the share of clocks of unknown fate beyond it."""
        return float(self.survival[-1]) if self.survival.size else 1.0

    def attainment(self, target: float) -> float | None:
        """F(target) = 1 − S(target); ``None`` when it cannot be known: an empty sample, or a
        target beyond the last observation while open clocks remain there."""
        if self.n == 0:
            return None
        if target > self.last and self.tail > 0:
            return None
        i = int(np.searchsorted(self.times, target, side="right")) - 1
        s = 1.0 if i < 0 else float(self.survival[i])
        return 1.0 - s

    def lower_bound(self, target: float) -> float:
        """The least F(target) can be: open clocks still short of the target count as
        breached (what the estimate is when it is undecidable: at least this)."""
        if self.n == 0:
            return 0.0
        i = int(np.searchsorted(self.times, min(target, self.last), side="right")) - 1
        return 1.0 - (1.0 if i < 0 else float(self.survival[i]))

    def quantile(self, p: float) -> float | None:
        """The smallest stopped duration t with F(t) ≥ p (``None`` if the estimate never gets
        there)."""
        if not self.times.size:
            return None
        hit = np.flatnonzero(1.0 - self.survival >= p - 1e-12)
        return float(self.times[hit[0]]) if hit.size else None


def kaplan_meier(durations: npt.ArrayLike, stopped: npt.ArrayLike) -> KaplanMeier:
    """The estimate of a sample: ``durations`` (business seconds: the duration of a stopped
    clock, the elapsed time of an open one; or any other non-negative measure) and ``stopped``
    (True for an event)."""
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(stopped, dtype=bool)
    if d.shape != e.shape or d.ndim != 1:
        raise ValueError("durations and stopped must be two sequences of the same length")
    if not np.isfinite(d).all() or (d < 0).any():
        raise ValueError("durations must be finite and not negative")
    n = int(d.size)
    if n == 0:
        return KaplanMeier(np.zeros(0), np.zeros(0), 0, 0, -1.0)
    order = np.argsort(d, kind="stable")
    d, e = d[order], e[order]
    times, first = np.unique(d, return_index=True)
    at_risk = n - first  # every clock with duration or elapsed ≥ the time: censored ties too
    deaths = np.add.reduceat(e.astype(np.int64), first)
    has = deaths > 0
    survival: F64 = np.cumprod(1.0 - deaths[has] / at_risk[has]).astype(np.float64)
    return KaplanMeier(times[has], survival, n, int(e.sum()), float(d[-1]))
