"""``GET /api/v1/trends``: one series (SLA compliance, breaches, backlog or any KPI) per week
or month over a range of dates, for everyone or one customer and/or team, with the KPI's
target and bands (:mod:`accord.core.kpi.trends`).

The figures are those of ``GET /api/v1/kpis/{name}/values`` (the stored events replayed and
evaluated, the caller's tickets only for a customer-scoped token, an internal KPI unknown to
such a token), so a point's ``n`` is the length of ``GET /api/v1/kpis/{name}/rows`` with the
point's ``period``, ``grain``, the answer's ``periods`` and ``as_of`` and ``group=customer=…``
/ ``group=team=…``. Without ``as_of`` the replayed events are a snapshot of "now"
(:mod:`accord.service.snapshots`), one per configuration version and customer scope, shared by
every series, range, customer and team: a new choice is one evaluation, and ``as_of`` in the
answer is the snapshot's instant.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.core.kpi.check import custom_fields
from accord.core.kpi.evaluate import calendar_zones, inapplicable
from accord.core.kpi.facts import TicketFacts
from accord.core.kpi.models import PeriodSpec
from accord.core.kpi.periods import period_grid
from accord.core.kpi.trends import (
    MAX_TREND_PERIODS,
    SERIES,
    Trend,
    local_date,
    periods_between,
    series_kpi,
    trend,
)
from accord.core.timeutil import Instant, iso
from accord.errors import ConflictError, InputError, NotFoundError
from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.figures import kpi_catalog, kpi_inputs
from accord.service.internal import visible_catalog
from accord.service.kpi_params import invalid, read_as_of
from accord.service.params import DATE_PATTERN, INSTANT_SCHEMA
from accord.service.plumbing import CONFLICT, NOT_FOUND, READ_ERRORS, json_response
from accord.service.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["trends"])

SERIES_PATTERN = "^(?:" + "|".join(SERIES) + "|kpi:[^\\x00]+)$"
_SERIES_RE = re.compile(SERIES_PATTERN)
DEFAULT_PERIODS = 12  # shown when the range has no start: a quarter of weeks, a year of months


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        if re.fullmatch(DATE_PATTERN, value):
            return datetime.strptime(value, "%Y-%m-%d").date()
        raise ValueError("not YYYY-MM-DD")
    except ValueError as e:
        shown = value if len(value) <= 64 else value[:64] + "..."
        raise InputError(
            f"{name}: {shown!r} is not a date such as 2026-03-01 ({e})",
            details=[{"parameter": name}],
        ) from None


@router.get(
    "/trends",
    summary="A series (compliance, breaches, backlog or a KPI) per week or month, with target",
    responses={**READ_ERRORS, **NOT_FOUND, **CONFLICT},
)
def trends(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    series: str = Query(
        "compliance",
        description="compliance (KPI sla_compliance), breaches, backlog, or kpi:<name>",
        json_schema_extra={"pattern": SERIES_PATTERN},
    ),
    grain: Literal["week", "month"] = Query("week", description="ISO weeks or calendar months"),
    start: str | None = Query(
        None,
        alias="from",
        description="First day of the range, in the KPI's zone (default: 12 periods back)",
        json_schema_extra={"format": "date", "pattern": DATE_PATTERN},
    ),
    end: str | None = Query(
        None,
        alias="to",
        description="Last day of the range, included (default: the day of as_of)",
        json_schema_extra={"format": "date", "pattern": DATE_PATTERN},
    ),
    customer: str | None = Query(None, description="Only this customer's figures"),
    team: str | None = Query(None, description="Only this team's figures"),
    as_of: str | None = Query(
        None,
        description="Evaluate at this instant (default: now)",
        json_schema_extra=INSTANT_SCHEMA,
    ),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    if not _SERIES_RE.fullmatch(series):
        raise invalid("series", f"'{series[:64]}' is not a series; use compliance, breaches, "
                      "backlog or kpi:<name>")  # fmt: skip
    name = series_kpi(series)
    first, last = _date(start, "from"), _date(end, "to")
    when = read_as_of(as_of, now)
    current = runtime.configs.current(now)
    if current is None:
        raise ConflictError(
            "no configuration is in force, so there are no figures; upload one with "
            "PUT /api/v1/config"
        )
    version, _ = current
    config, catalog = kpi_catalog(tuple(sorted(version.files.items())))
    visible = visible_catalog(catalog, principal)
    if name not in visible:
        raise NotFoundError(f"unknown KPI '{name}'; GET /api/v1/kpis lists them")
    dims = [d for d, v in (("customer", customer), ("team", team)) if v is not None]
    why = inapplicable(visible, name, dims) if dims else None
    if why is not None:
        raise invalid("team" if team is not None else "customer", f"KPI '{name}' cannot be "
                      f"broken down by {', '.join(dims)}: {why}")  # fmt: skip
    tz = visible[name].period.tz
    today = local_date(when, tz)
    last = last or today
    if first is None:
        back = period_grid(PeriodSpec(grain=grain, tz=tz), when, DEFAULT_PERIODS)
        first = local_date(int(back.bounds[0]), tz)
    if last < first:
        raise invalid("to", f"the range ends ({last}) before it starts ({first})")
    if periods_between(grain, first, today) > MAX_TREND_PERIODS:
        raise invalid("from", f"more than {MAX_TREND_PERIODS} {grain}s from {first} to as-of; "
                      "start later or use months")  # fmt: skip
    custom = custom_fields([visible[name]], dims)
    zones = calendar_zones(config.calendars)

    if as_of is None:
        # the replayed inputs are the expensive part (seconds on the demo, minutes on a large
        # store); kept as one snapshot per configuration, custom fields and customer scope, so
        # another series, range, customer or team is only an evaluation (milliseconds)
        key = ("trend-inputs", version.version, tuple(custom), principal.customer)

        def inputs(at: Instant) -> tuple[pl.DataFrame, TicketFacts]:
            return kpi_inputs(runtime.store, config, at, at, custom, principal.customer)

        snap = runtime.snapshots.get(key, inputs, runtime.moved_away_guard(principal.customer))
        (records, facts), judged_at, computed_at = snap.value, snap.at, snap.at
        # the same choice over the same snapshot is the same answer: evaluated once
        choice = (name, grain, first, last, customer, team)
        got = runtime.derived.get(key, snap, choice, lambda: trend(
            visible, name, judged_at, records=records, facts=facts, grain=grain,
            first=first, last=last, customer=customer, team=team, zones=zones))  # fmt: skip
    else:
        records, facts = kpi_inputs(runtime.store, config, when, now, custom, principal.customer)
        judged_at, computed_at = when, now
        got = trend(visible, name, judged_at, records=records, facts=facts, grain=grain,
                    first=first, last=last, customer=customer, team=team, zones=zones)  # fmt: skip
    return json_response(
        {
            "series": series,
            "as_of": iso(judged_at),
            "computed_at": iso(computed_at),
            "config_version": version.version,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "customer": customer,
            "team": team,
            **_trend_json(got),
        }
    )


def _trend_json(t: Trend) -> dict[str, Any]:
    bands = None if t.green is None else {"green": t.green, "amber": t.amber}
    return {
        "kpi": t.kpi,
        "label": t.label,
        "unit": t.unit,
        "direction": t.direction,
        "target": t.target,
        "bands": bands,
        "grain": t.grain,
        "tz": t.tz,
        "periods": t.periods,
        "points": [
            {
                "period": p.period,
                "start": iso(p.start),
                "end": iso(p.end),
                "current": p.current,
                "value": p.value,
                "n": p.n,
                "band": p.band,
            }
            for p in t.points
        ],
    }
