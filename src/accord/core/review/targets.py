"""Recommended targets: the smallest target on a human grid that history says a team keeps.

For each metric and priority (and optionally customer, team or policy) the clocks with a
target that started in each of the last ``periods`` periods (the current, unfinished one
included) give one Kaplan-Meier estimate per period (:mod:`accord.core.review.survival`):
stopped clocks are durations, open ones censored at their elapsed time. A grid target ``t``
*would have met* an attainment ``a`` in a period when the estimate F(t) ≥ a. The
recommendation is the smallest grid target that would have met it in every period with
clocks. When open clocks make a target undecidable in some period (the estimate is unknown
beyond their elapsed time) and no period rules it out, the answer is "none yet, at least t":
``t`` is the smallest grid target that could still reach ``a``, unconfirmed until they stop.

Alongside: the attainment of the current targets per period (each clock against its own
target, with the same estimator over elapsed ÷ target), the worst and the median period under
the recommendation, the breaches the current targets gave and those the recommendation would
have given (stopped clocks over it, and open clocks already past it). Credits under the
recommendation need a replay of the contracts (:func:`adoption_overrides` gives the candidate
configuration of adopting every recommendation; the caller replays it as a what-if).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from accord.core.kpi.models import PeriodSpec
from accord.core.kpi.periods import period_grid
from accord.core.review.figures import WhatIf
from accord.core.review.survival import KaplanMeier, kaplan_meier
from accord.core.timeutil import Instant, format_duration, iso, parse_duration
from accord.errors import InputError

HUMAN_GRID = ("1m", "5m", "10m", "15m", "30m", "1h", "2h", "4h", "8h", "1d", "2d", "3d", "5d",
              "10d")  # fmt: skip
TARGET_DIMENSIONS = ("priority", "customer", "team", "policy")
GRAINS = ("month", "week")
_EPS = 1e-9  # float products of exact fractions: 9/10 must count as 0.9
_OPEN = ("running", "paused")


def parse_grid(values: Sequence[str]) -> tuple[int, ...]:
    """A grid of durations (``1m``, ``1h``…), sorted; :class:`InputError` for a bad one."""
    out = []
    for v in values:
        try:
            seconds = parse_duration(v)
        except ValueError as exc:
            raise InputError(f"grid: {exc}") from None
        if seconds <= 0:
            raise InputError(f"grid: a target must be longer than 0s, got '{v}'")
        out.append(seconds)
    if not out:
        raise InputError("grid: give at least one target")
    return tuple(sorted(set(out)))


@dataclass(frozen=True)
class PeriodAttainment:
    """One group in one period."""

    period: str
    clocks: int
    open: int
    current: float | None  # attainment of the current targets
    recommended: float | None  # attainment of the recommendation (or of ``at_least``)
    status: str  # met, missed, undecidable, no_data (of the recommendation)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "clocks": self.clocks,
            "open": self.open,
            "current": _round(self.current),
            "recommended": _round(self.recommended),
            "status": self.status,
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


@dataclass(frozen=True)
class TargetGroup:
    key: dict[str, str | None]
    policies: tuple[str, ...]
    clocks: int
    open: int
    current_targets: tuple[int, ...]
    status: str  # recommended, undecidable, beyond_grid, no_data
    recommended: int | None
    at_least: int | None
    reason: str
    periods: tuple[PeriodAttainment, ...]
    breaches_current: int
    breaches_recommended: int | None

    def _spread(self, which: str) -> dict[str, Any]:
        values = [
            (p.period, getattr(p, which)) for p in self.periods if getattr(p, which) is not None
        ]
        if not values:
            return {"worst": None, "median": None}
        worst = min(values, key=lambda x: x[1])
        return {
            "worst": {"period": worst[0], "value": _round(worst[1])},
            "median": _round(float(np.median([v for _, v in values]))),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "key": dict(self.key),
            "clocks": self.clocks,
            "open": self.open,
            "current": {
                "targets": [format_duration(t) for t in self.current_targets],
                "targets_seconds": list(self.current_targets),
                "attainment": self._spread("current"),
                "breaches": self.breaches_current,
            },
            "status": self.status,
            "recommended": None if self.recommended is None else format_duration(self.recommended),
            "recommended_seconds": self.recommended,
            "at_least": None if self.at_least is None else format_duration(self.at_least),
            "at_least_seconds": self.at_least,
            "reason": self.reason,
            "attainment": self._spread("recommended")
            if self.recommended is not None
            else {"worst": None, "median": None},
            "breaches": {
                "current": self.breaches_current,
                "recommended": self.breaches_recommended,
            },
            "policies": list(self.policies),
            "periods": [p.to_json() for p in self.periods],
        }


@dataclass(frozen=True)
class Targets:
    as_of: Instant
    attainment: float
    grain: str
    tz: str
    labels: tuple[str, ...]
    start: Instant
    by: tuple[str, ...]
    grid: tuple[int, ...]
    groups: tuple[TargetGroup, ...]
    adoption: WhatIf | None = None
    adoption_overrides: dict[str, str] | None = None
    adoption_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        adoption = None
        if self.adoption is not None:
            whole = self.adoption.to_json()
            adoption = {
                "overrides": self.adoption_overrides,
                "total": whole["total"],
                "contracts": whole["contracts"],
                "changed_count": whole["changed_count"],
            }
        return {
            "as_of": iso(self.as_of),
            "attainment": self.attainment,
            "grain": self.grain,
            "tz": self.tz,
            "periods": list(self.labels),
            "from": iso(self.start),
            "by": ["metric", *self.by],
            "grid": [format_duration(t) for t in self.grid],
            "groups": [g.to_json() for g in self.groups],
            "adoption": adoption,
            "adoption_note": self.adoption_note,
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        rows = []
        for g in self.groups:
            j = g.to_json()
            rows.append(
                {
                    "metric": g.key.get("metric"),
                    **{d: g.key.get(d) for d in self.by},
                    "clocks": g.clocks,
                    "open": g.open,
                    "current_targets": " ".join(j["current"]["targets"]),
                    "current_worst": (j["current"]["attainment"]["worst"] or {}).get("value"),
                    "current_median": j["current"]["attainment"]["median"],
                    "status": g.status,
                    "recommended": j["recommended"],
                    "at_least": j["at_least"],
                    "worst_period": (j["attainment"]["worst"] or {}).get("period"),
                    "worst": (j["attainment"]["worst"] or {}).get("value"),
                    "median": j["attainment"]["median"],
                    "breaches_current": g.breaches_current,
                    "breaches_recommended": g.breaches_recommended,
                    "reason": g.reason,
                }
            )
        return rows


def _clocks(records: pa.Table, start: Instant, by: Sequence[str]) -> pl.DataFrame:
    names = ["metric", *by, "policy", "target", "start", "stop", "business_elapsed", "state"]
    cols = []
    for name in dict.fromkeys(names):
        col = records.column(name)
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.int64())
        cols.append(col)
    df = pl.from_arrow(pa.table(cols, names=list(dict.fromkeys(names))))
    assert isinstance(df, pl.DataFrame)
    state = pl.col("state")
    return df.filter(
        pl.col("target").is_not_null() & (state != "cancelled") & (pl.col("start") >= start)
    ).with_columns(pl.col(c).cast(pl.String) for c in dict.fromkeys(("metric", *by, "policy")))


@dataclass
class _Sample:
    elapsed: np.ndarray[Any, np.dtype[np.float64]]
    stopped: np.ndarray[Any, np.dtype[np.bool_]]
    target: np.ndarray[Any, np.dtype[np.float64]]
    breached: int

    @property
    def km(self) -> KaplanMeier:
        return kaplan_meier(self.elapsed, self.stopped)

    @property
    def current(self) -> float | None:
        # each clock against its own target: the estimate of elapsed ÷ target at 1 (a target
        # of 0s is met by 0s only)
        safe = np.where(self.target > 0, self.target, 1.0)
        ratio = np.where(self.target > 0, self.elapsed / safe, np.where(self.elapsed > 0, 2.0, 0.0))
        return kaplan_meier(ratio, self.stopped).attainment(1.0)

    def breaches_at(self, t: int) -> int:
        """Stopped clocks over ``t``, and open clocks already past it."""
        return int((self.elapsed > t).sum())


def recommend(
    records: pa.Table,
    as_of: Instant,
    *,
    attainment: float = 0.95,
    periods: int = 6,
    grain: str = "month",
    tz: str = "UTC",
    by: Sequence[str] = ("priority",),
    grid: Sequence[int] | None = None,
    metrics: Sequence[str] | None = None,
) -> Targets:
    """The recommended targets of the clocks in ``records`` (a records table judged at
    ``as_of``) over the last ``periods`` periods of ``grain`` in ``tz`` (module doc)."""
    if not 0 < attainment <= 1 or math.isnan(attainment):
        raise InputError(f"the attainment is a share above 0 and at most 1, got {attainment}")
    if grain not in GRAINS:
        raise InputError(f"grain: use {' or '.join(GRAINS)}, got '{grain}'")
    if periods < 1:
        raise InputError("periods: at least 1")
    steps = tuple(sorted(set(grid))) if grid else parse_grid(HUMAN_GRID)
    by = tuple(d for d in by if d in TARGET_DIMENSIONS)
    try:
        spec = PeriodSpec(grain=grain, tz=tz)  # type: ignore[arg-type]
        pgrid = period_grid(spec, as_of, periods)
    except (ValueError, OverflowError) as exc:
        raise InputError(str(exc)) from None
    start = int(pgrid.bounds[0])
    df = _clocks(records, start, by)
    if metrics:
        df = df.filter(pl.col("metric").is_in(list(metrics)))
    period = pgrid.index(df.get_column("start").to_numpy().astype(np.int64))
    df = df.with_columns(pl.Series("__period", period)).filter(pl.col("__period") >= 0)
    keys = ["metric", *by]
    samples: dict[tuple[Any, ...], dict[int, _Sample]] = {}
    policies: dict[tuple[Any, ...], set[str]] = {}
    targets: dict[tuple[Any, ...], set[int]] = {}
    grouped = df.group_by([*keys, "__period"]).agg(
        pl.col("business_elapsed"),
        pl.col("stop").is_not_null().alias("__stopped"),
        pl.col("target"),
        (pl.col("state") == "breached").sum().alias("__breached"),
        # aliased: ``policy`` may also be a key of the grouping
        pl.col("policy").drop_nulls().unique().alias("__policies"),
    )
    for row in grouped.iter_rows(named=True):
        key = tuple(row[k] for k in keys)
        samples.setdefault(key, {})[row["__period"]] = _Sample(
            np.asarray(row["business_elapsed"], dtype=np.float64),
            np.asarray(row["__stopped"], dtype=bool),
            np.asarray(row["target"], dtype=np.float64),
            int(row["__breached"]),
        )
        policies.setdefault(key, set()).update(row["__policies"])
        targets.setdefault(key, set()).update(int(t) for t in row["target"])
    groups = [
        _group(
            dict(zip(keys, key, strict=True)),
            samples[key],
            pgrid.labels,
            steps,
            attainment,
            tuple(sorted(policies[key])),
            tuple(sorted(targets[key])),
        )
        for key in sorted(samples, key=lambda t: tuple((v is None, v or "") for v in t))
    ]
    return Targets(as_of, attainment, grain, tz, pgrid.labels, start, by, steps, tuple(groups))


def _group(
    key: dict[str, str | None],
    by_period: dict[int, _Sample],
    labels: tuple[str, ...],
    grid: tuple[int, ...],
    a: float,
    policies: tuple[str, ...],
    current_targets: tuple[int, ...],
) -> TargetGroup:
    kms = {p: s.km for p, s in by_period.items()}
    status, chosen, reason = "beyond_grid", None, ""
    for t in grid:
        got = {p: km.attainment(t) for p, km in kms.items()}
        missed = [labels[p] for p, f in got.items() if f is not None and f < a - _EPS]
        unknown = [labels[p] for p, f in got.items() if f is None]
        if not missed and not unknown:
            status, chosen = "recommended", t
            reason = (
                f"{format_duration(t)} would have met {_pct(a)} in each of the "
                f"{len(kms)} period(s) with clocks"
            )
            break
        if not missed:
            status, chosen = "undecidable", t
            reason = (
                f"no smaller target on the grid would have met {_pct(a)} in every period; "
                f"{format_duration(t)} could, but clocks still open in {', '.join(unknown)} "
                "decide it: unconfirmed until they stop"
            )
            break
    if status == "beyond_grid":
        reason = (
            f"no target up to {format_duration(grid[-1])} would have met {_pct(a)} in every period"
        )
    rows = []
    for p, label in enumerate(labels):
        s = by_period.get(p)
        if s is None:
            rows.append(PeriodAttainment(label, 0, 0, None, None, "no_data"))
            continue
        f = kms[p].attainment(chosen) if chosen is not None else None
        if chosen is None:
            st = "missed"
        elif f is None:
            st = "undecidable"
        else:
            st = "met" if f >= a - _EPS else "missed"
        rows.append(
            PeriodAttainment(label, s.elapsed.size, int((~s.stopped).sum()), s.current, f, st)
        )
    clocks = sum(s.elapsed.size for s in by_period.values())
    opened = sum(int((~s.stopped).sum()) for s in by_period.values())
    return TargetGroup(
        key=key,
        policies=policies,
        clocks=clocks,
        open=opened,
        current_targets=current_targets,
        status=status,
        recommended=chosen if status == "recommended" else None,
        at_least=chosen if status == "undecidable" else None,
        reason=reason,
        periods=tuple(rows),
        breaches_current=sum(s.breached for s in by_period.values()),
        breaches_recommended=sum(s.breaches_at(chosen) for s in by_period.values())
        if status == "recommended" and chosen is not None
        else None,
    )


def _pct(a: float) -> str:
    return f"{a * 100:g}%"


def _segment(name: str) -> str:
    return f'"{name}"' if any(c in name for c in ".[]\"'") else name


def adoption_overrides(targets: Targets) -> tuple[dict[str, str] | None, str | None]:
    """The overrides that adopt every recommendation (per policy, metric and priority), and
    why there are none when that cannot be written as a configuration."""
    if any(d in targets.by for d in ("customer", "team")):
        return None, (
            "the credits of adopting the recommendations need targets per policy; recommended "
            "per customer or team they cannot be written as one configuration (group by "
            "priority or policy to see them)"
        )
    out: dict[str, str] = {}
    skipped = 0
    for g in targets.groups:
        if g.recommended is None:
            continue
        priority = g.key.get("priority")
        if priority is None:
            skipped += 1
            continue
        for policy in g.policies:
            path = f"policies.{_segment(policy)}.metrics.{_segment(str(g.key['metric']))}"
            out[f"{path}.{_segment(priority)}"] = format_duration(g.recommended)
    if not out:
        return None, "no recommendation to adopt"
    note = (
        f"{skipped} recommendation(s) for clocks without a priority are not adopted"
        if skipped
        else None
    )
    return out, note
