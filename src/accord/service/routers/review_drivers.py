"""``GET /api/v1/review/drivers``: where the breached clocks' business time went, by team,
assignee, status, channel, hour of day and day of week (in each clock's calendar zone),
compared with the met clocks, ranked by contribution: what ``accord review drivers`` prints as
JSON (definitions in :mod:`accord.core.review.drivers` and docs/metrics.md).

With ``dimension`` (and ``value``; absent or empty: the holder without a value) it lists the
clocks behind one row instead: as many as the row's ``breached_clocks + met_clocks`` (or of
one ``state``), as JSON or CSV.

The clocks are replayed from the stored events at ``as_of`` (default: now) under the
configuration in force, with the reference engine; a customer-scoped token gets its own
tickets' clocks only (those whose current customer it is). The SLA clocks only: an internal
agreement's clock is never a driver.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.core.engine.reference import counted
from accord.core.events import Event
from accord.core.ownership import current_customer
from accord.core.records import State
from accord.core.review.drivers import (
    DEFAULT_DIMENSIONS,
    check_driver_dimensions,
    clocks_behind,
    drivers,
    select_clocks,
)
from accord.core.review.window import Window, period_window
from accord.core.timeutil import iso
from accord.errors import ConflictError, InputError
from accord.io.store import Scope, Store
from accord.service.auth import Principal, require
from accord.service.business_days import BusinessDays
from accord.service.params import AsOf
from accord.service.params import instant as instant_param
from accord.service.plumbing import CONFLICT, READ_ERRORS, csv_response, json_response, wants_csv
from accord.service.runtime import Runtime
from accord.service.views import rows_csv

router = APIRouter(prefix="/api/v1/review", tags=["review"])

_CSV = {"text/csv": {"schema": {"type": "string"}}}
# a month, a quarter or a year, from 1970 (a review window's first year) to 2199; empty: every
# clock
_YEAR = "(?:19[7-9][0-9]|20[0-9]{2}|21[0-9]{2})"
_PERIOD = f"^(?:|{_YEAR}|{_YEAR}-(?:0[1-9]|1[0-2])|{_YEAR}-Q[1-4])$"
_C = "[A-Za-z0-9_.-]"
# a ticket field's name (or status, hour, weekday), but not tags, which holds several values
# (spelt out without a look-ahead, which JSON Schema's regular expressions may lack); empty is
# absent, as for every query parameter
_DIM = (
    f"^(?:|[A-Za-z](?:{_C}{{0,2}}|{_C}{{4,63}})|[A-Za-su-z]{_C}{{3}}|t[A-Zb-z0-9_.-]{_C}{{2}}"
    f"|ta[A-Za-fh-z0-9_.-]{_C}|tag[A-Za-rt-z0-9_.-])$"
)
_SCALARS = ("period", "customer", "metric", "dimension", "value", "state", "as_of", "format")
ROW_COLUMNS = ("dimension", "value", "breached_seconds", "contribution", "breached_clocks",
               "met_seconds", "met_share", "met_clocks", "excess")  # fmt: skip
BEHIND_COLUMNS = ("ticket_id", "metric", "cycle", "state", "customer", "priority", "policy",
                  "start", "target", "business_elapsed", "seconds")  # fmt: skip


@router.get(
    "/drivers",
    summary="Breach drivers: where the breached clocks' time went, against the met clocks",
    responses={200: {"content": _CSV}, **READ_ERRORS, **CONFLICT},
)
def review_drivers(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    period: str | None = Query(
        None,
        description="Clocks started in this month (2026-11), quarter (2026-Q3) or year, UTC; "
        "empty or absent: every clock",
        pattern=_PERIOD,
    ),
    customer: str | None = Query(None, description="Only this customer's clocks"),
    metric: str | None = Query(None, description="Only this metric's clocks"),
    by: list[str] | None = Query(
        None,
        description="Dimensions (repeatable; default team, assignee, status, channel, hour, "
        "weekday): any ticket field, status, hour or weekday",
        json_schema_extra={"items": {"type": "string", "pattern": _DIM}},
    ),
    dimension: str | None = Query(
        None, description="List the clocks behind the row of this dimension…", pattern=_DIM
    ),
    value: str | None = Query(
        None, description="…and this value (absent or empty: the row without a value)"
    ),
    state: Literal["met", "breached"] | None = Query(
        None, description="With dimension: only the met or the breached clocks"
    ),
    as_of: AsOf = None,
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    for name in _SCALARS:  # one value each: a second one would be silently dropped
        if len(request.query_params.getlist(name)) > 1:
            raise InputError(f"{name}: give it once", details=[{"parameter": name}])
    asked = instant_param(as_of or None, "as_of")
    when = now if asked is None else asked
    window = period_window(period) if period else Window()
    dims = check_driver_dimensions(list(dict.fromkeys(by)) if by else DEFAULT_DIMENSIONS)
    current = runtime.configs.current(now)
    if current is None:
        raise ConflictError(
            "no configuration is in force, so there are no clocks to look at; "
            "upload one with PUT /api/v1/config"
        )
    version, config = current
    other = principal.customer is not None and customer not in (None, principal.customer)
    customer = principal.customer or customer
    # another customer's clocks: none, as on every other read
    events = [] if other else _events(runtime.store, principal.customer)
    selected = select_clocks(
        counted(events, config, when), window, customer=customer, metric=metric
    )
    days = BusinessDays(config, when)
    head = {"as_of": iso(when), "config_version": version.version, "window": window.to_json()}
    if dimension is not None:
        behind = clocks_behind(
            selected, dimension, value or None, state=None if state is None else State(state)
        )
        rows = [b.to_json() for b in behind]
        if wants_csv(request, format):
            return csv_response(rows_csv(BEHIND_COLUMNS, rows))
        for row, b in zip(rows, behind, strict=True):  # the page's reading aid, not a column
            row["business_day_seconds"] = days.of(b.record.calendar)
        return json_response({**head, "dimension": dimension, "value": value or None,
                              "count": len(rows), "clocks": rows})  # fmt: skip
    found = drivers(selected, dims)
    got = found.to_json()
    if wants_csv(request, format):
        return csv_response(rows_csv(ROW_COLUMNS, got["rows"]))
    # a sum of business time reads in business days when its clocks share one business day
    got["business_day_seconds"] = days.common(found.all_calendars)
    for row, r in zip(got["rows"], found.rows, strict=True):
        row["business_day_seconds"] = days.common(found.calendars[(r.dimension, r.value)])
    return json_response({**head, **got})


def _events(store: Store, customer: str | None) -> list[Event]:
    """The stored events; of the tickets whose current customer is ``customer`` when given."""
    events = list(store.iter_events())
    if customer is None:
        return events
    by_ticket: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_ticket[e.ticket_id].append(e)
    return [e for evs in by_ticket.values() if current_customer(evs) == customer for e in evs]
