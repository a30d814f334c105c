"""``POST /api/v1/review/capacity`` (the Erlang calculator) and ``GET
/api/v1/review/capacity`` (agents needed per interval of the week from the stored events).

Both answer what ``accord review capacity`` prints as JSON (docs/review.md, "Capacity"). The
history is replayed from the stored events at ``as_of`` (default: now) under the
configuration in force, as the KPI values are; a customer-scoped token gets the workload of
its own tickets only (the tickets :func:`accord.service.figures.kpi_inputs` gives it).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accord.core.review.arrivals import (
    Range,
    group_loads,
    interval_seconds,
    parse_bound,
    parse_period,
    parse_target,
)
from accord.core.review.capacity import MAX_AGENTS
from accord.core.review.capacity_rows import (
    ROW_COLUMNS,
    calculator,
    plan_json,
    plan_rows,
    to_csv,
)
from accord.core.review.staffing import plan
from accord.core.timeutil import iso
from accord.errors import ConflictError, InputError
from accord.io.store import Scope
from accord.service import review_params as rp
from accord.service.auth import Principal, require
from accord.service.figures import kpi_inputs
from accord.service.plumbing import (
    CONFLICT,
    READ_ERRORS,
    csv_response,
    json_response,
    wants_csv,
)
from accord.service.runtime import Runtime

router = APIRouter(prefix="/api/v1/review", tags=["review"])

_CSV = {"text/csv": {"schema": {"type": "string"}}}
# ten years: longer than any interval, handle time or patience a queue can have
MAX_DURATION = 10 * 366 * 86_400


def _duration(value: str | int | None, name: str, *, positive: bool = True) -> int | None:
    seconds = rp.duration(value, name, positive=positive)
    if seconds is not None and seconds > MAX_DURATION:
        raise InputError(
            f"{name}: at most ten years ({MAX_DURATION:,} seconds)", details=[{"parameter": name}]
        )
    return seconds


Duration = str | int


def _duration_schema(*, positive: bool, nullable: bool = False) -> dict[str, Any]:
    text = rp.POSITIVE_DURATION if positive else rp.DURATION
    low = 1 if positive else 0
    branches: list[dict[str, Any]] = [
        {"type": "string", **text},
        {"type": "integer", "minimum": low, "maximum": MAX_DURATION},
    ]
    return {"anyOf": [*branches, {"type": "null"}] if nullable else branches}


class Calculator(BaseModel):
    """The calculator's inputs: durations as text (``"30m"``, ``"180s"``) or seconds."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans(cls, data: Any) -> Any:
        # JSON's true and false are not numbers (pydantic would read them as 1 and 0)
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, bool):
                    raise ValueError(f"'{key}' is a number or a duration, not {str(value).lower()}")
        return data

    calls: float = Field(ge=0, le=1e12, description="Contacts arriving per interval")
    interval: Duration = Field(
        "1h",
        description="Length of the interval (whole minutes dividing a day)",
        json_schema_extra=_duration_schema(positive=True),
    )
    aht: Duration = Field(
        description="Average handle time", json_schema_extra=_duration_schema(positive=True)
    )
    answer_within: Duration = Field(
        description="Answer within this time", json_schema_extra=_duration_schema(positive=False)
    )
    agents: int | None = Field(None, ge=0, le=MAX_AGENTS, description="Agents available")
    service_level: float | None = Field(
        None, gt=0, lt=1, description="Share to answer within target: gives agents_needed"
    )
    patience: Duration | None = Field(
        None,
        description="Mean customer patience: Erlang A instead of Erlang C",
        json_schema_extra=_duration_schema(positive=True, nullable=True),
    )
    concurrency: float = Field(1.0, ge=1, le=1000, description="Contacts one agent works at once")

    @field_validator("interval", "aht", "answer_within", "patience")
    @classmethod
    def _whole(cls, v: Duration | None) -> Duration | None:
        if isinstance(v, int) and not 0 <= v <= MAX_DURATION:
            raise ValueError(f"must be 0 to {MAX_DURATION:,} seconds")
        return v


