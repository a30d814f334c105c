"""Request plumbing the routers share: bounded body reads and CSV-or-JSON answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.types import Message

from accord.errors import PayloadTooLargeError, UnsupportedFormatError
from accord.io import safejson
from accord.service.errors import ERROR_SCHEMA
from accord.service.views import CSV_TYPE


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(
            f"the body is {int(declared):,} bytes; the limit is {limit:,}",
            details=[{"limit_bytes": limit, "bytes": int(declared)}],
        )
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(
                f"the body is over the limit of {limit:,} bytes",
                details=[{"limit_bytes": limit}],
            )
        parts.append(chunk)
    return b"".join(parts)


M = TypeVar("M", bound=BaseModel)

# the small JSON bodies (a token to create, a snooze): a few hundred bytes are enough
SMALL_BODY = 64 * 1024


async def json_body(request: Request, model: type[M], limit: int = SMALL_BODY) -> M:
    """A small JSON body read within limits (:mod:`accord.io.safejson`: 400 beyond them, 413
    over ``limit`` bytes, 415 in another media type) and validated by ``model`` (422 with
    FastAPI's details, as a body parameter would get)."""
    kind = (request.headers.get("content-type") or "application/json").split(";", 1)[0]
    kind = kind.strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise UnsupportedFormatError(f"send the body as application/json, not '{kind}'")
    body = await read_body(request, limit)
    payload = safejson.loads(body, limits=safejson.LIMITS.but(max_bytes=limit))
    try:
        return model.model_validate(payload)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors()]
        raise RequestValidationError(errors) from None


def replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    """An ASGI ``receive`` that hands out ``body`` once (to parse a body already read)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return CSV_TYPE in request.headers.get("accept", "")


def csv_response(
    text: str,
    *,
    next_cursor: str | None = None,
    total: int | None = None,
    capped: bool | None = None,
) -> Response:
    headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
    if total is not None:
        headers["X-Total-Count"] = str(total)  # rows of the whole filtered list
    if capped is not None:
        headers["X-Total-Capped"] = "true" if capped else "false"  # counted only up to a cap
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers or None)


def json_response(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def error_doc(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


Responses = dict[int | str, dict[str, Any]]

AUTH_ERRORS: Responses = {
    401: error_doc("No token, or not a valid one"),
    403: error_doc("The token's scope does not allow this"),
}
READ_ERRORS: Responses = {
    **AUTH_ERRORS,
    400: error_doc("A parameter is not valid"),
    422: error_doc("A parameter is not valid"),
}
NOT_FOUND: Responses = {404: error_doc("No such resource (or not visible to this token)")}
TOO_LARGE: Responses = {413: error_doc("The body is over a documented limit")}
UNSUPPORTED: Responses = {415: error_doc("The body's media type is not supported")}
CONFLICT: Responses = {409: error_doc("Conflicts with the current state")}
UNAVAILABLE: Responses = {503: error_doc("The store is unavailable")}
