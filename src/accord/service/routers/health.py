"""``GET /healthz``: the one endpoint without a token, for load balancers and probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from accord.service.plumbing import UNAVAILABLE

router = APIRouter(tags=["health"])


@router.get("/healthz", responses=UNAVAILABLE, summary="Liveness and store check (no token)")
async def healthz(request: Request) -> dict[str, Any]:
    runtime = request.app.state.runtime
    # a cheap round trip: a 503 (StoreError) when the database does not answer
    await run_in_threadpool(runtime.store.get_token, "-")
    return {"status": "ok"}
