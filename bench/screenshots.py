"""Screenshots of every dashboard page at 1440 px and 390 px, for docs/dashboard.md.

Reproducible: the demo helpdesk is generated with a fixed seed and end instant into a fresh
SQLite store, and both the server's clock and the browser's are frozen at that instant, so
the same code draws the same pages (countdowns, "figures as of", the current month, the
at-risk queue do not move with the day the script runs). The server is the demo's app
(``accord demo serve``'s, with its suggested what-if candidate) run by uvicorn in a child
process on ``--port``; Playwright drives the system's Chromium (``/usr/bin/chromium`` or
``ACCORD_CHROMIUM``, never a downloaded browser), signed in with a read-only token (an admin
token for the admin-only page; a write token typed into the Review page's what-if form).

Each shot is the page from its top, as long as the page but at most ``--screens`` screen
heights (the rest of a long list repeats its first rows), as WebP at quality ``--quality``,
viewed in Europe/Berlin. Pages are listed in ``SHOTS``; a page reached by a link (a ticket, a
drill-down) follows the first such link of another page, as a person would.

While shooting, each page is checked for what a person would call broken layout: a table
scrolling sideways inside its box at 1440 px, or the page itself wider than the window at
either width (a table may scroll inside its box on a phone). Findings are printed, and the
exit status is 1 when there are any.

    .venv/bin/python bench/screenshots.py                  # every page into docs/images/
    .venv/bin/python bench/screenshots.py --only overview,trends --out /tmp/shots
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from accord.cli.demo import prepare_store
from accord.core.timeutil import parse_instant, to_instant
from accord.io.store import Scope, SqlStore
from accord.service.auth import create_token

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
# a Wednesday afternoon in the demo's business hours: clocks are running, not all paused
END = "2026-11-18T14:30:00Z"
ZONE = "Europe/Berlin"
WIDTHS = {1440: 900, 390: 844}  # width: height of the window (a laptop, a phone)


@dataclass(frozen=True)
class Shot:
    name: str  # the image is dashboard-<name>-<width>.webp
    path: str  # the page, or the page whose first `link` is followed
    link: str = ""  # a CSS selector of an <a>: the shot is of the page it leads to
    token: str = "read"  # read, admin
    whatif: bool = False  # run the Review page's what-if with the write token first


SHOTS = [
    Shot("signin", "/signin", token=""),
    Shot("overview", "/overview"),
    Shot("kpi-rows", "/overview", link="#kpis a[href^='/kpi-rows']"),
    Shot("at-risk", "/at-risk"),
    Shot("tickets", "/tickets"),
    Shot("ticket", "/at-risk?customer=acme", link="#list-table tbody a[href^='/tickets/']"),
    Shot("compliance", "/compliance"),
    Shot("clocks", "/compliance", link="#explorer a[href^='/clocks']"),
    Shot("drivers", "/drivers?metric=first_response&by=team"),
    Shot("customers", "/customers"),
    Shot("customer", "/customers/acme"),
    Shot("statement", "/customers/acme", link="#statement-html[href*='statement.html']"),
    Shot("trends", "/trends"),
    Shot("alerts", "/alerts"),
    Shot("review", "/review"),
    Shot("review-whatif", "/review", whatif=True),
    Shot("failures", "/failures", token="admin"),
]
TIMEOUT = 600_000  # ms: the first KPI read after the start replays the demo's events
# the pages' own placeholders while their figures load
PLACEHOLDERS = "Loading|Computing|Replaying|Running the what-if|queued|running…"
LOADED = f"!/{PLACEHOLDERS}/.test(document.body.innerText)"
WHATIF_TOP = "document.getElementById('whatif-h').getBoundingClientRect().top + scrollY - 8"
CHECK = """() => ({
  clipped: [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => w.querySelector('caption')?.innerText || w.closest('section')?.id || 'a table'),
  width: document.documentElement.scrollWidth,
})"""


def _serve(url: str, directory: str, port: str, now: str) -> None:
    """The child process: the demo's app with its clock frozen at ``now``."""
    from accord.cli.demo import demo_app
    from accord.cli.serving import run_server

    frozen = int(now)
    application = demo_app(url, Path(directory), clock=lambda: frozen)
    run_server(application, "127.0.0.1", int(port), "warning", lambda: None)


