"""In-process API tests: the app over a SQLite store in a temporary folder, a settable clock,
and one token per kind of caller. The background recompute is off; ``drain`` runs it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from accord.io.store import Scope, SqlStore, Store
from accord.service.app import create_app
from accord.service.auth import create_token
from accord.service.runtime import Runtime
from accord.service.settings import Settings

T0 = 1_772_442_000  # 2026-03-02T09:00:00Z, a Monday
HOUR = 3600
ZENDESK_SECRET = "zendesk-test-secret"
JIRA_SECRET = "jira-test-secret"

CONFIG = {
    "calendars.yaml": (
        'calendars:\n  always:\n    tz: UTC\n    hours:\n      daily: [["00:00", "24:00"]]\n'
    ),
    "policies.yaml": (
        "statuses:\n"
        '  "Awaiting customer": pending\n'
        '  "Waiting for support": open\n'
        '  "Waiting for customer": pending\n'
        "policies:\n"
        "  - name: Gold\n"
        "    calendar: always\n"
        "    when: {customer: acme}\n"
        "    metrics:\n"
        "      first_response: 1h\n"
        "      resolution: 8h\n"
        "  - name: Standard\n"
        "    calendar: always\n"
        "    metrics:\n"
        "      first_response: 4h\n"
        "      resolution: 24h\n"
    ),
}


class Clock:
    """The service's "now", moved by the tests."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class Client:
    """A synchronous face on httpx's ASGI transport: each call runs the app in-process."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await c.request(method, url, **kw)

        return anyio.run(go)

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)


class Api:
    """A test client with a token per caller and helpers for the common calls."""

    def __init__(self, app: FastAPI, clock: Clock, tokens: dict[str, str]) -> None:
        self.app = app
        self.clock = clock
        self.tokens = tokens
        self.client = Client(app)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def store(self) -> Store:
        return self.runtime.store

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, url: str, who: str = "read", **kw: Any) -> Any:
        headers = {**self.auth(who), **kw.pop("headers", {})}
        return self.client.get(url, headers=headers, **kw)

    def post(self, url: str, who: str = "write", **kw: Any) -> Any:
        headers = {**self.auth(who), **kw.pop("headers", {})}
        return self.client.post(url, headers=headers, **kw)

    def delete(self, url: str, who: str = "admin", **kw: Any) -> Any:
        headers = {**self.auth(who), **kw.pop("headers", {})}
        return self.client.delete(url, headers=headers, **kw)

    def put(self, url: str, who: str = "admin", **kw: Any) -> Any:
        headers = {**self.auth(who), **kw.pop("headers", {})}
        return self.client.put(url, headers=headers, **kw)

    def send(self, *events: dict[str, Any]) -> Any:
        res = self.post("/api/v1/events", json=list(events))
        assert res.status_code == 200, res.text
        return res.json()

    def drain(self) -> None:
        self.runtime.recomputer.drain()


def event(
    event_id: str,
    ticket: str,
    minutes: float,
    kind: str = "created",
    **extra: Any,
) -> dict[str, Any]:
    """A canonical event ``minutes`` after T0."""
    from accord.core.timeutil import iso

    row: dict[str, Any] = {
        "event_id": event_id,
        "ticket_id": ticket,
        "ts": iso(T0 + int(minutes * 60)),
        "kind": kind,
    }
    row.update(extra)
    return row


def created(event_id: str, ticket: str, minutes: float, **fields: Any) -> dict[str, Any]:
    return event(event_id, ticket, minutes, "created", actor="customer", fields=fields)


def reply(event_id: str, ticket: str, minutes: float) -> dict[str, Any]:
    return event(event_id, ticket, minutes, "message", actor="agent", public=True)


def make_api(
    tmp_path: Path,
    *,
    config: dict[str, str] | None = CONFIG,
    url: str | None = None,
    store: Store | None = None,
    **settings: Any,
) -> Api:
    """The app over a new store: a SQLite file in ``tmp_path``, the database at ``url``, or
    ``store``."""
    clock = Clock()
    store = store or SqlStore(url or f"sqlite:///{tmp_path / 'accord.db'}")
    base = Settings(
        background=False,
        zendesk_secret=ZENDESK_SECRET,
        jira_secret=JIRA_SECRET,
    )
    app = create_app(replace(base, **settings), store=store, clock=clock)
    tokens: dict[str, str] = {}
    for who, scope, customer in (
        ("admin", Scope.ADMIN, None),
        ("write", Scope.WRITE, None),
        ("read", Scope.READ, None),
        ("acme", Scope.READ, "acme"),
        ("globex", Scope.READ, "globex"),
    ):
        tokens[who], _ = create_token(store, scope=scope, customer=customer, name=who, now=T0)
    runtime: Runtime = app.state.runtime
    if config is not None:
        runtime.configs.add(config, effective_from=0, uploaded_at=T0)
    return Api(app, clock, tokens)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    a = make_api(tmp_path)
    try:
        yield a
    finally:
        a.store.close()


@pytest.fixture
def populated(api: Api) -> Api:
    """Three tickets: acme T1 answered in 30 min, acme T2 still waiting, globex T3 waiting."""
    api.send(
        created("e1", "T1", 0, status="new", priority="high", customer="acme", team="support"),
        reply("e2", "T1", 30),
        created("e3", "T2", 10, status="new", priority="low", customer="acme", team="ops"),
        created("e4", "T3", 20, status="new", priority="high", customer="globex", team="support"),
    )
    api.clock.now = T0 + 40 * 60
    api.drain()
    return api
