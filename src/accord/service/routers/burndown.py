"""``GET /api/v1/customers/{customer}/burndown``: each objective's error budget left at the
end of every day of one contract period (:mod:`accord.core.contracts.burndown`).

The same inputs, visibility and snapshots as the customer's statement
(:mod:`accord.service.routers.contracts`): the customer's clocks recomputed from its stored
events, judged at ``as_of`` (default: now, from a snapshot, from the KPI view when it can answer
exactly); a customer-scoped token sees its own contract only, any other answers 404 like a
customer without a contract.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from accord.core.contracts.assignment import resolve_period
from accord.core.contracts.burndown import Burndown, burndown, burndown_of_clocks
from accord.core.contracts.statement import ticket_fields
from accord.core.timeutil import Instant, iso
from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.figures import customer_data
from accord.service.params import AsOf, ContractPeriod
from accord.service.params import instant as instant_param
from accord.service.params import period as checked_period
from accord.service.plumbing import NOT_FOUND, READ_ERRORS, json_response
from accord.service.routers.contracts import versioned_contracts, visible_contract
from accord.service.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["contracts"])


@router.get(
    "/customers/{customer}/burndown",
    summary="Each objective's error budget left at the end of every day of a period",
    responses={**READ_ERRORS, **NOT_FOUND},
)
def get_burndown(
    customer: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    period: ContractPeriod = None,
    as_of: AsOf = None,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    wanted = checked_period(period)
    explicit = instant_param(as_of, "as_of")
    version, config, contracts = versioned_contracts(request, now)
    name, spec = visible_contract(principal, contracts, customer)
    fields = ticket_fields([spec])

    def compute(at: Instant) -> Burndown:
        if explicit is None:  # now: from the KPI view when it can answer exactly
            clocks = runtime.contract_view_clocks(version, config, spec, customer, at, fields)
            if clocks is not None:
                return burndown_of_clocks(name, spec, clocks, at, wanted)
        judged = at if explicit is None else explicit
        records, tickets = customer_data(runtime.store, config, customer, judged, at, fields)
        return burndown(name, spec, records, tickets, judged, wanted)

    if explicit is not None:
        return json_response(_json(compute(now), now))
    # the period named now is part of the key: "current" names another one next month
    label = resolve_period(spec, wanted, now).label
    key = ("burndown", version, name, customer, label, principal.customer)
    snap = runtime.snapshots.get(key, compute, runtime.moved_away_guard(principal.customer))
    return json_response(_json(snap.value, snap.at))


def _json(b: Burndown, computed_at: Instant) -> dict[str, Any]:
    return {
        "contract": b.contract,
        "customer": b.customer,
        "period": b.period,
        "start": iso(b.start),
        "end": iso(b.end),
        "final": b.final,
        "as_of": iso(b.as_of),
        "computed_at": iso(computed_at),
        "objectives": [
            {
                "name": o.name,
                "description": o.description,
                "kind": o.kind,
                "budget": None
                if o.budget is None
                else {
                    "allowed": o.budget.allowed,
                    "used": o.budget.used,
                    "remaining": o.budget.remaining,
                    "basis": o.budget.basis,
                },
                "days": [
                    {
                        "date": d.date,
                        "start": iso(d.start),
                        "end": iso(d.end),
                        "breaches": d.breaches,
                        "used": d.used,
                        "remaining": d.remaining,
                        "even": round(d.even, 4),
                    }
                    for d in o.days
                ],
            }
            for o in b.objectives
        ],
    }
