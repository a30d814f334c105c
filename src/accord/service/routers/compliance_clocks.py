"""``GET /api/v1/compliance/clocks``: the clocks behind one figure of ``GET
/api/v1/compliance``, with the same filters, as JSON or CSV.

A compliance group is a value of ``by`` (``key``; ``unset=true`` for the group without a
value, compliance's ``null`` key; neither: every group) in one period (``label``: ``2026-03``,
``2026-Q1`` or ``2026`` as the compliance answer names it); ``state`` picks its ``met``,
``breached`` or ``open`` clocks (default: all three). The clocks are read from the stored
records exactly as the compliance counts are (clocks with a target, judged at the request's
instant, the ticket's current customer, the SLA clocks or with ``clocks=agreements`` the
internal agreements'), so the number listed equals the figure: a group's ``met`` is the
number of its ``state=met`` clocks. Not paginated, for that reason.

With ``objective`` (and ``customer``, ``label``: the contract period, default ``current``;
``as_of``) it lists instead the clocks a contract objective counts in that period, those
behind the statement's objective, error budget and credit figures (see
:mod:`accord.service.routers.objective_clocks`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.core.agreements.models import is_internal
from accord.core.timeutil import Instant, iso
from accord.errors import InputError
from accord.io.store import Scope
from accord.io.store.base import ComplianceKey
from accord.service.auth import Principal, require
from accord.service.internal import CLOCKS_QUERY, Clocks, internal_read
from accord.service.params import INSTANT_SCHEMA
from accord.service.plumbing import (
    NOT_FOUND,
    READ_ERRORS,
    csv_response,
    json_response,
    wants_csv,
)
from accord.service.routers import objective_clocks
from accord.service.routers.compliance import By, Period, period_of
from accord.service.views import rows_csv

router = APIRouter(prefix="/api/v1", tags=["compliance"])

COLUMNS = ("ticket_id", "metric", "priority", "policy", "team", "customer", "month", "state",
           "due")  # fmt: skip
_DIM = {"metric": 1, "priority": 2, "policy": 3, "team": 4, "customer": 5}
_ANY = object()  # no group asked for: every value of ``by``
_SCALARS = (
    "unset",
    "by",
    "period",
    "key",
    "label",
    "state",
    "customer",
    "metric",
    "clocks",
    "objective",
    "as_of",
    "format",
)


def judged(state: str, due: Instant | None, now: Instant) -> str | None:
    """A stored clock's compliance state at ``now``: ``met``, ``breached``, ``open`` (running
    or paused; a running clock past its due instant is breached) or ``None`` (cancelled)."""
    if state == "running" and due is not None and due < now:
        return "breached"
    if state in ("running", "paused"):
        return "open"
    return state if state in ("met", "breached") else None


@router.get(
    "/compliance/clocks",
    summary="The clocks behind one compliance or contract objective figure, JSON or CSV",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **READ_ERRORS,
        **NOT_FOUND,
    },
)
def compliance_clocks(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    by: By = Query("metric", description="The grouping of the figure"),
    period: Period = Query("month", description="The period kind of the figure"),
    key: str | None = Query(None, description="The group's value (absent: every group)"),
    unset: bool = Query(False, description="The group without a value (compliance's null key)"),
    label: str | None = Query(
        None,
        description="The group's period, as compliance names it (absent: every period); with "
        "objective, the contract period (2026-10, 2026-Q4, current or previous; absent: "
        "current)",
    ),
    state: Literal["met", "breached", "open"] | None = Query(
        None, description="Only the met, breached or open clocks"
    ),
    customer: str | None = None,
    metric: str | None = None,
    clocks: Clocks | None = CLOCKS_QUERY,
    objective: str | None = Query(
        None,
        description="Instead of a compliance group: the clocks this objective of the "
        "customer's contract counts in the period label (not with by, period, key, unset, "
        "metric or clocks)",
    ),
    as_of: str | None = Query(
        None,
        description="With objective: judge the clocks at this instant (default: now)",
        json_schema_extra=INSTANT_SCHEMA,
    ),
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
) -> Response:
    runtime = request.app.state.runtime
    now = runtime.clock()
    for name in _SCALARS:  # one value each: a second one would be silently dropped
        if len(request.query_params.getlist(name)) > 1:
            raise InputError(f"{name}: give it once", details=[{"parameter": name}])
    if objective is not None:
        head, found = objective_clocks.objective_rows(
            request, principal, objective, customer, label, state, as_of
        )
        if wants_csv(request, format):
            return csv_response(rows_csv(objective_clocks.COLUMNS, found))
        return json_response({**head, "count": len(found), "clocks": found})
    if as_of is not None:
        raise InputError(
            "as_of: only with objective (a compliance figure is judged now)",
            details=[{"parameter": "as_of"}],
        )
    internal = internal_read(principal, clocks, metric)
    empty = internal is None
    if principal.customer is not None:
        empty = empty or (customer is not None and customer != principal.customer)
        customer = principal.customer
    rows: list[dict[str, Any]] = []
    if not empty:
        for batch in runtime.store.compliance_keys():
            for k in batch:
                group = _ANY if key is None and not unset else (None if unset else key)
                row = _row(k, now, by, period, group, label, state, customer, metric, internal)
                if row is not None:
                    rows.append(row)
    rows.sort(key=lambda r: (r["month"], r["ticket_id"], r["metric"]))
    if wants_csv(request, format):
        return csv_response(rows_csv(COLUMNS, rows))
    return json_response({"by": by, "period": period, "key": key, "label": label,
                          "state": state, "count": len(rows), "clocks": rows})  # fmt: skip


def _row(
    k: ComplianceKey,
    now: Instant,
    by: str,
    period: str,
    key: object,
    label: str | None,
    state: str | None,
    customer: str | None,
    metric: str | None,
    internal: bool | None,
) -> dict[str, Any] | None:
    tid, m, priority, policy, team, owner, month, stored, due = k
    if is_internal(m) is not bool(internal):
        return None
    if (customer is not None and owner != customer) or (metric is not None and m != metric):
        return None
    if by != "period" and key is not _ANY and (k[_DIM[by]] or None) != key:
        return None
    if label is not None and period_of(month, period) != label:
        return None
    st = judged(stored, due, now)
    if st is None or (state is not None and st != state):
        return None
    return {"ticket_id": tid, "metric": m, "priority": priority, "policy": policy,
            "team": team, "customer": owner, "month": month, "state": st,
            "due": iso(due) if due is not None else None}  # fmt: skip
