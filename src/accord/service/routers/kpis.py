"""``GET /api/v1/kpis`` (the KPI catalog in force) and the values endpoints
``GET /api/v1/kpis/values`` and ``GET /api/v1/kpis/{name}/values``.

The catalog is the built-in library with the ``kpis:`` section of the configuration in force
applied, exactly as ``accord kpi --config`` reads it from a directory. Values are computed the
way ``accord kpi`` computes them from an event file: the stored events are replayed at
``as_of`` (records; by the batch engine on a large store) and folded into ticket facts, then
evaluated (:func:`accord.core.kpi.evaluate.evaluate`). Nothing is taken from the stored
records, which were judged at their last recompute and not at ``as_of``. A request with
``as_of`` is computed for itself; one without (now) is served from a snapshot
(:mod:`accord.service.snapshots`), and ``as_of`` in the answer (the ``X-Accord-As-Of`` header
for CSV) is the instant its figures are for.

A customer-scoped token gets values over its own tickets only: the tickets whose customer is
its customer both at ``as_of`` (the value the evaluation groups by) and now (the rule every
other read applies), and of those only the metric records whose own ``customer`` is its
customer (a record carries the customer of its cycle's end, which may predate a move between
customers). So ``by=customer`` has one row, and no value, ticket id or dimension value of
another customer can appear. A snapshot served to such a token was computed after the last
move of a ticket away from its customer (else it is computed again in the request).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.core.config.resolved import Configuration
from accord.core.kpi.check import custom_fields
from accord.core.kpi.columns import (
    CUSTOM_PREFIX,
    GROUPING_KINDS,
    column_kind,
    known_columns,
)
from accord.core.kpi.evaluate import inapplicable, unit_of
from accord.core.kpi.facts import TicketFacts
from accord.core.kpi.library import builtin_kpis
from accord.core.kpi.models import Grain, KpiSpec
from accord.core.timeutil import Instant, iso, parse_as_of
from accord.errors import ConflictError, NotFoundError
from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.business_days import BusinessDays, kpi_calendars
from accord.service.figures import evaluate_kpi_values, kpi_catalog, kpi_inputs
from accord.service.internal import visible_catalog
from accord.service.kpi_params import (
    BY_SCHEMA,
    GRAIN_SCHEMA,
    MAX_PERIODS,
    TZ_SCHEMA,
    check_zone,
    invalid,
    read_as_of,
    read_dims,
    read_grain,
)
from accord.service.offload import remote_kpi_table
from accord.service.params import INSTANT_SCHEMA
from accord.service.plumbing import (
    CONFLICT,
    NOT_FOUND,
    READ_ERRORS,
    csv_response,
    json_response,
    wants_csv,
)
from accord.service.runtime import Runtime
from accord.service.snapshots import AS_OF_HEADER

router = APIRouter(prefix="/api/v1", tags=["kpis"])

_CSV = {"text/csv": {"schema": {"type": "string"}}}
# as_of is kept in bounds (accord.service.params); the periods before it must also stay after
# year 1, where datetime ends (a configuration may define a long rolling window).
_YEAR_2 = parse_as_of("0002-01-01T00:00:00Z")
_DAY = 86_400
_LONGEST_CALENDAR_PERIOD = 92  # days in a quarter, at most
# Every column some source can group by; a KPI allows those its measures (and the KPIs it is
# derived from) all have. ``field.<name>`` stands for any custom field.
_CANDIDATE_DIMENSIONS = tuple(
    dict.fromkeys(
        c
        for source in ("records", "tickets")
        for c in known_columns(source)
        if column_kind(c, source) in GROUPING_KINDS
    )
)
_CUSTOM_DIMENSION = f"{CUSTOM_PREFIX}<name>"


@dataclass(frozen=True)
class _InForce:
    """The configuration in force (``None``: none uploaded yet), its version and catalog."""

    version: int | None
    config: Configuration | None
    catalog: Mapping[str, KpiSpec]
    files: tuple[tuple[str, str], ...] = ()


def _catalog_of(files: tuple[tuple[str, str], ...]) -> tuple[Configuration, dict[str, KpiSpec]]:
    return kpi_catalog(files)  # shared with the alert loop, which watches the same KPIs


def _in_force(runtime: Runtime, now: Instant) -> _InForce:
    current = runtime.configs.current(now)
    if current is None:
        # the library alone: what a configuration without a kpis: section would give
        return _InForce(None, None, builtin_kpis())
    version, _ = current
    files = tuple(sorted(version.files.items()))
    config, catalog = _catalog_of(files)
    return _InForce(version.version, config, catalog, files)


def _dimensions(catalog: Mapping[str, KpiSpec], name: str) -> list[str]:
    allowed = [d for d in _CANDIDATE_DIMENSIONS if inapplicable(catalog, name, [d]) is None]
    if inapplicable(catalog, name, [f"{CUSTOM_PREFIX}x"]) is None:
        allowed.append(_CUSTOM_DIMENSION)
    return allowed


def kpi_json(catalog: Mapping[str, KpiSpec], name: str, days: BusinessDays) -> dict[str, Any]:
    """One catalog entry: what a KPI means and how it is judged, not how it is computed."""
    spec = catalog[name]
    period = spec.period
    calendars = kpi_calendars(spec, days.config) if days.config is not None else None
    return {
        "name": name,
        "label": spec.label or name.replace("_", " "),
        "description": spec.description,
        "unit": unit_of(spec),
        # a business-time value reads in business days when its clocks share one calendar day
        "business_day_seconds": days.common(calendars) if calendars else None,
        "direction": spec.direction,
        "target": spec.target,
        "bands": spec.bands.model_dump() if spec.bands is not None else None,
        "by": list(spec.by),
        "dimensions": _dimensions(catalog, name),
        "grain": period.grain if period.rolling is None else None,
        "rolling_days": period.rolling,
        "tz": period.tz,
        "owner": spec.owner,
    }


@router.get(
    "/kpis",
    summary="The KPI catalog in force: built-in KPIs and those of the configuration",
    responses=READ_ERRORS,
)
def list_kpis(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
) -> dict[str, Any]:
    # customer-scoped tokens may read it: definitions are the service's, not a customer's
    # data, but for the KPIs of internal agreements, which are the teams' alone
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    got = _in_force(runtime, now)
    days = BusinessDays(got.config, now)
    visible = visible_catalog(got.catalog, principal)
    return {
        "config_version": got.version,
        "kpis": [kpi_json(got.catalog, name, days) for name in visible],
    }


@router.get(
    "/kpis/values",
    summary="KPI values per period and dimension, with target, band, change and forecast",
    responses={200: {"content": _CSV}, **READ_ERRORS, **NOT_FOUND, **CONFLICT},
)
def kpi_values(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    kpi: list[str] | None = Query(None, description="A KPI (repeat for several; default: all)"),
    by: list[str] | None = Query(
        None,
        description="Break down by a dimension: team, agent, priority, channel, customer, "
        "policy, metric, field.<name>, … (repeatable; default: each KPI's own)",
        json_schema_extra=BY_SCHEMA,
    ),
    grain: str | None = Query(
        None,
        description="day, week, month, quarter or rolling days: 28d (1d to 366d)",
        json_schema_extra=GRAIN_SCHEMA,
    ),
    periods: int = Query(4, ge=1, le=MAX_PERIODS, description="How many periods up to as_of"),
    tz: str | None = Query(
        None,
        description="IANA zone of the periods (default: each KPI's)",
        json_schema_extra=TZ_SCHEMA,
    ),
    as_of: str | None = Query(
        None,
        description="Evaluate at this instant (default: now)",
        json_schema_extra=INSTANT_SCHEMA,
    ),
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
) -> Response:
    return _values(request, principal, kpi, by, grain, periods, tz, as_of, format)


@router.get(
    "/kpis/{name}/values",
    summary="One KPI's values per period and dimension",
    responses={200: {"content": _CSV}, **READ_ERRORS, **NOT_FOUND, **CONFLICT},
)
def one_kpi_values(
    name: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    by: list[str] | None = Query(
        None, description="Break down by a dimension (repeatable)", json_schema_extra=BY_SCHEMA
    ),
    grain: str | None = Query(
        None,
        description="day, week, month, quarter or rolling days: 28d (1d to 366d)",
        json_schema_extra=GRAIN_SCHEMA,
    ),
    periods: int = Query(4, ge=1, le=MAX_PERIODS, description="How many periods up to as_of"),
    tz: str | None = Query(
        None,
        description="IANA zone of the periods (default: the KPI's)",
        json_schema_extra=TZ_SCHEMA,
    ),
    as_of: str | None = Query(
        None,
        description="Evaluate at this instant (default: now)",
        json_schema_extra=INSTANT_SCHEMA,
    ),
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
) -> Response:
    return _values(request, principal, [name], by, grain, periods, tz, as_of, format)


def _select(
    catalog: Mapping[str, KpiSpec], names: Sequence[str] | None, dims: list[str] | None
) -> tuple[list[str], list[str]]:
    """The KPIs to evaluate, and those left out because they lack a dimension of ``dims``
    (only when no KPI was named: a named KPI that cannot be broken down is an error)."""
    selected = list(dict.fromkeys(names)) if names else list(catalog)
    for name in selected:
        if name not in catalog:
            near = difflib.get_close_matches(name, list(catalog), n=1, cutoff=0.6)
            hint = f"; did you mean '{near[0]}'?" if near else "; GET /api/v1/kpis lists them"
            raise NotFoundError(f"unknown KPI '{name}'{hint}")
    if not dims:
        return selected, []
    if names:
        for name in selected:
            why = inapplicable(catalog, name, dims)
            if why is not None:
                raise invalid(
                    "by", f"KPI '{name}' cannot be broken down by {', '.join(dims)}: {why}"
                )
        return selected, []
    skipped = [n for n in selected if inapplicable(catalog, n, dims) is not None]
    return [n for n in selected if n not in skipped], skipped


def _values(
    request: Request,
    principal: Principal,
    names: Sequence[str] | None,
    by: Sequence[str] | None,
    grain: str | None,
    periods: int,
    tz: str | None,
    as_of: str | None,
    fmt: str | None,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    period_grain, rolling = read_grain(grain)
    check_zone(tz)
    when = read_as_of(as_of, now)
    dims = read_dims(by)
    got = _in_force(runtime, now)
    # an internal KPI answers a customer-scoped token as an unknown one
    selected, skipped = _select(visible_catalog(got.catalog, principal), names, dims)
    if got.config is None:
        raise ConflictError(
            "no configuration is in force, so there are no metric records to evaluate; "
            "upload one with PUT /api/v1/config"
        )
    _check_reach(got.catalog, selected, when, periods, period_grain, rolling)
    custom = custom_fields([got.catalog[n] for n in selected], dims or ())
    config = got.config

    def compute(at: Instant) -> pl.DataFrame:
        # now: the KPI view's inputs when it can give them exactly (a second or so with a
        # million tickets), else every stored event replayed, in a worker process when slow
        viewed = (
            runtime.kpi_view_inputs(got.version, config, at, custom, principal.customer)
            if as_of is None and got.version is not None
            else None
        )
        if viewed is not None:
            return evaluate_kpi_values(
                got.catalog, config, at, viewed, selected, dims, period_grain, rolling, tz, periods
            )
        if as_of is None and runtime.offloaded(key):
            return runtime.offload.run(
                remote_kpi_table,
                got.files,
                at,
                custom,
                principal.customer,
                selected,
                dims,
                period_grain,
                rolling,
                tz,
                periods,
            )
        # "now" is ``at`` for a snapshot, the request's instant otherwise
        judged = at if as_of is None else when
        inputs = _inputs(runtime, config, judged, at, custom, principal.customer)
        return evaluate_kpi_values(
            got.catalog, config, judged, inputs, selected, dims, period_grain, rolling, tz, periods
        )

    # every parameter that changes the answer, and the caller's customer scope
    key = (
        "kpis/values",
        got.version,
        tuple(selected),
        tuple(dims or ()),
        period_grain,
        rolling,
        tz,
        periods,
        principal.customer,
    )
    if as_of is None:
        snap = runtime.snapshots.get(key, compute, runtime.moved_away_guard(principal.customer))
        table, when, computed_at = snap.value, snap.at, snap.at
    else:
        table, computed_at = compute(now), now
    rows = _rows(table)
    if wants_csv(request, fmt):
        res = csv_response(_csv(table, rows))
        res.headers[AS_OF_HEADER] = str(iso(when))
        return res
    return json_response(
        {
            "as_of": iso(when),
            "computed_at": iso(computed_at),
            "config_version": got.version,
            "kpis": selected,
            "by": dims,
            "skipped": skipped,
            "values": rows,
        }
    )


def _check_reach(
    catalog: Mapping[str, KpiSpec],
    selected: Sequence[str],
    when: Instant,
    periods: int,
    grain: Grain | None,
    rolling: int | None,
) -> None:
    # evaluate also computes the period before the first shown, for its change
    for name in selected:
        days = rolling or (None if grain is not None else catalog[name].period.rolling)
        span = (periods + 1) * (days or _LONGEST_CALENDAR_PERIOD) * _DAY
        if when - span < _YEAR_2:
            raise invalid("periods", f"{periods} periods of '{name}' reach back before year 2")


def _inputs(
    runtime: Runtime,
    config: Configuration,
    when: Instant,
    now: Instant,
    custom: list[str],
    customer: str | None,
) -> tuple[pl.DataFrame, TicketFacts]:
    """The records frame at ``when`` and the ticket facts, of the tickets the caller sees."""
    return kpi_inputs(runtime.store, config, when, now, custom, customer)


def _number(v: Any) -> Any:
    # NaN and infinities are not JSON; a value that is not a number is no value
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    rows = table.to_dicts()
    for row in rows:
        for k, v in row.items():
            row[k] = _number(v)
        row["period_start"] = iso(row["period_start"])
        row["period_end"] = iso(row["period_end"])
    return rows


def _csv(table: pl.DataFrame, rows: list[dict[str, Any]]) -> str:
    # the columns of `accord kpi --format csv`, instants as ISO text
    schema = table.schema | {"period_start": pl.String, "period_end": pl.String}
    return pl.DataFrame(rows, schema=schema).write_csv()
