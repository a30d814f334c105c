"""Tickets whose recompute failed (admin): ``GET /api/v1/recompute/failures`` lists them with
their error, ``POST /api/v1/recompute/failures/retry`` marks them for recompute again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field

from accord.core.event_limits import MAX_ID_BYTES
from accord.core.timeutil import iso
from accord.io.store import FailedTicket, Scope
from accord.service.auth import Principal, require
from accord.service.plumbing import READ_ERRORS

router = APIRouter(prefix="/api/v1/recompute", tags=["jobs"])

MAX_RETRY_IDS = 1000

TicketId = Annotated[str, Field(min_length=1, max_length=MAX_ID_BYTES)]


class Retry(BaseModel):
    ticket_ids: list[TicketId] | None = Field(
        None,
        max_length=MAX_RETRY_IDS,
        description="The failed tickets to retry; every failed ticket when absent",
    )


def failure_json(f: FailedTicket) -> dict[str, Any]:
    return {
        "ticket_id": f.ticket_id,
        "error": f.error,
        "first_failed_at": iso(f.first_failed_at),
        "last_failed_at": iso(f.last_failed_at),
        "attempts": f.attempts,
    }


@router.get(
    "/failures",
    summary="Tickets whose recompute failed, with their error (admin)",
    responses=READ_ERRORS,
)
def list_failures(
    request: Request,
    _principal: Principal = Depends(require(Scope.ADMIN)),
    after: str | None = Query(
        None, max_length=MAX_ID_BYTES, description="next_after of the previous page"
    ),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    store = request.app.state.runtime.store
    failed = store.failed_tickets(after=after, limit=limit)
    return {
        "items": [failure_json(f) for f in failed],
        "next_after": failed[-1].ticket_id if len(failed) == limit else None,
        "total": store.count_failed_tickets(),
    }


@router.post(
    "/failures/retry",
    summary="Recompute failed tickets again (admin)",
    responses=READ_ERRORS,
)
def retry_failures(
    request: Request,
    _principal: Principal = Depends(require(Scope.ADMIN)),
    body: Retry | None = Body(None),
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    wanted = body.ticket_ids if body is not None else None
    retried = runtime.store.retry_failed(wanted)
    if retried:
        runtime.notify_recompute()
    return {"retried": len(retried), "ticket_ids": retried}