@router.post(
    "/capacity",
    summary="Erlang C / Erlang A calculator: P(wait), service level, ASA, agents needed",
    responses=READ_ERRORS,
)
def capacity_calculator(
    body: Calculator, _principal: Principal = Depends(require(Scope.READ))
) -> dict[str, Any]:
    interval = _duration(body.interval, "interval")
    aht = _duration(body.aht, "aht")
    within = _duration(body.answer_within, "answer_within", positive=False)
    assert interval is not None and aht is not None and within is not None
    return calculator(
        calls=body.calls,
        interval=interval,
        aht=aht,
        answer_within=within,
        agents=body.agents,
        goal=body.service_level,
        patience=_duration(body.patience, "patience"),
        concurrency=body.concurrency,
    )


@router.get(
    "/capacity",
    summary="Agents needed per interval of the week for a target, from the stored events",
    responses={200: {"content": _CSV}, **READ_ERRORS, **CONFLICT},
)
def capacity_history(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    by: Literal["team", "channel"] | None = Query(None, description="Per team or channel"),
    from_: str | None = Query(
        None, alias="from", description="A date or an instant", json_schema_extra=rp.BOUND
    ),
    to: str | None = Query(
        None,
        description="A date (included) or an instant (excluded)",
        json_schema_extra=rp.BOUND,
    ),
    period: str | None = Query(
        None,
        description="2026, 2026-Q3, 2026-09 or 2026-W05",
        json_schema_extra=rp.STAFFING_PERIOD,
    ),
    target: str = Query("first_response", description="METRIC or METRIC=DURATION"),
    aht: str | None = Query(
        None,
        description="Handle time (default: from agent_work)",
        json_schema_extra=rp.POSITIVE_DURATION,
    ),
    patience: str | None = Query(
        None, description="Mean patience: Erlang A", json_schema_extra=rp.POSITIVE_DURATION
    ),
    interval: str = Query(
        "1h",
        description="Length of an interval: 15m, 30m, 1h, … (whole minutes dividing a day)",
        json_schema_extra=rp.POSITIVE_DURATION,
    ),
    agents: int | None = Query(None, ge=0, le=MAX_AGENTS, description="Agents available"),
    service_level: float = Query(0.8, gt=0, lt=1, description="Share to answer in target"),
    concurrency: float = Query(1.0, ge=1, le=1000, description="Contacts per agent at once"),
    as_of: str | None = Query(
        None, description="Judge the clocks at this instant", json_schema_extra=rp.INSTANT
    ),
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    step = _duration(interval, "interval")
    assert step is not None
    interval_seconds(step)
    metric, target_seconds = parse_target(target)
    if period is not None and (from_ is not None or to is not None):
        raise InputError("give period or from/to, not both", details=[{"parameter": "period"}])
    rp.staffing_period(period)
    rp.bound(from_, "from")
    rp.bound(to, "to")
    if period is not None:
        span = Range(*parse_period(period))
    else:
        span = Range(
            None if from_ is None else parse_bound(from_, end=False),
            None if to is None else parse_bound(to, end=True),
        )
    handle = _duration(aht, "aht")
    wait = _duration(patience, "patience")
    when = rp.as_of(as_of, now)
    current = runtime.configs.current(now)
    if current is None:
        raise ConflictError(
            "no configuration is in force, so there are no clocks to staff; "
            "upload one with PUT /api/v1/config"
        )
    version, config = current
    records, _ = kpi_inputs(runtime.store, config, when, now, [], principal.customer)
    loads = group_loads(
        records, config, metric=metric, by=by, interval=step, span=span, target=target_seconds
    )
    result = plan(
        loads,
        metric=metric,
        goal=service_level,
        aht=None if handle is None else float(handle),
        target=target_seconds,
        patience=None if wait is None else float(wait),
        concurrency=concurrency,
        agents=agents,
    )
    if wants_csv(request, format):
        return csv_response(to_csv(ROW_COLUMNS, plan_rows(result)))
    return json_response(
        {
            "as_of": iso(when),
            "config_version": version.version,
            **plan_json(result, by=by, interval=step),
        }
    )
