"""``GET /api/v1/kpis/{name}/rows``: the rows behind one value of ``GET
/api/v1/kpis/{name}/values`` (one period, one value of each dimension), as many as the value's
``n``, as JSON or CSV (:mod:`accord.core.kpi.drill`). The same inputs as the values: the
stored events replayed at ``as_of`` under the configuration in force, the caller's tickets
only for a customer-scoped token, and an internal KPI answers such a token 404.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.core.kpi.check import custom_fields
from accord.core.kpi.columns import CUSTOM_PREFIX, column_kind
from accord.core.kpi.drill import kpi_rows
from accord.core.kpi.evaluate import calendar_zones, inapplicable
from accord.core.kpi.models import KpiSpec
from accord.errors import ConflictError, NotFoundError
from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.business_days import BUSINESS_COLUMNS, BusinessDays
from accord.service.figures import kpi_catalog, kpi_inputs
from accord.service.internal import visible_catalog
from accord.service.kpi_params import (
    DIMENSION_NAMES,
    GRAIN_SCHEMA,
    MAX_PERIODS,
    TZ_SCHEMA,
    check_zone,
    invalid,
    read_as_of,
    read_dims,
    read_grain,
)
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
from accord.service.views import rows_csv

router = APIRouter(prefix="/api/v1", tags=["kpis"])

_CSV = {"text/csv": {"schema": {"type": "string"}}}
# DIMENSION=VALUE, the dimension one of the values' (as their ``by``)
_GROUP = {
    "items": {
        "type": "string",
        "pattern": "^(?:"
        + "|".join(re.escape(d) for d in DIMENSION_NAMES)
        + f"|{re.escape(CUSTOM_PREFIX)}[^=\\x00]+)=[^\\x00]*$",
    }
}


@router.get(
    "/kpis/{name}/rows",
    summary="The rows behind one KPI value (a period and one value of each dimension)",
    responses={200: {"content": _CSV}, **READ_ERRORS, **NOT_FOUND, **CONFLICT},
)
def one_kpi_rows(
    name: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    period: str | None = Query(
        None, description="The value's period, as the values name it (default: the latest)"
    ),
    group: list[str] | None = Query(
        None,
        description="DIMENSION=VALUE for each dimension of the breakdown (repeatable; an "
        "empty VALUE: none); none: the KPI's total",
        json_schema_extra=_GROUP,
    ),
    grain: str | None = Query(
        None, description="As for the values", json_schema_extra=GRAIN_SCHEMA
    ),
    periods: int = Query(4, ge=1, le=MAX_PERIODS, description="As for the values"),
    tz: str | None = Query(None, description="As for the values", json_schema_extra=TZ_SCHEMA),
    as_of: str | None = Query(
        None,
        description="Evaluate at this instant (default: now)",
        json_schema_extra=INSTANT_SCHEMA,
    ),
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    current = runtime.configs.current(now)
    if current is None:
        raise ConflictError("no configuration is in force; upload one with PUT /api/v1/config")
    version, _ = current
    config, catalog = kpi_catalog(tuple(sorted(version.files.items())))
    visible = visible_catalog(catalog, principal)
    if name not in visible:
        raise NotFoundError(f"unknown KPI '{name}'; GET /api/v1/kpis lists them")
    period_grain, rolling = read_grain(grain)
    check_zone(tz)
    when = read_as_of(as_of, now)
    pairs: dict[str, str | None] = {}
    for g in group or ():
        dim, _, value = g.partition("=")
        pairs[dim] = value or None
    dims = list(pairs)
    read_dims(dims)  # each one a dimension (422 otherwise)
    if len(pairs) != len(group or ()):
        raise invalid("group", "a dimension is given twice")
    why = inapplicable(visible, name, dims) if dims else None
    if why is not None:
        raise invalid("group", f"KPI '{name}' cannot be broken down by {', '.join(dims)}: {why}")
    custom = custom_fields([visible[name]], dims)
    records, facts = kpi_inputs(runtime.store, config, when, now, custom, principal.customer)
    rows = kpi_rows(visible, when, name, period, records=records, facts=facts, group=pairs,
                    grain=period_grain, rolling=rolling, tz=tz, periods=periods,
                    zones=calendar_zones(config.calendars))  # fmt: skip
    if wants_csv(request, format):
        columns = tuple(rows[0]) if rows else ("ticket_id",)
        return csv_response(rows_csv(columns, rows))
    body: dict[str, Any] = {"kpi": name, "period": period, "group": pairs, "count": len(rows),
                            "rows": rows, **duration_columns(rows, visible[name])}  # fmt: skip
    if body["business_columns"]:  # the page's reading aid, not a column of the export
        days = BusinessDays(config, when)
        for row in rows:
            row["business_day_seconds"] = days.of(row.get("calendar"))
    return json_response(body)


def duration_columns(rows: list[dict[str, Any]], spec: KpiSpec) -> dict[str, list[str]]:
    """Which columns of the rows hold durations in seconds: ``business_columns`` business
    time of the row's clock (read in its calendar's business days), ``duration_columns``
    wall-clock time."""
    names = list(rows[0]) if rows else []
    source = spec.measure.over if spec.measure is not None else "records"
    durations = [c for c in names if column_kind(c, source) == "duration"]
    business = [c for c in durations if c in BUSINESS_COLUMNS and "calendar" in names]
    return {
        "business_columns": business,
        "duration_columns": [c for c in durations if c not in business],
    }
