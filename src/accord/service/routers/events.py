"""``POST /api/v1/events``: one event, a JSON array, or an NDJSON stream."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from accord.io.store import Scope
from accord.service.auth import Principal, require
from accord.service.events_schema import EVENT_SCHEMA, RESULT_SCHEMA
from accord.service.ingest import ingest_body
from accord.service.plumbing import AUTH_ERRORS, TOO_LARGE, UNSUPPORTED, error_doc, read_body

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.post(
    "/events",
    summary="Ingest events: one object, a JSON array (≤ 5,000) or NDJSON (≤ 50,000 lines)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            EVENT_SCHEMA,
                            {"type": "array", "items": EVENT_SCHEMA, "maxItems": 5000},
                        ]
                    }
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
    responses={
        200: {
            "description": "Per-item outcomes; every accepted event is committed",
            "content": {"application/json": {"schema": RESULT_SCHEMA}},
        },
        400: error_doc("The body is not valid JSON (it is kept in the quarantine)"),
        **AUTH_ERRORS,
        **TOO_LARGE,
        **UNSUPPORTED,
    },
    response_class=JSONResponse,
)
async def post_events(
    request: Request, _principal: Principal = Depends(require(Scope.WRITE))
) -> JSONResponse:
    runtime = request.app.state.runtime
    body = await read_body(request, runtime.settings.max_body_bytes)
    report = await run_in_threadpool(
        ingest_body, runtime, body, request.headers.get("content-type")
    )
    return JSONResponse(report.to_json())
