"""``GET /api/v1/quarantine``: the rejected rows with their reasons, oldest first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from accord.core.timeutil import iso
from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.plumbing import READ_ERRORS

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.get("/quarantine", summary="Quarantined rows (admin)", responses=READ_ERRORS)
def quarantine(
    request: Request,
    _principal: Principal = Depends(require(Scope.ADMIN)),
    after: int = Query(0, ge=0, le=2**62, description="next_after of the previous page"),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    store = request.app.state.runtime.store
    entries = store.quarantine(after=after, limit=limit)
    return {
        "items": [
            {
                "id": q.id,
                "source": q.problem.source,
                "row": q.problem.row,
                "field": q.problem.field,
                "reason": q.problem.reason,
                "raw": q.problem.raw,
                "received_at": iso(q.received_at),
            }
            for q in entries
        ],
        "next_after": entries[-1].id if len(entries) == limit else None,
        "total": store.count_quarantine(),
    }
