"""``GET /api/v1/customers/{customer}/statement.html`` and ``.pdf``: the customer statement as
documents.

The figures come through the API itself: the document asks this app (in-process, over ASGI,
with the caller's own credentials) for ``GET /api/v1/customers/{customer}/statement``, so the
scopes, customer isolation and figures are exactly those of the JSON. When that answers 404
(the customer has no contract, or the server has no contracts), the document shows the
customer's compliance by metric and priority for the period instead (``GET
/api/v1/compliance``), without objectives or credits, and says so.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.errors import NotFoundError
from accord.io.store import Scope
from accord.reports import Objective, Statement, render_html, render_pdf, statement_from_json
from accord.service.auth import COOKIE_NAME, Principal, require
from accord.service.params import PERIOD_SCHEMA
from accord.service.params import period as checked_period
from accord.service.plumbing import NOT_FOUND, READ_ERRORS

router = APIRouter(prefix="/api/v1", tags=["contracts"])

_D = TypeVar("_D", str, bytes)


class _Upstream(Exception):
    """The inner API call failed: the document answers its status and error body unchanged."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.response = JSONResponse(body, status_code=status)


async def _api_get(request: Request, path: str, params: dict[str, str]) -> tuple[int, Any]:
    got = await _api_response(request, path, params)
    return got.status_code, got.json()


async def _api_response(request: Request, path: str, params: dict[str, str]) -> httpx.Response:
    headers = {"accept": "application/json"}
    auth = request.headers.get("authorization")
    if auth:
        headers["authorization"] = auth
    cookie = request.cookies.get(COOKIE_NAME)
    cookies = {COOKIE_NAME: cookie} if cookie and not auth else None
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://accord.internal", cookies=cookies
    ) as client:
        return await client.get(path, params=params, headers=headers)


def _calendar_period(value: str | None, request: Request) -> str:
    """A month or quarter label for the compliance fallback (UTC calendar periods)."""
    if value is not None and value not in ("current", "previous"):
        return value
    now = datetime.fromtimestamp(request.app.state.runtime.clock(), UTC)
    if value == "previous":
        now = now.replace(day=1) - timedelta(days=1)
    return now.strftime("%Y-%m")


async def _statement(
    request: Request, principal: Principal, customer: str, period: str | None
) -> tuple[Callable[[], Statement], tuple[Any, ...] | None]:
    """How to read the statement, and the key of its rendered documents when it is a
    contract's: the caller and a digest of the statement's JSON, so a document is drawn again
    exactly when its figures change (the JSON is parsed only then)."""
    if principal.customer is not None and principal.customer != customer:
        raise NotFoundError(f"no customer '{customer}'")
    wanted = checked_period(period)
    params = {"period": wanted} if wanted is not None else {}
    got = await _api_response(
        request, f"/api/v1/customers/{quote(customer, safe='')}/statement", params
    )
    if got.status_code == 200:
        digest = hashlib.blake2b(got.content, digest_size=16).digest()
        return (lambda: statement_from_json(got.json())), (customer, principal.customer, digest)
    if got.status_code != 404:
        raise _Upstream(got.status_code, got.json())
    # no contract for this customer (or no contracts on this server): the compliance alone
    fallback = await _from_compliance(request, customer, _calendar_period(wanted, request))
    return (lambda: fallback), None


class _Rendered:
    """The last documents drawn from contract statements, with their file names: a large
    customer's PDF takes seconds to draw, and its figures change only with the statement's
    snapshot."""

    def __init__(self, capacity: int = 16) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._docs: OrderedDict[tuple[Any, ...], tuple[str | bytes, str]] = OrderedDict()

    def get(
        self, key: tuple[Any, ...] | None, render: Callable[[], tuple[_D, str]]
    ) -> tuple[_D, str]:
        if key is None:
            return render()
        with self._lock:
            got = self._docs.get(key)
            if got is not None:
                self._docs.move_to_end(key)
                return cast(tuple[_D, str], got)
        doc = render()
        with self._lock:
            self._docs[key] = doc
            while len(self._docs) > self._capacity:
                self._docs.popitem(last=False)
        return doc


_RENDERED = _Rendered()


async def _from_compliance(request: Request, customer: str, month: str) -> Statement:
    objectives: list[Objective] = []
    for by in ("metric", "priority"):
        status, body = await _api_get(
            request,
            "/api/v1/compliance",
            {"by": by, "customer": customer, "period": "quarter" if "Q" in month else "month"},
        )
        if status != 200:
            raise _Upstream(status, body)
        for g in body.get("groups", []):
            if g.get("period") != month:
                continue
            judged = int(g["met"]) + int(g["breached"])
            objectives.append(
                Objective(
                    name=f"{by} {g.get('key') or '(none)'}",
                    target=None,
                    numerator=int(g["met"]),
                    denominator=judged,
                    attainment=g.get("compliance"),
                    budget="",
                    forecast="",
                    breaches=(),
                    met=None,
                )
            )
    return Statement(
        customer=customer,
        period=month,
        currency="",
        fee=None,
        objectives=tuple(objectives),
        source="compliance",
        notes=(
            "No contract statement is available for this customer: the figures are the "
            "customer's SLA compliance (met / judged clocks that started in the period).",
        ),
    )


def _filename(s: Statement, ext: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", s.customer) or "customer"
    return f"statement-{safe}-{s.period}.{ext}"


@router.get(
    "/customers/{customer}/statement.html",
    summary="The customer's statement for a month as an HTML document",
    response_class=HTMLResponse,
    responses={**READ_ERRORS, **NOT_FOUND},
)
async def statement_html(
    customer: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    period: str | None = Query(
        None,
        description="2026-10, 2026-Q4, current or previous (default: current)",
        json_schema_extra=PERIOD_SCHEMA,
    ),
) -> Response:
    try:
        load, key = await _statement(request, principal, customer, period)
    except _Upstream as e:
        return e.response

    def draw() -> tuple[str, str]:
        s = load()
        return render_html(s), _filename(s, "html")

    # drawn off the event loop: a large statement takes seconds
    html, _ = await run_in_threadpool(_RENDERED.get, None if key is None else ("html", *key), draw)
    return HTMLResponse(html)


@router.get(
    "/customers/{customer}/statement.pdf",
    summary="The customer's statement for a month as a PDF document",
    responses={200: {"content": {"application/pdf": {}}}, **READ_ERRORS, **NOT_FOUND},
)
async def statement_pdf(
    customer: str,
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    period: str | None = Query(
        None,
        description="2026-10, 2026-Q4, current or previous (default: current)",
        json_schema_extra=PERIOD_SCHEMA,
    ),
) -> Response:
    try:
        load, key = await _statement(request, principal, customer, period)
    except _Upstream as e:
        return e.response

    def draw() -> tuple[bytes, str]:
        s = load()
        return render_pdf(s), _filename(s, "pdf")

    pdf, filename = await run_in_threadpool(
        _RENDERED.get, None if key is None else ("pdf", *key), draw
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
