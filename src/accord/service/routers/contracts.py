"""Contracts: ``GET /api/v1/contracts``, a customer's ``statement`` for one period and its
``budget`` for the current one.

The contracts are those of the configuration version in force; the figures come from the
customer's stored events, recomputed by the same engine as every read (for "now", from the KPI
view when it can answer exactly: :mod:`accord.service.contract_view`). With ``as_of`` they are
judged at that instant, computed for the request. Without it they are a snapshot of "now"
(:mod:`accord.service.snapshots`): served at once, refreshed when the store changed or after
``snapshot_max_age``, so a large store answers at once with figures at most one refresh old.
Every answer says the instant it is for (``as_of``) and when it was computed (``computed_at``).
A customer-scoped token sees only its own contract: any other customer answers 404 exactly
like a customer without a contract; snapshots are keyed by the caller's customer scope, and one
computed before a ticket moved away from that customer is never served to it (it is computed
again in the request). The customer's tickets are those whose current customer it is, as of
the events stored (kept at ingest), whatever the recompute backlog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from accord.core.config.resolved import Configuration
from accord.core.contracts.assignment import resolve_period
from accord.core.contracts.models import ContractSpec
from accord.core.contracts.statement import (
    build_statement,
    find_contract,
    statement_of_clocks,
    ticket_fields,
)
from accord.core.timeutil import Instant, iso
from accord.errors import NotFoundError
from accord.io.store import ConfigVersion, Scope
from accord.service.auth import Principal, require
from accord.service.figures import contracts_of_files, customer_data
from accord.service.offload import RENDERS, encode, remote_statements
from accord.service.params import AsOf, ContractPeriod
from accord.service.params import instant as instant_param
from accord.service.params import period as checked_period
from accord.service.plumbing import NOT_FOUND, READ_ERRORS
from accord.service.runtime import Runtime
from accord.service.snapshots import AS_OF_HEADER

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


def current_contracts(
    request: Request, now: Instant
) -> tuple[Configuration, dict[str, ContractSpec]]:
    """The configuration in force at ``now`` and its contracts (404 without one)."""
    _, config, contracts = versioned_contracts(request, now)
    return config, contracts


def visible_contract(
    principal: Principal, contracts: Mapping[str, ContractSpec], customer: str
) -> tuple[str, ContractSpec]:
    """The name and contract of ``customer`` as ``principal`` may see it (404 otherwise)."""
    found = find_contract(contracts, customer)
    # another customer's contract is as invisible to a customer token as a missing one
    if found is None or (principal.customer is not None and principal.customer != customer):
        raise NotFoundError(f"no contract for customer '{customer}'")
    return found


def versioned_contracts(
    request: Request, now: Instant
) -> tuple[int, Configuration, dict[str, ContractSpec]]:
    """The version number, configuration and contracts in force (404 without one)."""
    runtime: Runtime = request.app.state.runtime
    current = runtime.configs.current(now)
    if current is None:
        raise NotFoundError("no configuration is in force, so there are no contracts")
    version, config = current
    return version.version, config, _contracts_of(request, version)


# a month or a quarter: names the same span whatever the instant it is resolved at
_CALENDAR_LABEL = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")


def _statement(
    request: Request,
    principal: Principal,
    customer: str,
    period: str | None,
    as_of: str | None,
    part: str,
) -> tuple[bytes, Instant]:
    """The statement rendered as ``part`` (``statement`` or ``budget``, encoded JSON with its
    ``computed_at``) and the instant its figures are for: without ``as_of``, from the snapshot
    of the figures "now" (see :mod:`accord.service.snapshots`), which keeps the answer
    rendered and encoded (a large customer's statement takes a while to render and encode)."""
    runtime: Runtime = request.app.state.runtime
    now = runtime.clock()
    explicit = instant_param(as_of, "as_of")
    config, contracts = current_contracts(request, now)
    name, spec = visible_contract(principal, contracts, customer)
    fields = ticket_fields([spec])

    current = runtime.configs.current(now)
    files = tuple(sorted(current[0].files.items())) if current else ()
    version = current[0].version if current else None

    def compute_for(label: str | None, parts: tuple[str, ...]) -> Callable[[Instant], Any]:
        def compute(at: Instant) -> dict[str, bytes]:
            # now: the clocks from the KPI view when it can give them exactly, else every
            # event of the customer replayed, in a worker process when that was slow
            clocks = (
                runtime.contract_view_clocks(version, config, spec, customer, at, fields)
                if explicit is None and version is not None
                else None
            )
            if clocks is not None:
                statement = statement_of_clocks(name, spec, clocks, at, label)
                return {p: encode({**RENDERS[p](statement), "computed_at": iso(at)}) for p in parts}
            if explicit is None and runtime.offloaded(key):
                args = (files, name, customer, at, label, fields, parts)
                got: dict[str, bytes] = runtime.offload.run(remote_statements, *args)
                return got
            judged = at if explicit is None else explicit
            records, tickets = customer_data(runtime.store, config, customer, judged, at, fields)
            statement = build_statement(name, spec, records, tickets, judged, label)
            # kept encoded: a large customer's statement takes long to render and to encode
            return {p: encode({**RENDERS[p](statement), "computed_at": iso(at)}) for p in parts}

        return compute

    key: tuple[Any, ...] = ()
    if explicit is not None:
        answers: dict[str, bytes] = compute_for(period, (part,))(now)
        return answers[part], explicit
    # the period named now is part of the key: "current" names another one next month
    label = resolve_period(spec, period, now, history=spec.volume_periods).label
    guard = runtime.moved_away_guard(principal.customer)
    if _CALENDAR_LABEL.match(label):
        # computed for the label, the statement and the budget of the current period share
        # one snapshot: one replay of the customer's events for the whole customer page
        key = ("statement", version, name, customer, label, principal.customer)
        snap = runtime.snapshots.get(key, compute_for(label, tuple(RENDERS)), guard)
    else:
        key = (part, version, name, customer, period, label, principal.customer)
        snap = runtime.snapshots.get(key, compute_for(period, (part,)), guard)
    rendered: bytes = snap.value[part]
    return rendered, snap.at


def _answer(body: bytes, as_of: Instant) -> Response:
    return Response(body, media_type="application/json", headers={AS_OF_HEADER: str(iso(as_of))})


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
    _, contracts = current_contracts(request, now)
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
    period: ContractPeriod = None,
    as_of: AsOf = None,
) -> Response:
    wanted = checked_period(period)
    body, computed_at = _statement(request, principal, customer, wanted, as_of, "statement")
    return _answer(body, computed_at)


@router.get(
    "/customers/{customer}/budget",
    summary="The current period's error budget, burn, open clocks at risk and forecast",
    responses={**READ_ERRORS, **NOT_FOUND},
)
def get_budget(
    customer: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    as_of: AsOf = None,
) -> Response:
    body, computed_at = _statement(request, principal, customer, None, as_of, "budget")
    return _answer(body, computed_at)
