"""``GET /api/v1/tickets`` (a filtered, paginated list) and ``GET /api/v1/tickets/{id}`` (one
ticket with its timeline and the explanation of every clock).

Every ticket returned is recomputed from its stored events at the request's instant (or
``as_of``), so its fields and its clocks' elapsed, remaining and state are exact at that
instant; the filters use the stored summaries and records, whose state is judged at the
request's instant (a running clock past its due instant counts as breached), except the
customer, which is the ticket's current one (kept at ingest). ``sort`` orders by a column
(``next_cursor`` is given in the default order only; page a sorted list with ``offset``), and
``total`` counts the whole filtered list, up to a cap (``total_capped``). Isolation is decided
at read time: a customer-scoped token's page holds only tickets whose current customer, by the
events read for the page, is the token's.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accord.core.events import Event
from accord.core.records import MetricRecord, State
from accord.core.timeutil import iso
from accord.errors import NotFoundError
from accord.io.store import Scope, TicketQuery
from accord.io.store.base import TICKET_SORTS
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
from accord.service.params import INSTANT_SCHEMA, AsOf
from accord.service.params import instant as instant_param
from accord.service.plumbing import (
    NOT_FOUND,
    READ_ERRORS,
    csv_response,
    json_response,
    wants_csv,
)
from accord.service.recompute import summarize
from accord.service.runtime import Fresh
from accord.service.ticket_detail import internal_detail
from accord.service.views import (
    event_json,
    records_csv,
    ticket_json,
)

router = APIRouter(prefix="/api/v1", tags=["tickets"])


@router.get(
    "/tickets",
    summary="Tickets with their SLA clocks (filters, pagination, JSON or CSV)",
    responses={200: list_responses("Tickets with their clocks"), **READ_ERRORS},
)
def list_tickets(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    customer: str | None = Query(None, description="The ticket's current customer"),
    team: str | None = None,
    priority: str | None = None,
    assignee: str | None = None,
    state: State | None = Query(None, description="Tickets with a clock in this state now"),
    metric: str | None = Query(None, description="Tickets with a clock of this metric"),
    channel: str | None = Query(None, description="Tickets with a clock on this channel"),
    search: str | None = Query(
        None, max_length=MAX_SEARCH, description="A part of the ticket id, in any case"
    ),
    sort: str | None = Query(
        None,
        description="A column, or -column for the descending order; default: by ticket id",
        json_schema_extra=sort_schema(TICKET_SORTS),
    ),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="Tickets to skip (after the cursor)"),
    due_before: str | None = Query(
        None, description="Tickets with a clock due before this", json_schema_extra=INSTANT_SCHEMA
    ),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(
        None,
        description="next_cursor of the previous page (given in the default order only)",
        json_schema_extra=cursors.TICKET_SCHEMA,
    ),
    as_of: str | None = Query(
        None,
        description="Judge the returned clocks at this instant",
        json_schema_extra=INSTANT_SCHEMA,
    ),
    format: Literal["json", "csv"] | None = Query(None, description="Or Accept: text/csv"),
    clocks: Clocks | None = CLOCKS_QUERY,
) -> Response:
    runtime = request.app.state.runtime
    now = runtime.clock()
    # every parameter is checked before any answer, the empty one for another customer too
    asked = instant_param(as_of, "as_of")
    judged = now if asked is None else asked  # (1970-01-01T00:00:00Z is 0, and an instant)
    due = instant_param(due_before, "due_before")
    after = cursors.read_ticket_cursor(cursor) if cursor is not None else None
    order = sort_key(sort, TICKET_SORTS)  # checked before any answer
    internal = internal_read(principal, clocks, metric)
    if internal is None:
        return _page(request, format, [], [], None, NO_ROWS, offset, judged)
    if principal.customer is not None:
        if customer is not None and customer != principal.customer:
            return _page(request, format, [], [], None, NO_ROWS, offset, judged)
        customer = principal.customer
    query = TicketQuery(
        now=now,
        customer=customer,
        team=team,
        priority=priority,
        state=state,
        metric=metric,
        due_before=due,
        internal=internal,
        assignee=assignee,
        channel=channel,
        search=search,
        sort=order,
        offset=offset,
        after=after,
        limit=limit + 1,
    )
    found = runtime.store.find_tickets(query)
    page = found[:limit]
    more = len(found) > limit and order is None
    next_cursor = cursors.ticket_cursor(page[-1].ticket_id) if more else None
    fresh = runtime.fresh([s.ticket_id for s in page], judged, internal=internal)
    # the store filtered on the current customer; each ticket is checked again against the
    # events just read (a move stored since the query drops it from this page)
    shown = [f for s in page if (f := fresh[s.ticket_id]).visible_to(customer)]

    def listed(f: Fresh) -> list[MetricRecord]:  # the class of clocks asked for
        return f.agreements if internal else f.records

    days = BusinessDays(runtime.config_at(now), judged)
    items = [
        ticket_json(f.summary, listed(f), days, error=f.error)
        for f in shown
        if f.summary is not None
    ]
    records = [r for f in shown for r in listed(f)]
    total = list_params.page_total(
        len(found),
        limit,
        offset,
        after,
        lambda: runtime.store.count_ticket_list(query, at_most=list_params.count_at_most()),
    )
    return _page(request, format, items, records, next_cursor, total, offset, judged)


def _page(
    request: Request,
    fmt: str | None,
    items: list[dict[str, Any]],
    records: list[Any],
    next_cursor: str | None,
    total: Total,
    offset: int,
    judged: int,
) -> Response:
    if wants_csv(request, fmt):
        return csv_response(
            records_csv(records), next_cursor=next_cursor, total=total.value, capped=total.capped
        )
    return json_response(
        {
            "items": items,
            "next_cursor": next_cursor,
            "total": total.value,
            "total_capped": total.capped,
            "offset": offset,
            "as_of": iso(judged),
        }
    )


@router.get(
    "/tickets/{ticket_id}",
    summary="One ticket: its fields, timeline and every clock with its explanation",
    responses={**READ_ERRORS, **NOT_FOUND},
)
def get_ticket(
    ticket_id: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    as_of: AsOf = None,
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    now = runtime.clock()
    asked = instant_param(as_of, "as_of")
    judged = now if asked is None else asked
    events = runtime.store.events_of([ticket_id])[ticket_id]
    summary = summarize(ticket_id, events, now) if events else None
    if summary is None or (
        principal.customer is not None and summary.customer != principal.customer
    ):
        # the same answer whether the ticket is missing or another customer's
        raise NotFoundError(f"no ticket '{ticket_id}'")
    staff = principal.customer is None
    fresh = runtime.fresh([ticket_id], judged, internal=staff)[ticket_id]
    current = runtime.configs.current(now)
    days = BusinessDays(current[1] if current else None, judged)
    out = ticket_json(summary, fresh.records, days, explain=True, error=fresh.error)
    out["as_of"] = iso(judged)
    out["config_version"] = current[0].version if current else None
    out["timeline"] = [event_json(e) for e in sorted(events, key=Event.sort_key)]
    if staff and current is not None:
        # internal: the agreements' clocks and where the time went, for the teams only
        out.update(internal_detail(current[1], events, fresh, judged, days))
    return out
