"""The dashboard's pages: sign-in, overview, at-risk queue, compliance explorer, customer page,
ticket page and (for admins) the tickets whose recompute failed. Each page is a shell;
``static/app.js`` fills it from the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from accord.core.config.resolved import Configuration
from accord.errors import AuthError
from accord.io.store import Scope
from accord.service.auth import COOKIE_NAME, Principal, authenticate
from accord.service.dashboard.signin_links import SigninLinks

router = APIRouter(include_in_schema=False)

_env = Environment(
    loader=PackageLoader("accord.service.dashboard", "templates"),
    autoescape=select_autoescape(["html"]),
)

# a browser session of a working day; the token itself may live longer
COOKIE_MAX_AGE = 12 * 3600


def _principal(request: Request) -> Principal | None:
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        runtime = request.app.state.runtime
        return authenticate(runtime.store, token, runtime.verified_tokens)
    except AuthError:
        return None


def _render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(name).render(**context)
    # pages carry no data themselves, but the nav names the signed-in customer
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    return HTMLResponse(html, status_code=status, headers=headers)


def _to_signin() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


def _page(request: Request, page: str, title: str, **context: Any) -> Response:
    principal = _principal(request)
    if principal is None:
        return _to_signin()
    return _render(
        f"{page}.html",
        page=page,
        title=title,
        customer_scope=principal.customer,
        admin=principal.scope is Scope.ADMIN,
        **context,
    )


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/overview" if _principal(request) else "/signin", status_code=303)


@router.get("/signin")
def signin_form(request: Request) -> Response:
    return _render("signin.html", page="signin", title="Sign in", customer_scope=None, error=None)


@router.post("/signin")
def signin(request: Request, token: str = Form("")) -> Response:
    try:
        authenticate(request.app.state.runtime.store, token.strip())
    except AuthError:
        return _render(
            "signin.html",
            status=401,
            page="signin",
            title="Sign in",
            customer_scope=None,
            error="That token is not valid (unknown, revoked or mistyped).",
        )
    return _signed_in(request, token.strip())


def _signed_in(request: Request, token: str) -> Response:
    response = RedirectResponse("/overview", status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.get("/signin/link/{code}")
def signin_link(request: Request, code: str) -> Response:
    """A sign-in link the process that runs the server made (``accord demo serve`` prints one
    for its read-only token): valid while that process runs, for a read token only."""
    links: SigninLinks | None = getattr(request.app.state, "signin_links", None)
    token = links.token_of(code) if links is not None else None
    if token is not None:
        try:
            principal = authenticate(request.app.state.runtime.store, token)
        except AuthError:
            principal = None
        if principal is not None and principal.scope is Scope.READ:
            return _signed_in(request, token)
    return _render(
        "signin.html",
        status=404,
        page="signin",
        title="Sign in",
        customer_scope=None,
        error="That sign-in link is not valid (the server that made it has stopped, or the "
        "token was revoked). Paste a token instead.",
    )


@router.post("/signout")
def signout() -> Response:
    response = _to_signin()
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response


@router.get("/overview")
def overview(request: Request) -> Response:
    return _page(request, "overview", "Overview")


@router.get("/at-risk")
def at_risk(request: Request) -> Response:
    return _page(request, "at_risk", "At-risk queue")


@router.get("/tickets")
def tickets(request: Request) -> Response:
    return _page(request, "tickets", "Tickets")


@router.get("/alerts")
def alerts(request: Request) -> Response:
    return _page(request, "alerts", "Alert delivery log", metrics=_metrics(request))


def _metrics(request: Request) -> list[str]:
    """The metrics of the configuration in force, for the alert page's metric filter; the
    internal agreements' (``ola:<name>``) for the teams only."""
    runtime = request.app.state.runtime
    config: Configuration | None = runtime.config_at(runtime.clock())
    if config is None:
        return []
    names = config.metric_names()
    principal = _principal(request)
    if principal is not None and principal.customer is None:
        names += [a.metric for a in config.agreements]
    return names


@router.get("/failures")
def failures(request: Request) -> Response:
    return _page(request, "failures", "Recompute failures")


@router.get("/compliance")
def compliance(request: Request) -> Response:
    return _page(request, "compliance", "Compliance explorer")


@router.get("/trends")
def trends(request: Request) -> Response:
    return _page(request, "trends", "Trends")


@router.get("/review")
def review(request: Request) -> Response:
    # a suggested candidate for the what-if form (the demo sets one; see accord demo serve)
    candidate = getattr(request.app.state, "review_candidate", None)
    return _page(request, "review", "Review targets", candidate=candidate)


@router.get("/clocks")
def clocks(request: Request) -> Response:
    return _page(request, "clocks", "Clocks behind a figure")


@router.get("/kpi-rows")
def kpi_rows(request: Request) -> Response:
    return _page(request, "kpi_rows", "Rows behind a KPI value")


@router.get("/drivers")
def drivers(request: Request) -> Response:
    return _page(request, "drivers", "Breach drivers")


@router.get("/customers")
def customers(request: Request) -> Response:
    principal = _principal(request)
    if principal is not None and principal.customer is not None:
        # a customer's token has one customer: its own page is the index
        return RedirectResponse(f"/customers/{principal.customer}", status_code=303)
    return _page(request, "customers", "Customers")


@router.get("/customers/{customer}")
def customer(request: Request, customer: str) -> Response:
    principal = _principal(request)
    if principal is None:
        return _to_signin()
    if principal.customer is not None and principal.customer != customer:
        # the same answer as for a customer that does not exist
        return _render(
            "not_found.html",
            status=404,
            page="customer",
            title="Not found",
            customer_scope=principal.customer,
            what=f"customer '{customer}'",
        )
    return _page(request, "customer", f"Customer {customer}", customer=customer)


@router.get("/tickets/{ticket_id}")
def ticket(request: Request, ticket_id: str) -> Response:
    return _page(request, "ticket", f"Ticket {ticket_id}", ticket_id=ticket_id)
