"""``GET /api/v1/compliance``: met and breached clocks, and the share met, grouped.

Counted: clocks with a target, judged at the request's instant (a running clock past its due
instant is breached). Cancelled clocks count neither way; open ones are shown apart. A clock
belongs to the period in which it started (UTC).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.internal import CLOCKS_QUERY, Clocks, internal_read
from accord.service.plumbing import READ_ERRORS, csv_response, json_response, wants_csv
from accord.service.views import rows_csv

router = APIRouter(prefix="/api/v1", tags=["compliance"])

By = Literal["metric", "priority", "policy", "team", "customer", "period"]
Period = Literal["month", "quarter", "year"]
COLUMNS = ("key", "period", "met", "breached", "open", "compliance")


def period_of(month: str, period: str) -> str:
    """``2026-05`` as a month, quarter (``2026-Q2``) or year (``2026``)."""
    if period == "year":
        return month[:4]
    if period == "quarter":
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    return month


def share(met: int, breached: int) -> float | None:
    judged = met + breached
    return round(100.0 * met / judged, 2) if judged else None


@router.get(
    "/compliance",
    summary="Compliance summaries by metric, priority, policy, team, customer or period",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **READ_ERRORS},
)
def compliance(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    by: By = Query("metric", description="Group by this (and by period)"),
    period: Period = Query("month", description="Calendar period of the clock's start (UTC)"),
    customer: str | None = None,
    metric: str | None = None,
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
    clocks: Clocks | None = CLOCKS_QUERY,
) -> Response:
    runtime = request.app.state.runtime
    now = runtime.clock()
    internal = internal_read(principal, clocks, metric)
    empty = internal is None
    if principal.customer is not None:
        empty = empty or (customer is not None and customer != principal.customer)
        customer = principal.customer
    # the in-memory view answers what the store's query would, in milliseconds; until it is
    # loaded (a background load at start) the store answers
    view = runtime.records_view
    source = view if view.usable(load=not runtime.settings.background) else runtime.store
    rows = (
        []
        if empty
        else source.compliance(
            None if by == "period" else by,
            now=now,
            customer=customer,
            metric=metric,
            internal=bool(internal),
        )
    )
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        key = "" if by == "period" else (row.key if row.key is not None else "")
        c = sums.setdefault((period_of(row.month, period), key), [0, 0, 0])
        c[0] += row.met
        c[1] += row.breached
        c[2] += row.open
    groups: list[dict[str, Any]] = [
        {
            "key": None if by == "period" else (key or None),
            "period": p,
            "met": met,
            "breached": breached,
            "open": open_,
            "compliance": share(met, breached),
        }
        for (p, key), (met, breached, open_) in sorted(sums.items())
    ]
    total_met = sum(g["met"] for g in groups)
    total_breached = sum(g["breached"] for g in groups)
    if wants_csv(request, format):
        return csv_response(rows_csv(COLUMNS, groups))
    return json_response(
        {
            "by": by,
            "period": period,
            "groups": groups,
            "total": {
                "met": total_met,
                "breached": total_breached,
                "open": sum(g["open"] for g in groups),
                "compliance": share(total_met, total_breached),
            },
        }
    )
