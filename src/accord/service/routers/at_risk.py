"""``GET /api/v1/at-risk``: the queue of open clocks with a target, soonest due first.

Breached clocks that are still open come first (their due instant has passed), then running
ones by due instant, then paused ones (a paused clock has no due instant), or by ``sort``.
Each item is recomputed at the request's instant and says its ``risk``: ``breached``, ``warning`` (a
warning threshold reached) or ``ok``. ``customer`` (and a customer-scoped token) selects the
tickets whose current customer it is, checked again against the events read for the page.
The other filters, the sort and ``total`` (the count of the whole filtered queue, up to a cap:
``total_capped``) use the
stored clocks judged at the request's instant; the page's items are recomputed at that
instant, so a clock an event closed since its last recompute is left out of the page.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.core.records import MetricRecord, State
from accord.core.timeutil import iso
from accord.io.store import ClockCursor, ClockQuery, Scope
from accord.io.store.base import CLOCK_SORTS, NO_DUE
from accord.service import cursors, list_params
from accord.service.auth import Principal, require
from accord.service.business_days import BusinessDays
from accord.service.internal import CLOCKS_QUERY, Clocks, internal_read
from accord.service.list_params import (
    MAX_OFFSET,
    MAX_SEARCH,
    NO_ROWS,
    Total,
    list_responses,
    sort_key,
    sort_schema,
)
from accord.service.plumbing import READ_ERRORS, csv_response, json_response, wants_csv
from accord.service.views import (
    at_risk_json,
    records_csv,
)

router = APIRouter(prefix="/api/v1", tags=["tickets"])

MAX_DUE_WITHIN = 10 * 366 * 86400  # seconds: ten years ahead is "any due instant"


def _risk(r: MetricRecord) -> str:
    if r.state is State.BREACHED:
        return "breached"
    return "warning" if r.warnings else "ok"


@router.get(
    "/at-risk",
    summary="Open clocks with a target, ordered by due instant (breached first)",
    responses={200: list_responses("Open clocks, each with its risk"), **READ_ERRORS},
)
def at_risk(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    customer: str | None = Query(None, description="The ticket's current customer"),
    team: str | None = None,
    priority: str | None = None,
    metric: str | None = None,
    policy: str | None = None,
    assignee: str | None = None,
    channel: str | None = None,
    state: Literal["running", "paused", "breached"] | None = Query(
        None, description="The clock's state now (breached: running past its due instant)"
    ),
    due_within: int | None = Query(
        None,
        ge=0,
        le=MAX_DUE_WITHIN,
        description="Running clocks due within this many seconds from now (past due included)",
    ),
    search: str | None = Query(
        None, max_length=MAX_SEARCH, description="A part of the ticket id, in any case"
    ),
    sort: str | None = Query(
        None,
        description="A column, or -column for the descending order; default: by due instant",
        json_schema_extra=sort_schema(CLOCK_SORTS),
    ),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="Rows to skip (after the cursor)"),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(
        None,
        description="next_cursor of the previous page (given in the default order only)",
        json_schema_extra=cursors.QUEUE_SCHEMA,
    ),
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
    clocks: Clocks | None = CLOCKS_QUERY,
) -> Response:
    runtime = request.app.state.runtime
    now = runtime.clock()
    after = cursors.read_queue_cursor(cursor) if cursor is not None else None  # checked first
    order = sort_key(sort, CLOCK_SORTS)  # checked before any answer
    internal = internal_read(principal, clocks, metric)
    if internal is None:
        return _answer(request, format, [], None, NO_ROWS, offset, now)
    if principal.customer is not None:
        if customer is not None and customer != principal.customer:
            return _answer(request, format, [], None, NO_ROWS, offset, now)
        customer = principal.customer
    query = ClockQuery(
        now=now,
        customer=customer,
        team=team,
        priority=priority,
        metric=metric,
        policy=policy,
        internal=internal,
        assignee=assignee,
        channel=channel,
        state=State(state) if state is not None else None,
        due_before=now + due_within if due_within is not None else None,
        search=search,
        sort=order,
        offset=offset,
        after=after,
        limit=limit + 1,
    )
    found = runtime.store.open_clocks(query)
    page = found[:limit]
    next_cursor = None
    if len(found) > limit and order is None:
        last = page[-1]
        due = last.due if last.due is not None else NO_DUE
        next_cursor = cursors.queue_cursor(
            ClockCursor(due, last.ticket_id, last.metric, last.cycle)
        )
    fresh = runtime.fresh({r.ticket_id for r in page}, now, internal=internal)
    # isolation at read time: only tickets whose current customer, by the events just read,
    # is the one asked for (the store filtered on it; a move stored since drops them here)
    by_key = {
        (r.ticket_id, r.metric, r.cycle): r
        for f in fresh.values()
        if f.visible_to(customer)
        for r in (f.agreements if internal else f.records)
    }
    # a clock that an event closed since its record was stored has left the queue
    items = [
        by_key[k]
        for r in page
        if (k := (r.ticket_id, r.metric, r.cycle)) in by_key and by_key[k].stop is None
    ]
    total = list_params.page_total(
        len(found),
        limit,
        offset,
        after,
        lambda: runtime.store.count_open_clocks(query, at_most=list_params.count_at_most()),
    )
    return _answer(request, format, items, next_cursor, total, offset, now)


def _answer(
    request: Request,
    fmt: str | None,
    items: list[MetricRecord],
    next_cursor: str | None,
    total: Total,
    offset: int,
    now: int,
) -> Response:
    if wants_csv(request, fmt):
        return csv_response(
            records_csv(items), next_cursor=next_cursor, total=total.value, capped=total.capped
        )
    days = BusinessDays(request.app.state.runtime.config_at(now), now)
    out: list[dict[str, Any]] = []
    for r in items:
        row = at_risk_json(r, days)
        row["risk"] = _risk(r)
        out.append(row)
    return json_response(
        {
            "items": out,
            "next_cursor": next_cursor,
            "total": total.value,
            "total_capped": total.capped,
            "offset": offset,
            "as_of": iso(now),
        }
    )
