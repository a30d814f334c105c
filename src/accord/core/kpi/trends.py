"""Trends: one KPI's value per week or month over a range of dates, for everyone or one
customer and/or team, with the KPI's target and bands (what the dashboard's Trends page
draws).

The values are the KPI evaluation's own (:func:`accord.core.kpi.evaluate.evaluate`, the same
figures ``GET /api/v1/kpis/{name}/values`` answers), so a point's ``n`` is the number of rows
``GET /api/v1/kpis/{name}/rows`` lists for it. The series ``compliance``, ``breaches`` and
``backlog`` are the built-in KPIs ``sla_compliance``, ``breaches`` and ``backlog``
(``docs/kpis.md`` defines them); ``kpi:<name>`` is any KPI of the catalog.

The range is two local dates in the KPI's zone, ``first`` to ``last`` inclusive. The points are
the periods of the grain (ISO weeks from Monday, calendar months, from local midnight) that
overlap it, from the one containing ``first`` up to the one containing ``last`` or as-of,
whichever is earlier: a period that has not started has no value yet. A customer or team
picks that value of the dimension (``by: [customer, team]``); when the group has no row in
any period its points are 0 for counts, sums and rates and have no value otherwise, as an
empty period of any group has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import polars as pl

from accord.core.kpi.evaluate import _band, evaluate, fills_zero, unit_of
from accord.core.kpi.facts import TicketFacts
from accord.core.kpi.models import KpiSpec, PeriodSpec, Unit
from accord.core.kpi.periods import period_grid
from accord.core.timeutil import Instant, zone
from accord.errors import InputError, NotFoundError

TrendGrain = Literal["week", "month"]
SERIES: dict[str, str] = {
    "compliance": "sla_compliance",
    "breaches": "breaches",
    "backlog": "backlog",
}
KPI_PREFIX = "kpi:"
MAX_TREND_PERIODS = 366  # as many as a KPI values request may ask for


def series_kpi(series: str) -> str:
    """The KPI a series names: ``compliance`` → ``sla_compliance``, ``kpi:<name>`` → name."""
    if series in SERIES:
        return SERIES[series]
    if series.startswith(KPI_PREFIX) and len(series) > len(KPI_PREFIX):
        return series[len(KPI_PREFIX) :]
    raise InputError(f"'{series}' is not a series; use compliance, breaches, backlog or kpi:<name>")


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def periods_between(grain: TrendGrain, first: date, last: date) -> int:
    """How many periods of ``grain`` there are from the one containing ``first`` to the one
    containing ``last``, both included (0 when ``last`` is in an earlier period)."""
    if grain == "week":
        a = first - timedelta(days=first.weekday())
        b = last - timedelta(days=last.weekday())
        return max(0, (b - a).days // 7 + 1)
    return max(0, _month_index(last) - _month_index(first) + 1)


def local_date(t: Instant, tz: str) -> date:
    """The date at instant ``t`` in zone ``tz``."""
    return datetime.fromtimestamp(t, UTC).astimezone(zone(tz)).date()


@dataclass(frozen=True)
class TrendPoint:
    """One period's value; ``n`` is the number of rows behind it (the drill-down's length)."""

    period: str
    start: Instant
    end: Instant
    current: bool
    value: float | None
    n: int
    band: str | None


@dataclass(frozen=True)
class Trend:
    """A KPI's points over the range. ``periods`` is the size of the evaluated grid (the
    periods from the first point up to the one containing as-of): the ``periods`` that
    ``GET /api/v1/kpis/{name}/rows`` needs to find a point's period."""

    kpi: str
    label: str
    unit: Unit
    direction: str | None
    target: float | None
    green: float | None
    amber: float | None
    grain: TrendGrain
    tz: str
    periods: int
    points: tuple[TrendPoint, ...]


def trend(
    catalog: Mapping[str, KpiSpec],
    name: str,
    as_of: Instant,
    *,
    records: pl.DataFrame | None,
    facts: TicketFacts | None,
    grain: TrendGrain,
    first: date,
    last: date,
    customer: str | None = None,
    team: str | None = None,
    zones: Mapping[str, str] | None = None,
) -> Trend:
    """KPI ``name`` per period of ``grain`` over the local dates ``first`` to ``last`` (see
    the module doc), judged at ``as_of``."""
    spec = catalog.get(name)
    if spec is None:
        raise NotFoundError(f"unknown KPI '{name}'")
    if last < first:
        raise InputError(f"the range ends ({last}) before it starts ({first})")
    tz = spec.period.tz
    today = local_date(as_of, tz)
    count = periods_between(grain, first, today)
    if count > MAX_TREND_PERIODS:
        raise InputError(
            f"{count} {grain}s from {first} to as-of: at most {MAX_TREND_PERIODS}; "
            "start the range later or use a longer grain"
        )
    shown = min(count, periods_between(grain, first, last))
    bands = spec.bands

    def made(periods: int, points: tuple[TrendPoint, ...]) -> Trend:
        return Trend(
            kpi=name,
            label=spec.label or name.replace("_", " "),
            unit=unit_of(spec),
            direction=spec.direction,
            target=spec.target,
            green=bands.green if bands is not None else None,
            amber=bands.amber if bands is not None else None,
            grain=grain,
            tz=tz,
            periods=periods,
            points=points,
        )

    if shown == 0:  # the range lies after as-of: no period of it has started
        return made(0, ())
    dims = {d: v for d, v in (("customer", customer), ("team", team)) if v is not None}
    table = evaluate(
        catalog, as_of, records=records, facts=facts, kpis=[name], by=list(dims),
        grain=grain, periods=count, zones=zones,
    )  # fmt: skip
    for d, v in dims.items():
        table = table.filter(pl.col(d).cast(pl.String) == v)
    found = {row["period"]: row for row in table.iter_rows(named=True)}
    grid = period_grid(PeriodSpec(grain=grain, tz=tz), as_of, count)
    empty = 0.0 if spec.measure is not None and fills_zero(spec.measure) else None
    empty_band = pl.select(_band(pl.lit(empty, dtype=pl.Float64), spec)).item()
    points: list[TrendPoint] = []
    for i in range(shown):
        label = grid.labels[i]
        row = found.get(label)
        value = _number(row["value"]) if row is not None else empty
        points.append(
            TrendPoint(
                period=label,
                start=int(grid.bounds[i]),
                end=int(grid.bounds[i + 1]),
                current=i == grid.current,
                value=value,
                n=int(row["n"]) if row is not None else 0,
                band=row["band"] if row is not None else empty_band,
            )
        )
    return made(count, tuple(points))


def _number(v: object) -> float | None:
    if v is None:
        return None
    f = float(v)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None
