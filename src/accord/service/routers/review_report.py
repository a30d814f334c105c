"""``GET /api/v1/review/report``: the review report of a period (docs/review.md, "Review
report") as an HTML or PDF document, over the stored events and the configuration in force.

The figures are those of ``accord review report`` on the same events: the report is assembled
by :func:`accord.core.review.report.build_report` and drawn by :mod:`accord.reports`. A
customer-scoped token gets the report of its own customer only (its tickets and its contract);
asking for another customer is answered as for a customer without data. A report replays the
events up to three times, so one is drawn at a time (409 otherwise). The period is UTC.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from accord.core.engine.batch import compute_batch
from accord.core.review.candidate import Setup
from accord.core.review.capacity import MAX_AGENTS
from accord.core.review.report import CapacityOptions, build_report, own_records
from accord.errors import ConflictError, NotFoundError
from accord.io.store import Scope
from accord.reports.review_html import render_review_html
from accord.reports.review_pdf import render_review_pdf
from accord.service.auth import Principal, require
from accord.service.params import INSTANT_SCHEMA, instant
from accord.service.plumbing import CONFLICT, READ_ERRORS, error_doc
from accord.service.review_runs import candidate_setup, current_setup, stored_events
from accord.service.runtime import Runtime

router = APIRouter(prefix="/api/v1/review", tags=["review"])

# a month, quarter or year from 1970 (the first instant) to 2199 (the last year of instants)
_YEAR = "(?:19[7-9][0-9]|20[0-9]{2}|21[0-9]{2})"
PERIOD_PATTERN = f"^{_YEAR}(?:-(?:0[1-9]|1[0-2])|-Q[1-4])?$"
MAX_SECONDS = 10 * 366 * 86_400
_LOCK = threading.Lock()

_DOCUMENTS = {
    "text/html": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}


@router.get(
    "/report",
    summary="The review report of a month, quarter or year as an HTML or PDF document",
    response_class=HTMLResponse,
    responses={
        200: {"content": _DOCUMENTS},
        **READ_ERRORS,
        404: error_doc("No configuration in force, or no data in the period"),
        **CONFLICT,
    },
)
def review_report(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    period: str = Query(
        description="The month (2026-09), quarter (2026-Q3) or year (2026) to review, in UTC",
        pattern=PERIOD_PATTERN,
    ),
    customer: str | None = Query(
        None, description="Only this customer (a customer's token: its own)"
    ),
    format: Literal["html", "pdf"] = Query("html", description="The document"),
    grain: Literal["month", "week"] | None = Query(
        None, description="The trend per month or week (default: week for a month, else month)"
    ),
    attainment: float = Query(0.95, gt=0, le=1, description="Share recommendations must meet"),
    agents: int | None = Query(
        None, ge=0, le=MAX_AGENTS, description="Agents per interval: list the shortfalls"
    ),
    aht_seconds: int | None = Query(
        None, ge=1, le=MAX_SECONDS, description="Handle time (default: from agent_work)"
    ),
    capacity_metric: str = Query(
        "first_response", pattern="^[A-Za-z0-9_]{1,64}$", description="The arrivals to staff"
    ),
    capacity_target_seconds: int | None = Query(
        None, ge=1, le=MAX_SECONDS, description="One target for every arrival (default: its own)"
    ),
    service_level: float = Query(0.8, gt=0, lt=1, description="Capacity: share in target"),
    as_of: str | None = Query(
        None,
        description="Judge the clocks at this instant (default: now)",
        json_schema_extra=INSTANT_SCHEMA,
    ),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    when = instant(as_of, "as_of") or now
    if principal.customer is not None:
        if customer is not None and customer != principal.customer:
            raise NotFoundError(f"no data: no customer '{customer}'")
        customer = principal.customer
    current = runtime.configs.current(now)
    if current is None:
        raise NotFoundError("no configuration is in force: upload one first (PUT /api/v1/config)")
    version = current[0]
    if not _LOCK.acquire(blocking=False):
        raise ConflictError("a review report is being drawn; try again when it is done")
    try:
        setup = current_setup(version)
        events = stored_events(runtime.store, customer, now)
        records = own_records(compute_batch(events, setup.config, when), customer)

        def adopt(overrides: dict[str, str]) -> Setup:
            return candidate_setup(version, overrides, None)

        report = build_report(
            events,
            records,
            setup,
            when,
            period=period,
            customer=customer,
            grain=grain,
            attainment=attainment,
            adopt=adopt,
            capacity=CapacityOptions(
                capacity_metric,
                capacity_target_seconds,
                service_level,
                None if aht_seconds is None else float(aht_seconds),
                agents,
            ),
        )
        if format == "pdf":
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", customer or "all")
            headers: dict[str, Any] = {
                "Content-Disposition": f'attachment; filename="review-{name}-{period}.pdf"'
            }
            return Response(
                render_review_pdf(report), media_type="application/pdf", headers=headers
            )
        return HTMLResponse(render_review_html(report))
    finally:
        _LOCK.release()
