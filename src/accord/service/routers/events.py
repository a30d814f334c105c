"""``POST /api/v1/events``: one event, a JSON array, or an NDJSON stream."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.events_schema import INGEST_SCHEMA, RESULT_SCHEMA
from accord.service.ingest import ingest_body
from accord.service.plumbing import AUTH_ERRORS, TOO_LARGE, UNSUPPORTED, error_doc, read_body
from accord.service.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.post(
    "/events",
    summary="Ingest events: one object, a JSON array (≤ 5,000) or NDJSON (≤ 50,000 lines)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": INGEST_SCHEMA},
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": "One event per line (at most 50,000 lines); each line "
                        "is answered, and rejected or kept, on its own",
                    }
                },
            },
        }
    },
    responses={
        200: {
            "description": "Per-item outcomes; every accepted event is committed",
            "content": {"application/json": {"schema": RESULT_SCHEMA}},
        },
        400: error_doc("The body is not JSON within the limits (it is kept in the quarantine)"),
        **AUTH_ERRORS,
        **TOO_LARGE,
        **UNSUPPORTED,
    },
    response_class=JSONResponse,
)
async def post_events(
    request: Request, _principal: Principal = Depends(require(Scope.WRITE))
) -> Response:
    runtime = request.app.state.runtime
    body = await read_body(request, runtime.settings.max_body_bytes)
    answer = await run_in_threadpool(_answer, runtime, body, request.headers.get("content-type"))
    # the bytes JSONResponse would render (see ingest_report.py), written in the worker thread
    return Response(answer, media_type=JSONResponse.media_type)


def _answer(runtime: Runtime, body: bytes, content_type: str | None) -> bytes:
    return ingest_body(runtime, body, content_type).body()
