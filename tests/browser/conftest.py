"""Browser tests: Playwright for Python driving the system's Chromium (launched by its path,
never downloaded) against a real ``accord serve`` process on 127.0.0.1, over a SQLite store
with the demo helpdesk loaded.

Without Chromium (or Playwright) these tests skip locally with the reason, and fail in CI
(``CI`` set), where ``.ci/run`` installs Chromium first: a silent skip there would hide a
dashboard nobody tested."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.serve_back import seconds_back

# the Debian package's path; ACCORD_CHROMIUM points elsewhere (another distribution's binary)
CHROMIUM = Path(os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class Served:
    base: str
    read_token: str
    acme_token: str
    globex_ticket: str
    admin_token: str = ""
    write_token: str = ""
    # seconds the server's clock is set back (serve_back.py); the browser's is set back too
    back: int = 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from accord.cli.demo import prepare_store
    from accord.io.store import Scope, SqlStore
    from accord.service.auth import create_token

    directory = tmp_path_factory.mktemp("demo")
    # the demo ends at an instant whose week already holds days of it (serve_back.py)
    now = datetime.now(UTC).replace(microsecond=0)
    back = seconds_back(now)
    url = prepare_store(directory, events=6_000, end=now - timedelta(seconds=back))
    store = SqlStore(url)
    try:
        read, _ = create_token(store, scope=Scope.READ, customer=None, name="read", now=0)
        acme, _ = create_token(store, scope=Scope.READ, customer="acme", name="acme", now=0)
        admin, _ = create_token(store, scope=Scope.ADMIN, customer=None, name="admin", now=0)
        # a ticket set aside by the recompute, for the admin's page of failures
        store.record_failures({"T-failed": "storing its clocks: refused"}, at=1_772_442_000)
        write, _ = create_token(store, scope=Scope.WRITE, customer=None, name="write", now=0)
    finally:
        store.close()
    port = _free_port()
    log = (directory / "server.log").open("w")
    launcher = Path(__file__).with_name("serve_back.py")
    command = [sys.executable, str(launcher), url, str(directory / "config"), str(port), str(back)]
    proc = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # a bound on start-up so a server that cannot start fails the session, not hangs it
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError((directory / "server.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {read}"}
        page = httpx.get(f"{base}/api/v1/tickets?customer=globex&limit=1", headers=auth).json()
        yield Served(base, read, acme, page["items"][0]["ticket_id"], admin, write, back)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


# package scope: Playwright's sync API runs an event loop in this thread until it stops, so it
# must stop before the rest of the suite, whose ASGI tests start their own loops
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def set_back(ctx: Any, served: Served) -> None:
    """Sets the browser's clock back as far as the server's, still running: the pages that
    default to the viewer's month or week (a customer's statement) and the countdowns would
    otherwise read the real date, which early in a month can be after the whole demo."""
    if served.back:
        ctx.clock.install(time=time.time() - served.back)


def sign_in(browser: Any, served: Served, token: str, **context: Any) -> Any:
    """A new browser context signed in with ``token``; returns its page on the overview."""
    ctx = browser.new_context(accept_downloads=True, **context)
    set_back(ctx, served)
    page = ctx.new_page()
    page.goto(f"{served.base}/")
    page.fill("#token", token)
    page.click("form.signin button[type=submit]")
    page.wait_for_url(f"{served.base}/overview")
    return page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
