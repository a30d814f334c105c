"""The quarterly review report: one period's figures assembled from the review functions.

For the clocks that **started** in the period (a month, quarter or year, in a time zone),
judged at as-of, optionally of one customer:

- attainment per objective (metric and priority): judged, met, breached, open and compliance
  over the period and per month or ISO week within it (the trend);
- the contract objectives of the configuration in force over the contract periods that overlap
  the period;
- the recommended targets over the months or weeks of the period (:func:`recommend`);
- the what-if of adopting them (breaches and credits under both configurations), and of a
  given candidate configuration;
- the capacity plan of the period (agents needed per interval of the week; with a number of
  agents, the shortfalls).

Pure: the caller reads the events, computes the records once and says how to build the
candidate configuration of the adoption (it has the configuration's sources).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch import compute_batch
from accord.core.kpi.frames import records_frame_of_table
from accord.core.kpi.models import PeriodSpec
from accord.core.kpi.periods import PeriodGrid, period_grid
from accord.core.review.arrivals import Range, group_loads
from accord.core.review.candidate import Setup
from accord.core.review.facts import in_mask
from accord.core.review.figures import WhatIf
from accord.core.review.staffing import Plan, plan
from accord.core.review.targets import GRAINS, Targets, adoption_overrides, recommend
from accord.core.review.whatif import compare
from accord.core.review.window import Window, period_window
from accord.core.timeutil import Instant, format_duration, from_instant, iso, zone
from accord.errors import InputError, NotFoundError

BY = ("metric", "priority")
_WEEK = 7 * 86_400
_JUDGED = ("met", "breached")
_OPEN = ("running", "paused")


@dataclass(frozen=True)
class Point:
    """One objective in one month or week of the period."""

    period: str
    judged: int
    met: int
    breached: int
    open: int

    @property
    def compliance(self) -> float | None:
        return round(self.met / self.judged, 6) if self.judged else None

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "judged": self.judged,
            "met": self.met,
            "breached": self.breached,
            "open": self.open,
            "compliance": self.compliance,
        }


@dataclass(frozen=True)
class ObjectiveTrend:
    """One objective (a metric and priority) over the period and per month or week."""

    metric: str
    priority: str | None
    targets: tuple[int, ...]
    total: Point
    points: tuple[Point, ...]

    @property
    def name(self) -> str:
        return f"{self.metric} {self.priority or '(no priority)'}"

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "priority": self.priority,
            "targets": [format_duration(t) for t in self.targets],
            **{k: v for k, v in self.total.to_json().items() if k != "period"},
            "trend": [p.to_json() for p in self.points],
        }


@dataclass(frozen=True)
class CapacityOptions:
    """The capacity part of the report (docs/review.md, "Capacity", "From history")."""

    metric: str = "first_response"
    target: int | None = None  # one target for every arrival; None: each its own
    goal: float = 0.8
    aht: float | None = None  # seconds; None: from agent_work
    agents: int | None = None


@dataclass(frozen=True)
class ReviewReport:
    window: Window
    customer: str | None
    as_of: Instant
    grain: str
    periods: tuple[str, ...]  # the months or weeks of the trend
    events: int
    objectives: tuple[ObjectiveTrend, ...]
    baseline: WhatIf  # the configuration in force (its contracts and per-objective figures)
    targets: Targets
    adoption: WhatIf | None
    adoption_overrides: Mapping[str, str] | None
    adoption_note: str | None
    candidate: WhatIf | None
    capacity: Plan | None
    capacity_options: CapacityOptions
    capacity_note: str | None = None  # why there is no capacity plan
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> Point:
        return Point(
            self.window.label or "",
            sum(o.total.judged for o in self.objectives),
            sum(o.total.met for o in self.objectives),
            sum(o.total.breached for o in self.objectives),
            sum(o.total.open for o in self.objectives),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.window.label,
            "window": self.window.to_json(),
            "customer": self.customer,
            "as_of": iso(self.as_of),
            "grain": self.grain,
            "periods": list(self.periods),
            "events": self.events,
            "total": {k: v for k, v in self.total.to_json().items() if k != "period"},
            "objectives": [o.to_json() for o in self.objectives],
            "contracts": [
                c.current.to_json() for c in self.baseline.contracts if c.current is not None
            ],
            "targets": self.targets.to_json(),
            "adoption": None if self.adoption is None else _whatif_summary(self.adoption),
            "adoption_overrides": dict(self.adoption_overrides or {}),
            "adoption_note": self.adoption_note,
            "candidate": None if self.candidate is None else _whatif_summary(self.candidate),
            "capacity": None if self.capacity is None else _capacity_json(self.capacity),
            "capacity_note": self.capacity_note,
            "notes": list(self.notes),
        }


def _whatif_summary(w: WhatIf) -> dict[str, Any]:
    whole = w.to_json()
    for g in whole["groups"]:
        g.pop("changed", None)
    return {
        "configuration": whole["configurations"]["candidate"],
        "groups": whole["groups"],
        "total": whole["total"],
        "contracts": whole["contracts"],
        "changed_count": whole["changed_count"],
    }


def _capacity_json(p: Plan) -> dict[str, Any]:
    return {
        "metric": p.metric,
        "service_level_goal": p.goal,
        "agents": p.agents,
        "groups": [
            {
                "group": g.group,
                "calendar": g.calendar,
                "tz": g.tz,
                "arrivals": g.arrivals,
                "aht_seconds": round(g.aht_seconds, 3),
                "aht_source": g.aht_source,
                "peak_agents_needed": g.peak_agents,
                "shortfalls": [
                    {
                        "day": i.day,
                        "from": i.start,
                        "to": i.end,
                        "agents_needed": i.agents_needed,
                        "agents": i.agents,
                        "shortfall": i.shortfall,
                        "service_level": i.service_level,
                        "reachable": i.reachable,
                    }
                    for i in g.shortfalls
                ],
            }
            for g in p.groups
        ],
        "notes": list(p.notes),
    }


def default_grain(window: Window) -> str:
    """Weeks for a one-month report, months otherwise."""
    label = window.label or ""
    return "week" if len(label) == 7 and "Q" not in label.upper() else "month"


def sub_periods(window: Window, grain: str, as_of: Instant) -> PeriodGrid:
    """The months or ISO weeks that overlap the window, up to the one containing as-of (or the
    window's last); the first and last week may reach outside the window."""
    if grain not in GRAINS:
        raise InputError(f"grain: use {' or '.join(GRAINS)}, got '{grain}'")
    assert window.start is not None and window.end is not None
    last = min(as_of, window.end - 1)
    span = last - window.start
    count = span // _WEEK + 2 if grain == "week" else span // (28 * 86_400) + 2
    grid = period_grid(PeriodSpec(grain=grain, tz=window.tz), last, int(count))  # type: ignore[arg-type]
    keep = int(np.searchsorted(grid.bounds[1:], window.start, side="right"))
    return period_grid(PeriodSpec(grain=grain, tz=window.tz), last, grid.count - keep)  # type: ignore[arg-type]


def customer_events(events: pa.Table, records: pa.Table, customer: str) -> pa.Table:
    """The events of the tickets whose clocks belong to ``customer``."""
    col = records.column("customer").cast(pa.string())
    mine = records.filter(pc.fill_null(pc.equal(col, customer), False))
    tickets = dict.fromkeys(mine.column("ticket_id").cast(pa.string()).to_pylist())
    return events.filter(in_mask(events.column("ticket_id"), tickets))


def own_records(records: pa.Table, customer: str | None) -> pa.Table:
    """Only the records of ``customer`` (all without one)."""
    if customer is None:
        return records
    col = records.column("customer").cast(pa.string())
    return records.filter(pc.fill_null(pc.equal(col, customer), False))


def _clocks(records: pa.Table, window: Window) -> pl.DataFrame:
    names = ["metric", "priority", "target", "start", "state"]
    cols = [records.column(n) for n in names]
    cols = [c.cast(pa.int64()) if pa.types.is_timestamp(c.type) else c for c in cols]
    df = pl.from_arrow(pa.table(cols, names=names))
    assert isinstance(df, pl.DataFrame)
    assert window.start is not None and window.end is not None
    return df.with_columns(
        pl.col(c).cast(pl.String) for c in ("metric", "priority", "state")
    ).filter(
        pl.col("target").is_not_null()
        & pl.col("state").is_in([*_JUDGED, *_OPEN])
        & (pl.col("start") >= window.start)
        & (pl.col("start") < window.end)
    )


def _trends(df: pl.DataFrame, grid: PeriodGrid) -> tuple[ObjectiveTrend, ...]:
    idx = grid.index(df.get_column("start").to_numpy().astype(np.int64))
    df = df.with_columns(pl.Series("__p", idx))
    counts = df.group_by(["metric", "priority", "__p", "state"]).len()
    targets = df.group_by(["metric", "priority"]).agg(pl.col("target").unique().sort())
    cells: dict[tuple[Any, Any], dict[int, list[int]]] = {}
    for metric, priority, p, state, n in counts.iter_rows():
        slot = {"met": 0, "breached": 1}.get(state, 2)
        cells.setdefault((metric, priority), {}).setdefault(int(p), [0, 0, 0])[slot] += int(n)
    target_of = {(m, pr): tuple(int(t) for t in ts) for m, pr, ts in targets.iter_rows()}
    out = []
    for key in sorted(cells, key=lambda k: (k[0], k[1] is None, k[1] or "")):
        per = cells[key]
        points = tuple(
            Point(label, *_point(per.get(i, [0, 0, 0]))) for i, label in enumerate(grid.labels)
        )
        whole = [sum(v[j] for v in per.values()) for j in range(3)]
        out.append(
            ObjectiveTrend(key[0], key[1], target_of[key], Point("", *_point(whole)), points)
        )
    return tuple(out)


def _point(v: list[int]) -> tuple[int, int, int, int]:
    return v[0] + v[1], v[0], v[1], v[2]


def build_report(
    events: pa.Table,
    records: pa.Table,
    current: Setup,
    as_of: Instant,
    *,
    period: str,
    tz: str = "UTC",
    customer: str | None = None,
    grain: str | None = None,
    attainment: float = 0.95,
    adopt: Callable[[dict[str, str]], Setup] | None = None,
    candidate: Setup | None = None,
    capacity: CapacityOptions | None = None,
    jobs: int = 1,
) -> ReviewReport:
    """The review report of ``period`` (module doc). ``events`` and ``records`` (computed at
    ``as_of`` under ``current``) are already those of ``customer`` when one is given;
    ``adopt`` builds the candidate configuration of a set of overrides (none: no adoption).
    :class:`NotFoundError` when no clock with a target started in the period."""
    window = period_window(period, tz)
    assert window.start is not None and window.end is not None
    clocks = _clocks(records, window)
    if clocks.height == 0:
        who = f" of customer '{customer}'" if customer else ""
        raise NotFoundError(
            f"no data: no clock with a target{who} started in {window.label} ({tz}), "
            f"judged as of {iso(as_of)}; {_span(records)}"
        )
    grain = grain or default_grain(window)
    grid = sub_periods(window, grain, as_of)
    objectives = _trends(clocks, grid)
    targets = recommend(
        records,
        min(as_of, window.end - 1),
        attainment=attainment,
        periods=grid.count,
        grain=grain,
        tz=tz,
        by=("priority",),
    )
    notes: list[str] = []
    if as_of < window.end:
        notes.append(f"{window.label} is not over: the figures are as of {iso(as_of)}")
    adoption = overrides = None
    note = None
    if adopt is not None and targets.groups:
        overrides, note = adoption_overrides(targets)
        if overrides is not None:
            cand_setup = adopt(overrides)
            adoption = _compare(events, records, current, cand_setup, as_of, window, customer, jobs)
    elif adopt is None:
        note = "the adoption of the recommendations was not replayed"
    baseline = adoption or compare(
        events, records, records, current, current, as_of, window=window, by=BY, explain=0
    )
    cand = None
    if candidate is not None:
        cand = _compare(events, records, current, candidate, as_of, window, customer, jobs)
    if customer is not None:
        baseline = _only(baseline, customer)
        adoption = None if adoption is None else _only(adoption, customer)
        cand = None if cand is None else _only(cand, customer)
    options = capacity or CapacityOptions()
    staffing, capacity_note = _capacity(records, current, window, options)
    return ReviewReport(
        window=window,
        customer=customer,
        as_of=as_of,
        grain=grain,
        periods=grid.labels,
        events=events.num_rows,
        objectives=objectives,
        baseline=baseline,
        targets=targets,
        adoption=adoption,
        adoption_overrides=overrides,
        adoption_note=note,
        candidate=cand,
        capacity=staffing,
        capacity_options=options,
        capacity_note=capacity_note,
        notes=tuple(notes),
    )


def _compare(
    events: pa.Table,
    records: pa.Table,
    current: Setup,
    cand: Setup,
    as_of: Instant,
    window: Window,
    customer: str | None,
    jobs: int,
) -> WhatIf:
    """The what-if of ``cand`` against the configuration in force, by metric and priority
    (the candidate's records of ``customer`` only, as the records in force are)."""
    b = own_records(compute_batch(events, cand.config, as_of, jobs=jobs), customer)
    return compare(events, records, b, current, cand, as_of, window=window, by=BY, explain=0)


def _only(w: WhatIf, customer: str) -> WhatIf:
    return replace(w, contracts=tuple(c for c in w.contracts if c.customer == customer))


def _capacity(
    records: pa.Table, current: Setup, window: Window, options: CapacityOptions
) -> tuple[Plan | None, str | None]:
    assert window.start is not None and window.end is not None
    first, end = _local_dates(window)
    try:
        loads = group_loads(
            records_frame_of_table(records),
            current.config,
            metric=options.metric,
            span=Range(first, end),
            target=options.target,
        )
        if not loads:
            return None, f"capacity: no '{options.metric}' arrivals in {window.label}"
        return (
            plan(
                loads,
                metric=options.metric,
                goal=options.goal,
                aht=options.aht,
                target=options.target,
                agents=options.agents,
            ),
            None,
        )
    except InputError as exc:
        return None, f"capacity: {exc}"


def _local_dates(window: Window) -> tuple[date, date]:
    """The local dates of the window (its end exclusive), as the capacity plan reads a range."""
    assert window.start is not None and window.end is not None
    tzinfo = zone(window.tz)
    first = from_instant(window.start).astimezone(tzinfo).date()
    last = from_instant(window.end - 1).astimezone(tzinfo).date()
    return first, last + timedelta(days=1)


def _span(records: pa.Table) -> str:
    if records.num_rows == 0:
        return "there are no clocks at all"
    starts = records.column("start").cast(pa.int64())
    lo, hi = pc.min(starts).as_py(), pc.max(starts).as_py()
    return f"the clocks start from {iso(lo)} to {iso(hi)}"
