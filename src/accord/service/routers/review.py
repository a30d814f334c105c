"""Review: ``POST /api/v1/review/whatif`` (a what-if over the stored events), ``GET
/api/v1/review/jobs/{id}`` (one started in the background) and ``GET /api/v1/review/targets``
(recommended targets). See docs/review.md and docs/api.md.

A what-if needs a write or admin token: it replays every stored event twice and shows every
customer's clocks. The candidate is given as ``overrides`` (dotted paths to values, as a JSON
object or as the YAML text of an overrides file) or as ``files`` (a whole configuration); it is
validated like an upload, every problem with file and line in one 422, and it is never stored.
Targets are a read: a customer-scoped token gets the figures of its own tickets and contract.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accord.core.review.targets import GRAINS, TARGET_DIMENSIONS, parse_grid
from accord.core.review.whatif import DIMENSIONS, parse_by
from accord.core.timeutil import Instant, iso
from accord.errors import InputError, NotFoundError
from accord.io.store import ConfigVersion, Scope
from accord.service import review_params as rp
from accord.service.auth import Principal, require
from accord.service.kpi_params import check_zone
from accord.service.plumbing import (
    AUTH_ERRORS,
    CONFLICT,
    NOT_FOUND,
    READ_ERRORS,
    TOO_LARGE,
    csv_response,
    error_doc,
    json_response,
    read_body,
    wants_csv,
)
from accord.service.review_runs import (
    ReviewJobs,
    candidate_setup,
    targets_of_store,
    whatif_json,
)
from accord.service.runtime import Runtime
from accord.service.views import rows_csv

router = APIRouter(prefix="/api/v1/review", tags=["review"])

MAX_BODY = 1024 * 1024
MAX_EXPLAIN = 500
MAX_TICKETS = 200
MAX_PERIODS = 60
_WHATIF_BY = rp.by_pattern(DIMENSIONS)
_TARGETS_BY = rp.by_pattern(("metric", *TARGET_DIMENSIONS))


class WhatIfRequest(BaseModel):
    """A what-if: the candidate, the clocks to judge and how to group them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    overrides: dict[str, Any] | str | None = Field(
        None,
        description="Dotted paths to values ({'policies.Gold.metrics.resolution.high': '6h'}), "
        "or the YAML text of an overrides file",
    )
    files: dict[str, str] | None = Field(
        None, description="A whole candidate configuration: file name -> YAML text"
    )
    period: str | None = Field(
        None,
        description="Clocks started in 2026-11, 2026-Q3 or 2026",
        json_schema_extra=rp.WINDOW_PERIOD,
    )
    from_: str | None = Field(
        None,
        alias="from",
        description="Clocks started from (date/instant)",
        json_schema_extra=rp.nullable(rp.BOUND),
    )
    to: str | None = Field(
        None,
        description="... up to this date (included) or instant",
        json_schema_extra=rp.nullable(rp.BOUND),
    )
    tz: str = Field("UTC", description="Time zone of the period and dates", json_schema_extra=rp.TZ)
    by: list[str] | str = Field(
        default_factory=lambda: ["metric"],
        description="Group by metric, priority, customer, team, policy (a list or comma-separated)",
        json_schema_extra={
            "anyOf": [
                {"type": "array", "items": {"type": "string", "pattern": _WHATIF_BY}},
                {"type": "string", "pattern": _WHATIF_BY},
            ]
        },
    )
    as_of: str | None = Field(
        None,
        description="Judge the clocks at this instant (default: now)",
        json_schema_extra=rp.INSTANT,
    )
    explain: int = Field(20, ge=0, le=MAX_EXPLAIN, description="Changed clocks to explain")
    tickets: list[str] | None = Field(
        None, max_length=MAX_TICKETS, description="Replay only these tickets"
    )
    background: bool = Field(
        False, description="Start a job and answer 202 at once (poll GET /api/v1/review/jobs/{id})"
    )


def _jobs(request: Request) -> ReviewJobs:
    runtime: Runtime = request.app.state.runtime
    jobs: ReviewJobs | None = getattr(request.app.state, "review_jobs", None)
    if jobs is None:
        jobs = request.app.state.review_jobs = ReviewJobs(runtime.clock)
    return jobs


def _in_force(runtime: Runtime, now: Instant) -> ConfigVersion:
    current = runtime.configs.current(now)
    if current is None:
        raise NotFoundError("no configuration is in force: upload one first (PUT /api/v1/config)")
    return current[0]


