"""``GET /metrics``: Prometheus text format (a token with ``read`` across customers)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.plumbing import AUTH_ERRORS

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}, **AUTH_ERRORS},
    response_class=Response,
)
def metrics(
    request: Request,
    _principal: Principal = Depends(require(Scope.READ, all_customers=True)),
) -> Response:
    body = request.app.state.runtime.metrics.render()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
