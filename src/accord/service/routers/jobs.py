"""``POST /api/v1/recompute`` starts a recompute of every stored ticket under the
configuration in force; ``GET /api/v1/jobs/{id}`` shows its progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.plumbing import AUTH_ERRORS, CONFLICT, NOT_FOUND, READ_ERRORS

router = APIRouter(prefix="/api/v1", tags=["jobs"])


@router.post(
    "/recompute",
    status_code=202,
    summary="Start recomputing every ticket (one job at a time)",
    responses={**AUTH_ERRORS, **CONFLICT},
    response_class=JSONResponse,
)
async def recompute(
    request: Request, _principal: Principal = Depends(require(Scope.ADMIN))
) -> JSONResponse:
    runtime = request.app.state.runtime
    job = await run_in_threadpool(runtime.jobs.start)
    return JSONResponse(
        job.to_json(), status_code=202, headers={"Location": f"/api/v1/jobs/{job.id}"}
    )


@router.get(
    "/jobs/{job_id}",
    summary="A job's state and progress",
    responses={**READ_ERRORS, **NOT_FOUND},
)
def get_job(
    job_id: str,
    request: Request,
    _principal: Principal = Depends(require(Scope.READ, all_customers=True)),
) -> dict[str, Any]:
    return request.app.state.runtime.jobs.get(job_id).to_json()  # type: ignore[no-any-return]