@contextmanager
def served(url: str, directory: Path, port: int, now: int) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    log = (directory / "server.log").open("w")
    args = [sys.executable, __file__, "--serve", url, str(directory), str(port), str(now)]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(1200):  # two minutes at most for the server to answer
            if proc.poll() is not None:
                raise SystemExit((directory / "server.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"the server did not answer on {base}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def tokens(url: str, now: int) -> dict[str, str]:
    store = SqlStore(url)
    try:
        made = {
            name: create_token(store, scope=scope, customer=None, name=name, now=now)[0]
            for name, scope in (
                ("read", Scope.READ),
                ("write", Scope.WRITE),
                ("admin", Scope.ADMIN),
            )
        }
    finally:
        store.close()
    return made


def context(browser: Any, base: str, width: int, now: int, token: str) -> Any:
    """A browser context at ``width``, its clock frozen at ``now``, signed in with ``token``."""
    ctx = browser.new_context(
        viewport={"width": width, "height": WIDTHS[width]},
        timezone_id=ZONE,
        locale="en-GB",
        device_scale_factor=1,
    )
    ctx.clock.set_fixed_time(datetime.fromtimestamp(now, UTC))
    if token:
        page = ctx.new_page()
        page.goto(f"{base}/signin")
        page.fill("#token", token)
        page.click("form.signin button[type=submit]")
        page.wait_for_url(f"{base}/overview")
        page.close()
    return ctx


def take(
    ctx: Any, base: str, shot: Shot, write: str, out: Path, width: int, args: Any
) -> list[str]:
    """Take ``shot`` at ``width`` into ``out``; return what looks broken on the page."""
    page = ctx.new_page()
    try:
        page.goto(f"{base}{shot.path}")
        page.wait_for_function(LOADED, timeout=TIMEOUT, polling=250)
        if shot.link:
            page.wait_for_selector(shot.link, timeout=TIMEOUT)
            href = page.locator(shot.link).first.get_attribute("href")
            page.goto(f"{base}{href}" if href and href.startswith("/") else str(href))
            page.wait_for_function(LOADED, timeout=TIMEOUT, polling=250)
        if shot.whatif:
            page.fill("#whatif-token", write)
            page.click("#whatif-form button[type=submit]")
            page.wait_for_selector("#whatif table", timeout=TIMEOUT)
            page.wait_for_function(LOADED, timeout=TIMEOUT, polling=250)
        page.wait_for_timeout(500)  # charts drawn after their data
        found = page.evaluate(CHECK)
        height = page.evaluate("document.documentElement.scrollHeight")
        # the what-if's answer is the point of that shot: it starts at the form's heading
        top = page.evaluate(WHATIF_TOP) if shot.whatif else 0
        cap = WIDTHS[width] * args.screens
        clip = {"x": 0, "y": top, "width": width, "height": min(height - top, cap)}
        png = page.screenshot(full_page=True, clip=clip)
        # WebP from the lossless capture: about 35 % smaller than Chromium's JPEG of the same
        # quality here, and these files stay in the repository's history
        image = Image.open(io.BytesIO(png)).convert("RGB")
        image.save(
            out / f"dashboard-{shot.name}-{width}.webp", "WEBP", quality=args.quality, method=6
        )
    finally:
        page.close()
    problems = []
    if width >= 1440 and found["clipped"]:
        problems.append(f"columns out of view in {found['clipped']}")
    if found["width"] > width:
        problems.append(f"page {found['width']} px wide")
    return [f"{shot.name} at {width} px: {p}" for p in problems]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", default=END, help="the demo's last instant and the frozen now")
    parser.add_argument("--only", default="", help="these shots only (comma-separated names)")
    parser.add_argument("--screens", type=int, default=2, help="longest shot, in window heights")
    parser.add_argument("--quality", type=int, default=80, help="WebP quality")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    end = parse_instant(args.end)
    now = to_instant(end)
    # the demo's alert channel points at no receiver on purpose (as in `accord demo serve`)
    logging.getLogger("accord.alerts").setLevel(logging.ERROR)
    only = {n for n in args.only.split(",") if n}
    shots = [s for s in SHOTS if not only or s.name in only]
    args.out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="accord-shots-") as tmp:
        directory = Path(tmp)
        print(f"generating the demo (seed {args.seed}, ending {args.end})…", flush=True)
        url = prepare_store(directory, seed=args.seed, end=end)
        made = tokens(url, now)
        with served(url, directory, args.port, now) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for width in WIDTHS:
                    contexts: dict[str, Any] = {}
                    for shot in shots:
                        if shot.token not in contexts:
                            token = made.get(shot.token, "")
                            contexts[shot.token] = context(browser, base, width, now, token)
                        t0 = time.perf_counter()
                        found = take(
                            contexts[shot.token], base, shot, made["write"], args.out, width, args
                        )
                        problems += found
                        took = time.perf_counter() - t0
                        print(
                            f"{shot.name} at {width} px ({took:.1f} s) {' '.join(found)}",
                            flush=True,
                        )
                    for ctx in contexts.values():
                        ctx.close()
            finally:
                browser.close()
    total = sum(f.stat().st_size for f in args.out.glob("dashboard-*.webp"))
    print(f"{args.out}: {total / 2**20:.1f} MiB of dashboard images")
    for problem in problems:
        print("LAYOUT:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        _serve(*sys.argv[2:6])
    else:
        raise SystemExit(main())
