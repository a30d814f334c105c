"""HTTP rules the framework leaves to the app, in one ASGI middleware.

- ``HEAD`` works wherever ``GET`` does: the same answer without its body (the headers, the
  ``Content-Length`` included, are those of the ``GET``).
- ``OPTIONS`` answers 204 with ``Allow``: the methods of the resource.
- A method the resource does not have answers 405 ``method_not_allowed`` with ``Allow``
  listing every method of the resource (FastAPI keeps one route per method, and its 405
  names only the methods of the route that happened to match first).
- An empty query parameter (``?cursor=``, ``?as_of=``) is the same as an absent one: forms
  and URL builders send empty fields, and every query parameter of the API is optional
  (the OpenAPI schema says so with ``allowEmptyValue``).
- A NUL character in the path or a query parameter answers 400 ``input_invalid``: no stored
  text can hold one (PostgreSQL refuses them), so the answer is the same on every store (the
  schema's text parameters say ``pattern: ^[^\\x00]*$``).

Paths no route knows (404) and the mounted static files (which answer ``HEAD`` and 405
themselves) pass through unchanged.
"""

from __future__ import annotations

import json

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.service.errors import error_body

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def without_empty_parameters(query: bytes) -> bytes:
    """``a=&b=1&c`` -> ``b=1``: the query string without its empty parameters."""
    kept = [part for part in query.split(b"&") if part.partition(b"=")[2]]
    return b"&".join(kept)


def has_nul(path: str, query: bytes) -> bool:
    return "\x00" in path or b"\x00" in query or b"%00" in query


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str] | None:
    """The methods of the resource at the request's path, in a stable order; ``None`` when no
    route has the path or a mount serves it (those answer for themselves). Asked of the routes
    themselves, method by method, so that routers included in others count too."""
    allowed: list[str] = []
    for method in _METHODS:
        probe = {**scope, "method": method}
        for route in routes:
            match, _ = route.matches(probe)
            if match is Match.FULL:
                if isinstance(route, Mount):
                    return None
                allowed.append(method)
                break
    if not allowed:
        return None
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return [*allowed, "OPTIONS"]


class HttpProtocol:
    """The middleware (module docstring). ``routes`` are the app's routes, read per request
    so that routes added after the middleware count too."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if has_nul(scope.get("path", ""), query):
            message = "a NUL character (%00) cannot be part of a path or a query parameter"
            await _answer(send, 400, None, error_body("input_invalid", message))
            return
        if query:
            scope = dict(scope, query_string=without_empty_parameters(query))
        method = scope["method"]
        if method not in ("HEAD", "OPTIONS"):
            # the common case costs nothing: only a 405 is looked at again
            await self.app(scope, receive, self._allow_on_405(scope, send))
            return
        allowed = allowed_methods(self.routes, scope)
        if allowed is None:
            await self.app(scope, receive, send)
        elif method == "OPTIONS":
            await _answer(send, 204, ", ".join(allowed), None)
        elif "GET" in allowed:
            await self.app(dict(scope, method="GET"), receive, _without_body(send))
        else:
            await _refuse(_without_body(send), method, allowed)

    def _allow_on_405(self, scope: Scope, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = allowed_methods(self.routes, scope)
                if allowed is not None:
                    headers = [(k, v) for k, v in message.get("headers", []) if k != b"allow"]
                    headers.append((b"allow", ", ".join(allowed).encode("ascii")))
                    message = dict(message, headers=headers)
            await send(message)

        return sending


async def _refuse(send: Send, method: str, allowed: list[str]) -> None:
    allow = ", ".join(allowed)
    message = f"{method} is not a method of this resource; it has {allow}"
    await _answer(send, 405, allow, error_body("method_not_allowed", message))


def _without_body(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = dict(message, body=b"")
        await send(message)

    return sending


async def _answer(send: Send, status: int, allow: str | None, body: object | None) -> None:
    content = b"" if body is None else json.dumps(body).encode("utf-8")
    headers = [] if allow is None else [(b"allow", allow.encode("ascii"))]
    if body is not None:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode("ascii")),
        ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
