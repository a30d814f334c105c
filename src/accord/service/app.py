"""The ASGI app: ``create_app(settings)``.

One FastAPI app over one store. Routers live in :mod:`accord.service.routers`, one per area;
every error answers in the one JSON shape (:mod:`accord.service.errors`). The interactive docs
at ``/docs`` and ``/redoc`` load their JavaScript and CSS from this server (the files ship in
the ``fastapi-offline`` package), never from a CDN, so they work on closed networks; the schema
is at ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from accord import __version__
from accord.core.timeutil import Instant
from accord.io.store import Store, open_store
from accord.service import openapi
from accord.service.dashboard import install as install_dashboard
from accord.service.errors import install_error_handlers
from accord.service.protocol import HttpProtocol
from accord.service.routers import (
    alerts,
    at_risk,
    burndown,
    compliance,
    compliance_clocks,
    config,
    contracts,
    events,
    failures,
    health,
    jobs,
    kpi_rows,
    kpis,
    objective_clocks,
    prometheus,
    quarantine,
    review,
    review_capacity,
    review_drivers,
    review_report,
    tickets,
    tokens,
    trends,
    webhooks,
)
from accord.service.runtime import Runtime
from accord.service.settings import Settings

DESCRIPTION = """Exact SLA clocks from the ticket events of any helpdesk.

Every endpoint but `GET /healthz` needs `Authorization: Bearer <token>` (see
`accord token create`); the two webhooks authenticate by their vendor's signature instead.
Every error answers `{"error": {"code", "message", "details"}}`."""

_STATIC = "/static/docs"


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    clock: Callable[[], Instant] | None = None,
) -> FastAPI:
    """Build the app. ``store`` defaults to the database of ``settings.database_url`` (opened
    and migrated here, closed on shutdown); ``clock`` to the system clock."""
    settings = settings or Settings.from_env()
    owned = store is None
    the_store: Store = (
        store
        if store is not None
        else open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    )
    runtime = Runtime(settings, the_store, clock)
    runtime.seed()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.stop()
            if owned:
                the_store.close()

    app = FastAPI(
        title="Accord",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(HttpProtocol, routes=app.router.routes)
    for module in (
        health,
        events,
        webhooks,
        tickets,
        at_risk,
        compliance,
        kpis,
        config,
        jobs,
        failures,
        tokens,
        quarantine,
        prometheus,
    ):
        app.include_router(module.router)
    app.include_router(contracts.router)
    app.include_router(objective_clocks.router)
    app.include_router(alerts.router)
    app.include_router(review.router)
    app.include_router(review_capacity.router)
    app.include_router(review_report.router)
    app.include_router(review_drivers.router)
    app.include_router(compliance_clocks.router)
    app.include_router(kpi_rows.router)
    app.include_router(trends.router)
    app.include_router(burndown.router)
    _docs(app)
    install_dashboard(app)
    openapi.install(app)
    return app


def _docs(app: FastAPI) -> None:
    static = resources.files("fastapi_offline") / "static"
    app.mount(_STATIC, StaticFiles(directory=str(static)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="Accord API",
            swagger_js_url=f"{root}{_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{_STATIC}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title="Accord API",
            redoc_js_url=f"{root}{_STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{_STATIC}/favicon.png",
            with_google_fonts=False,
        )