_WHATIF_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": WhatIfRequest.model_json_schema()}},
    }
}


@router.post(
    "/whatif",
    summary="Replay the stored events under a candidate configuration beside the one in force",
    responses={
        202: {"description": "Started in the background (`background: true`)"},
        **AUTH_ERRORS,
        400: error_doc("A parameter is not valid"),
        404: error_doc("No configuration is in force"),
        422: error_doc("The candidate does not validate (every problem with file and line)"),
        **CONFLICT,
        **TOO_LARGE,
    },
    openapi_extra=_WHATIF_BODY,
)
async def whatif(
    request: Request, principal: Principal = Depends(require(Scope.WRITE))
) -> Response:
    body = await read_body(request, MAX_BODY)
    try:
        req = WhatIfRequest.model_validate_json(body or b"{}")
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    by = parse_by(rp.dimensions(req.by, DIMENSIONS), DIMENSIONS) or ("metric",)
    window = rp.window(req.period, req.from_, req.to, req.tz)
    as_of = rp.as_of(req.as_of, now)
    version = _in_force(runtime, now)
    # a candidate that does not validate answers at once, even in the background form
    candidate = await run_in_threadpool(candidate_setup, version, req.overrides, req.files)

    def work() -> dict[str, Any]:
        return whatif_json(
            runtime.store,
            version,
            candidate,
            as_of,
            window=window,
            by=by,
            explain=req.explain,
            tickets=req.tickets,
            now=now,
        )

    jobs = _jobs(request)
    if req.background:
        job = jobs.start(work, principal.token_id)
        return JSONResponse(
            job.to_json(), status_code=202, headers={"Location": f"/api/v1/review/jobs/{job.id}"}
        )
    return json_response(await run_in_threadpool(jobs.run, work))


@router.get(
    "/jobs/{job_id}",
    summary="A what-if started in the background: its state, and its result when done",
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
def get_job(
    job_id: str, request: Request, principal: Principal = Depends(require(Scope.WRITE))
) -> dict[str, Any]:
    return _jobs(request).get(job_id, principal.token_id).to_json()


@router.get(
    "/targets",
    summary="Recommended targets from history (open clocks censored), with adoption credits",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **READ_ERRORS,
        **NOT_FOUND,
    },
)
def targets(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    attainment: float = Query(0.95, gt=0, le=1, description="Share met in every period"),
    periods: int = Query(6, ge=1, le=MAX_PERIODS, description="How many periods up to as_of"),
    grain: Literal["month", "week"] = Query("month", description=" | ".join(GRAINS)),
    tz: str = Query("UTC", description="Time zone of the periods", json_schema_extra=rp.TZ),
    by: list[str] | None = Query(
        None,
        description="Besides metric: priority (default), customer, team, policy",
        json_schema_extra={"items": {"type": "string", "pattern": _TARGETS_BY}},
    ),
    metric: list[str] | None = Query(None, description="Only these metrics"),
    grid: str | None = Query(
        None, description="Targets to choose from: 15m,30m,1h,…", json_schema_extra=rp.GRID
    ),
    credits: bool = Query(True, description="Replay the contracts under the recommendations"),
    as_of: str | None = Query(
        None, description="Judge the clocks at this instant", json_schema_extra=rp.INSTANT
    ),
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    if math.isnan(attainment):
        raise InputError("attainment: a share above 0 and at most 1")
    named = rp.dimensions(by, ("metric", *TARGET_DIMENSIONS))
    dims = tuple(d for d in parse_by(named, ("metric", *TARGET_DIMENSIONS)) if d != "metric")
    chosen = rp.grid(grid)
    steps = parse_grid(chosen) if chosen is not None else None
    when = rp.as_of(as_of, now)
    check_zone(tz)  # a bad zone is refused before any work
    version = _in_force(runtime, now)
    result = targets_of_store(
        runtime.store,
        version,
        when,
        now,
        principal.customer,
        credits=credits,
        attainment=attainment,
        periods=periods,
        grain=grain,
        tz=tz,
        by=dims or ("priority",),
        grid=steps,
        metrics=metric,
    )
    if wants_csv(request, format):
        rows = result.csv_rows()
        columns = tuple(rows[0]) if rows else ("metric", "status", "recommended")
        return csv_response(rows_csv(columns, rows))
    return json_response(
        {**result.to_json(), "config_version": version.version, "computed_at": iso(now)}
    )
