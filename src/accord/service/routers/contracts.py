"""Contracts: ``GET /api/v1/contracts``, a customer's ``statement`` for one period and its
``budget`` for the current one.

The contracts are those of the configuration version in force; the figures come from the
customer's stored events, recomputed at the request's instant (or ``as_of``) by the same
engine as every read, so a statement is exact to the second. A customer-scoped token sees only
its own contract: any other customer answers 404 exactly like a customer without a contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Query, Request

from accord.core.config.resolved import Configuration
from accord.core.contracts.models import ContractSpec
from accord.core.contracts.statement import (
    Statement,
    build_statement,
    find_contract,
    ticket_fields,
)
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant
from accord.errors import NotFoundError
from accord.io.store import ConfigVersion, Scope
from accord.service.auth import Principal, require
from accord.service.figures import contracts_of_files, customer_data
from accord.service.plumbing import NOT_FOUND, READ_ERRORS
from accord.service.runtime import Runtime
from accord.service.views import parse_instant_param

router = APIRouter(prefix="/api/v1", tags=["contracts"])


def contract_json(name: str, spec: ContractSpec) -> dict[str, Any]:
    """A contract as configured (money as decimal text, shares as fractions of 1)."""
    return {"name": name, **spec.model_dump(mode="json")}


def _contracts_of(request: Request, version: ConfigVersion) -> dict[str, ContractSpec]:
    """The contracts of a stored configuration version, checked by the same loader as every
    upload (files written to a temporary directory, as the upload check does) and cached."""
    cache: dict[int, dict[str, ContractSpec]] | None = getattr(
        request.app.state, "contracts_by_version", None
    )
    if cache is None:
        cache = request.app.state.contracts_by_version = {}
    got = cache.get(version.version)
    if got is None:
        got = cache[version.version] = contracts_of_files(version.files)
    return got


def _current(request: Request, now: Instant) -> tuple[Configuration, dict[str, ContractSpec]]:
    runtime: Runtime = request.app.state.runtime
    current = runtime.configs.current(now)
    if current is None:
        raise NotFoundError("no configuration is in force, so there are no contracts")
    version, config = current
    return config, _contracts_of(request, version)


def _visible(
    principal: Principal, contracts: Mapping[str, ContractSpec], customer: str
) -> tuple[str, ContractSpec]:
    found = find_contract(contracts, customer)
    # another customer's contract is as invisible to a customer token as a missing one
    if found is None or (principal.customer is not None and principal.customer != customer):
        raise NotFoundError(f"no contract for customer '{customer}'")
    return found


def _customer_data(
    runtime: Runtime, config: Configuration, customer: str, as_of: Instant, fields: list[str]
) -> tuple[list[MetricRecord], pl.DataFrame]:
    """The customer's clocks recomputed at ``as_of`` from their stored events, and the ticket
    facts (with ``fields``) the exclusions read."""
    return customer_data(runtime.store, config, customer, as_of, runtime.clock(), fields)


def _statement(
    request: Request, principal: Principal, customer: str, period: str | None, as_of: str | None
) -> Statement:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    judged = parse_instant_param(as_of, "as_of") or now
    config, contracts = _current(request, now)
    name, spec = _visible(principal, contracts, customer)
    fields = ticket_fields([spec])
    records, tickets = _customer_data(runtime, config, customer, judged, fields)
    return build_statement(name, spec, records, tickets, judged, period)


@router.get(
    "/contracts",
    summary="The contracts in force (a customer token sees its own only)",
    responses=READ_ERRORS,
)
def list_contracts(
    request: Request, principal: Principal = Depends(require(Scope.READ))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    if runtime.configs.current(now) is None:
        return {"items": []}
    _, contracts = _current(request, now)
    items = [
        contract_json(name, spec)
        for name, spec in contracts.items()
        if principal.customer is None or spec.customer == principal.customer
    ]
    return {"items": items}


@router.get(
    "/customers/{customer}/statement",
    summary="A customer's statement for one contract period",
    responses={**READ_ERRORS, **NOT_FOUND},
)
def get_statement(
    customer: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    period: str | None = Query(
        None, description="2026-10, 2026-Q4, current or previous (default: current)"
    ),
    as_of: str | None = Query(None, description="Judge the clocks at this instant"),
) -> dict[str, Any]:
    return _statement(request, principal, customer, period, as_of).to_json()


@router.get(
    "/customers/{customer}/budget",
    summary="The current period's error budget, burn, open clocks at risk and forecast",
    responses={**READ_ERRORS, **NOT_FOUND},
)
def get_budget(
    customer: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    as_of: str | None = Query(None, description="Judge the clocks at this instant"),
) -> dict[str, Any]:
    return _statement(request, principal, customer, None, as_of).budget_json()
