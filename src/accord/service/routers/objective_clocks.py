"""``GET /api/v1/customers/{customer}/objectives/{objective}/clocks``: the clocks behind a
contract objective's figures, the drill-down of a statement's objective, error budget and
credit lines, as JSON or CSV.

The clocks are those :func:`accord.core.contracts.drill.objective_clocks` counts in the
contract period ``period`` (as the statement's ``period``; default ``current``), read from the
customer's stored events by the same function as the statement
(:func:`accord.service.figures.customer_data`) under the configuration in force, judged at
``as_of`` (default: the request's instant): an objective's ``denominator`` is the number of
rows, its ``met`` and ``breached`` (and the budget's ``used``) those of ``state=met`` and
``state=breached``. A customer-scoped token sees its own contract only: another customer
answers 404, as its statement does; a statement never holds an internal agreement's clock, so
neither does this list.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.core.contracts.drill import objective_clocks
from accord.core.contracts.statement import ticket_fields
from accord.core.timeutil import Instant, iso
from accord.errors import InputError, NotFoundError
from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.business_days import BusinessDays
from accord.service.figures import customer_data
from accord.service.params import AsOf, ContractPeriod
from accord.service.params import instant as instant_param
from accord.service.params import period as checked_period
from accord.service.plumbing import (
    NOT_FOUND,
    READ_ERRORS,
    csv_response,
    json_response,
    wants_csv,
)
from accord.service.routers.contracts import current_contracts, visible_contract
from accord.service.views import rows_csv

router = APIRouter(prefix="/api/v1", tags=["contracts"])

COLUMNS = ("ticket_id", "metric", "cycle", "priority", "policy", "team", "customer", "period",
           "state", "counted_at", "due", "breached_at", "business_elapsed", "target")  # fmt: skip
_SCALARS = ("period", "state", "as_of", "format")


@router.get(
    "/customers/{customer}/objectives/{objective}/clocks",
    summary="The clocks behind a contract objective's figures in one period, JSON or CSV",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **READ_ERRORS,
        **NOT_FOUND,
    },
)
def get_objective_clocks(
    customer: str,
    objective: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    period: ContractPeriod = None,
    state: Literal["met", "breached"] | None = Query(
        None, description="Only the met or breached clocks (an objective counts no open one)"
    ),
    as_of: AsOf = None,
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
) -> Response:
    for name in _SCALARS:  # one value each: a second one would be silently dropped
        if len(request.query_params.getlist(name)) > 1:
            raise InputError(f"{name}: give it once", details=[{"parameter": name}])
    head, rows = objective_rows(request, principal, customer, objective, period, state, as_of)
    if wants_csv(request, format):
        return csv_response(rows_csv(COLUMNS, rows))
    return json_response({**head, "count": len(rows), "clocks": rows})


def objective_rows(
    request: Request,
    principal: Principal,
    customer: str,
    objective: str,
    period: str | None,
    state: str | None,
    as_of: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The answer's head (objective, contract, customer, period, as_of, state) and the rows
    (:data:`COLUMNS`) of the counted clocks of ``objective`` in ``period``."""
    wanted = checked_period(period)
    runtime = request.app.state.runtime
    now: Instant = runtime.clock()
    explicit = instant_param(as_of, "as_of")
    judged = now if explicit is None else explicit
    config, contracts = current_contracts(request, now)
    name, spec = visible_contract(principal, contracts, customer)
    if objective not in spec.objectives:
        known = ", ".join(spec.objectives)
        raise NotFoundError(f"contract '{name}' has no objective '{objective}' (it has {known})")
    records, tickets = customer_data(
        runtime.store, config, customer, judged, now, ticket_fields([spec])
    )
    span, frame = objective_clocks(spec, objective, records, tickets, judged, wanted)
    by_key = {(r.ticket_id, r.metric, r.cycle): r for r in records}
    days = BusinessDays(config, judged)
    rows: list[dict[str, Any]] = []
    for c in frame.iter_rows(named=True):
        if state is not None and c["state"] != state:
            continue
        r = by_key[(c["ticket_id"], c["metric"], c["cycle"])]
        rows.append(
            {
                "ticket_id": c["ticket_id"],
                "metric": c["metric"],
                "cycle": c["cycle"],
                "priority": c["priority"],
                "policy": r.policy,
                "team": r.team,
                "customer": r.customer,
                "period": span.label,
                "state": c["state"],
                "counted_at": iso(c["counted_at"]),
                "due": iso(c["due"]),
                "breached_at": iso(c["breached_at"]),
                "business_elapsed": c["business_elapsed"],
                "target": c["target"],
                # how the page reads the two durations (JSON only: the CSV keeps COLUMNS)
                "business_day_seconds": days.of(r.calendar),
            }
        )
    head = {"objective": objective, "contract": name, "customer": customer,
            "period": span.label, "as_of": iso(judged), "state": state}  # fmt: skip
    return head, rows
