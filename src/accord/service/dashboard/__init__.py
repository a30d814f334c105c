"""The web dashboard: pages served by the same app as the API, reading the same API.

The pages are HTML shells rendered with Jinja2; their data comes from ``/api/v1`` by a
``fetch`` in the browser, authenticated by the HttpOnly cookie that the sign-in page sets (the
API accepts that cookie for reads only). JavaScript and CSS are served from this package, so
the dashboard works on closed networks. See docs/dashboard.md.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from accord.service.dashboard.pages import router as pages_router
from accord.service.dashboard.statements import router as statements_router

__all__ = ["install"]


def install(app: FastAPI) -> None:
    """Add the dashboard's pages, its static files and the statement documents to ``app``."""
    static = resources.files("accord.service.dashboard") / "static"
    app.mount("/static/dashboard", StaticFiles(directory=str(static)), name="dashboard-static")
    app.include_router(statements_router)
    app.include_router(pages_router)
