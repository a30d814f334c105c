"""The clocks behind a contract objective's figures (``GET /api/v1/compliance/clocks`` with
``objective``): the drill-down of a statement's objective, error budget and credit lines.

The clocks are those :func:`accord.core.contracts.drill.objective_clocks` counts, read from
the customer's stored events by the same function as the statement
(:func:`accord.service.figures.customer_data`) under the configuration in force, judged at
``as_of`` (default: the request's instant): an objective's ``denominator`` is the number of
rows, its ``met`` and ``breached`` (and the budget's ``used``) those of ``state=met`` and
``state=breached``. A customer-scoped token reads its own contract only (another customer's
answers as empty, as every filter on another customer does); a statement never holds an
internal agreement's clock, so neither does this list.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from accord.core.contracts.drill import objective_clocks
from accord.core.contracts.statement import ticket_fields
from accord.core.timeutil import Instant, iso
from accord.errors import InputError, NotFoundError
from accord.service.auth import Principal
from accord.service.business_days import BusinessDays
from accord.service.figures import customer_data
from accord.service.params import instant as instant_param
from accord.service.params import period as checked_period
from accord.service.routers.contracts import current_contracts, visible_contract

COLUMNS = ("ticket_id", "metric", "cycle", "priority", "policy", "team", "customer", "label",
           "state", "counted_at", "due", "breached_at", "business_elapsed", "target")  # fmt: skip
# the compliance figure's selectors, which say nothing about a contract objective's clocks
FOREIGN = ("by", "period", "key", "unset", "metric", "clocks")


def objective_rows(
    request: Request,
    principal: Principal,
    objective: str,
    customer: str | None,
    label: str | None,
    state: str | None,
    as_of: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The answer's head (objective, contract, customer, label, as_of, state) and the rows
    (:data:`COLUMNS`) of the counted clocks of ``objective`` in period ``label``."""
    given = [n for n in FOREIGN if n in request.query_params]
    if given:
        raise InputError(
            f"{', '.join(given)}: not with objective (the contract says which clocks an "
            "objective counts)",
            details=[{"parameter": n} for n in given],
        )
    if state == "open":
        raise InputError(
            "state: an objective counts met and breached clocks only; the open ones are in "
            "the budget's at_risk",
            details=[{"parameter": "state"}],
        )
    label = checked_period(label, "label")
    runtime = request.app.state.runtime
    now: Instant = runtime.clock()
    explicit = instant_param(as_of or None, "as_of")
    judged = now if explicit is None else explicit
    head: dict[str, Any] = {"objective": objective, "contract": None, "customer": customer,
                            "label": label, "as_of": iso(judged), "state": state}  # fmt: skip
    if principal.customer is not None:
        if customer is not None and customer != principal.customer:
            return head, []  # another customer's clocks: none, as on every other read
        customer = head["customer"] = principal.customer
    if customer is None:
        raise InputError(
            "customer: name the customer whose contract the objective is in",
            details=[{"parameter": "customer"}],
        )
    config, contracts = current_contracts(request, now)
    name, spec = visible_contract(principal, contracts, customer)
    if objective not in spec.objectives:
        known = ", ".join(spec.objectives)
        raise NotFoundError(f"contract '{name}' has no objective '{objective}' (it has {known})")
    records, tickets = customer_data(
        runtime.store, config, customer, judged, now, ticket_fields([spec])
    )
    span, frame = objective_clocks(spec, objective, records, tickets, judged, label)
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
                "label": span.label,
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
    head.update(contract=name, label=span.label)
    return head, rows
