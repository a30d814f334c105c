"""``POST /api/v1/webhooks/zendesk`` and ``POST /api/v1/webhooks/jira``.

These two authenticate by the vendor's HMAC signature over the body with the shared secret
(``ACCORD_ZENDESK_SECRET`` / ``ACCORD_JIRA_SECRET``) instead of a bearer token, because the
helpdesks cannot always send an Authorization header (Jira admin webhooks cannot). Without a
secret configured the endpoint answers 404. A delivery signed more than five minutes from now
is refused (401); a redelivery within that window is idempotent (the same ``event_id``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from accord.errors import AuthError, NotFoundError, UnsupportedFormatError
from accord.service.events_schema import RESULT_SCHEMA
from accord.service.ingest import JSON_TYPES, ingest_rows, media_type, read_json, refuse_body
from accord.service.plumbing import NOT_FOUND, TOO_LARGE, UNSUPPORTED, error_doc, read_body
from accord.service.runtime import Runtime
from accord.service.webhooks import jira, zendesk

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Outcomes of the events the delivery mapped to (none: ignored)",
        "content": {"application/json": {"schema": RESULT_SCHEMA}},
    },
    400: error_doc("The body is not JSON within the limits (it is kept in the quarantine)"),
    401: error_doc("Missing or wrong signature, or a replay"),
    **NOT_FOUND,
    **TOO_LARGE,
    **UNSUPPORTED,
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def _store(runtime: Runtime, rows: list[dict[str, Any]], source: str) -> dict[str, Any]:
    report = ingest_rows(runtime, rows, source=source)
    out = report.to_json()
    out["ignored"] = not rows
    return out


async def _deliver(
    request: Request,
    secret: str | None,
    vendor: str,
    check: Callable[[bytes, Runtime], Any],
    to_rows: Callable[[Any, Runtime], list[dict[str, Any]]],
    source: str,
) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    if not secret:
        raise NotFoundError(f"the {vendor} webhook is not set up on this server")
    # both helpdesks send JSON; a body declared as something else is not a delivery of theirs
    # (no Content-Type at all is read as JSON, as on POST /api/v1/events)
    kind = media_type(request.headers.get("content-type"))
    if kind not in JSON_TYPES and not kind.endswith("+json"):
        raise UnsupportedFormatError(f"a {vendor} delivery is JSON; cannot read '{kind}'")
    body = await read_body(request, runtime.settings.max_body_bytes)
    # in a thread: a body that cannot be read is written to the quarantine
    payload = await run_in_threadpool(check, body, runtime)
    rows = await run_in_threadpool(to_rows, payload, runtime)
    out = await run_in_threadpool(_store, runtime, rows, source)
    return JSONResponse(out)


@router.post(
    "/zendesk",
    summary="Zendesk ticket events (signed with the webhook's secret)",
    openapi_extra=_BODY,
    responses=_RESPONSES,
    response_class=JSONResponse,
)
async def zendesk_webhook(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings

    def check(body: bytes, rt: Runtime) -> Any:
        zendesk.verify(
            settings.zendesk_secret or "",
            body,
            request.headers.get(zendesk.SIGNATURE_HEADER),
            request.headers.get(zendesk.TIMESTAMP_HEADER),
            now=rt.clock(),
            tolerance=settings.webhook_tolerance,
        )
        payload = read_json(rt, body, zendesk.SOURCE)
        if not isinstance(payload, dict):
            reason = "a Zendesk delivery is a JSON object"
            raise refuse_body(rt, body, zendesk.SOURCE, reason)
        return payload

    return await _deliver(
        request,
        settings.zendesk_secret,
        "Zendesk",
        check,
        lambda payload, _rt: zendesk.to_rows(payload),
        zendesk.SOURCE,
    )


@router.post(
    "/jira",
    summary="Jira issue and comment events (X-Hub-Signature)",
    openapi_extra=_BODY,
    responses=_RESPONSES,
    response_class=JSONResponse,
)
async def jira_webhook(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings

    def check(body: bytes, rt: Runtime) -> Any:
        jira.verify(settings.jira_secret or "", body, request.headers.get(jira.SIGNATURE_HEADER))
        payload = read_json(rt, body, jira.SOURCE)
        if not isinstance(payload, dict):
            raise AuthError("a Jira delivery is a JSON object with a 'timestamp'")
        jira.check(payload, now=rt.clock(), tolerance=settings.webhook_tolerance)
        return payload

    def rows(payload: Any, rt: Runtime) -> list[dict[str, Any]]:
        got = jira.to_rows(payload)
        deleted = {str(r["ticket_id"]) for r in got if r.get("kind") == "deleted"}
        return jira.keep_stored_deletions(got, rt.store.events_of(deleted) if deleted else {})

    return await _deliver(request, settings.jira_secret, "Jira", check, rows, jira.SOURCE)
