"""The dashboard's server time with 1,000,000 tickets stored.

A real ``accord serve`` process (uvicorn, one worker) over SQLite with ``--tickets`` tickets
bulk-loaded by the approach of ``bench_service.py`` (the rows of a few thousand template
tickets of the demo helpdesk copied under new ids). Each dashboard page is an HTML shell whose
data the browser fetches from the JSON API, so a page's server time is the time of its shell
plus every API request it makes, issued one after the other (the browser runs some of them in
parallel, so this sum is the pessimistic figure). Each page is read ``--reads`` times after one
warm-up read; p50 and p99 are printed for the page and for each of its requests. Times are seen
by a client on the same host (localhost round trips are well under a millisecond).

The compliance reads come from the server's in-memory records view, which the server loads
in the background when it starts: the benchmark waits for it (``accord_records_view_ready``
on ``/metrics``) and reports its first-load time and memory apart from the page times.

Goal (issue 7): every page under 300 ms.

    .venv/bin/python bench/bench_dashboard.py              # 1,000,000 tickets (some minutes)
    .venv/bin/python bench/bench_dashboard.py --quick      # 20,000 tickets, to try it out
    .venv/bin/python bench/bench_dashboard.py --write-doc  # and write docs/performance.md
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from _common import machine_info, replace_section, wrap
from accord.cli.demo import copy_demo_config
from bench_service import Server, admin_token, bulk_load, customer_token, pct, sqlite_url

Page = tuple[str, list[str]]
SLOW = 10.0  # seconds
TIMEOUT = 900.0
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
LOADS: list[float] = []  # the 1-minute load average before each page: how busy the machine was


# what the figures mean for the pages still over the goal (true of this code, whatever the run)
REMAINING = """\
Every compliance read (the compliance explorer, the overview's compliance by metric and by
priority, the customer page's compliance by month, `/customers`, and the statement documents'
fallback) comes from the records view: milliseconds, independent of the store's size. Still
computed from the stored events at every request, and so still far over the goal on a large
store:

- `GET /api/v1/kpis/values` (overview): every KPI from every ticket's events, replayed by the
  reference engine at as-of and folded into ticket facts;
- `GET /api/v1/customers/{customer}/statement` and `/budget` (customer page; the statement
  documents read the former): the customer's clocks recomputed from its events at as-of.

Why they are not served from the view yet: both must be exact at the request's instant, and
in this workload most tickets hold an open clock (1.36 million of the 3.0 million stored clocks
with a target are open; 142,000 of acme's 143,000 tickets have one), so "cache the settled
tickets, recompute the rest" saves nothing. They need the business time elapsed on every open
clock at the request's instant, computed in columns from the compiled calendars, which takes,
per open clock, whether it is counting or paused and the instants at which its warnings and
its breach fall (the reference engine's cycle state, not in the stored records), and the
ticket facts in memory; the budget's at-risk list then walks acme's 190,000 open clocks one by
one in Python (`accord.core.contracts.forecast.at_risk`) and needs vectorising too. Evaluating
the KPIs over the 5.5 million stored records would itself take about 0.7 s (extrapolated from
`bench_kpis.py`: ten million records in 1.29 s), so the overview's tiles also need per-period
aggregates kept by the view rather than an evaluation per request."""


@dataclass
class PageResult:
    name: str
    totals: list[float]
    per: dict[str, list[float]]
    statuses: dict[str, int | str]
    once: set[str] = field(default_factory=set)


@dataclass
class ViewLoad:
    ready_after: float  # seconds from the server answering to the view being ready
    load_seconds: float  # the server's own figure for the load
    bytes: float


def pages(ticket: str, customer: str, month: str) -> list[Page]:
    """Each page's shell and the API requests its script makes (see static/app.js)."""
    c = customer
    return [
        (
            "overview",
            [
                "/overview",
                "/api/v1/compliance?by=metric&period=year",
                "/api/v1/compliance?by=priority&period=year",
                "/api/v1/kpis/values",
            ],
        ),
        ("at-risk", ["/at-risk", "/api/v1/at-risk?limit=200"]),
        ("compliance", ["/compliance", "/api/v1/compliance?by=policy&period=month"]),
        (
            "customer",
            [
                f"/customers/{c}",
                f"/api/v1/customers/{c}/statement?period={month}",
                f"/api/v1/customers/{c}/budget",
                f"/api/v1/compliance?by=period&period=month&customer={c}",
                f"/api/v1/at-risk?customer={c}&limit=50",
            ],
        ),
        ("ticket", [f"/tickets/{ticket}", f"/api/v1/tickets/{ticket}"]),
        ("statement.pdf", [f"/api/v1/customers/{c}/statement.pdf?period={month}"]),
    ]


def ms(s: float) -> str:
    return f"{s * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="20,000 tickets, 5 reads")
    parser.add_argument("--pages", default="", help="only these pages (comma-separated names)")
    parser.add_argument("--write-doc", action="store_true", help="write docs/performance.md")
    args = parser.parse_args()
    if args.quick:
        args.tickets, args.reads = 20_000, 5
    info = machine_info(("sqlalchemy", "fastapi", "uvicorn", "fpdf2", "jinja2"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="accord-bench-dash-") as tmp_name:
        tmp = Path(tmp_name)
        config = copy_demo_config(tmp / "config")
        with sqlite_url(tmp) as url:
            now = int(time.time())
            load_s = bulk_load(url, config, args.tickets, now)
            print(
                f"loaded {args.tickets:,} tickets in {timedelta(seconds=int(load_s))}", flush=True
            )
            token = admin_token(url)
            customer_token(url, "acme")  # a second token row, as in a real store
            server = Server(url, config, tmp / "server.log")
            try:
                view = wait_view(server.base, token)
                print(
                    f"records view ready {view.ready_after:.1f} s after the server answered "
                    f"(its load: {view.load_seconds:.1f} s, {view.bytes / 2**20:,.0f} MiB)",
                    flush=True,
                )
                only = [p for p in args.pages.split(",") if p]
                results = run(server.base, token, args.reads, only)
            finally:
                server.stop()
    if args.write_doc:
        write_doc(args.tickets, args.reads, load_s, view, results, info, LOADS)
    return 0


def _gauge(text: str, name: str) -> float:
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def wait_view(base: str, token: str) -> ViewLoad:
    """Wait for the server's records view; polled every 5 s (``/metrics`` also counts the
    stored clocks, which costs the server a little while it loads)."""
    headers = {"Authorization": f"Bearer {token}"}
    t0 = time.perf_counter()
    while True:
        text = httpx.get(f"{base}/metrics", headers=headers, timeout=TIMEOUT).text
        if _gauge(text, "accord_records_view_ready") == 1:
            return ViewLoad(
                time.perf_counter() - t0,
                _gauge(text, "accord_records_view_load_seconds"),
                _gauge(text, "accord_records_view_bytes"),
            )
        time.sleep(5)


def run(base: str, token: str, reads: int, only: list[str]) -> list[PageResult]:
    month = datetime.now(UTC).strftime("%Y-%m")
    with httpx.Client(base_url=base, timeout=TIMEOUT) as http:
        signin = http.post("/signin", data={"token": token})
        if signin.status_code != 303:
            raise SystemExit(f"sign-in failed: {signin.status_code}")
        # the dashboard's requests carry the sign-in cookie, as the browser's do
        first = http.get("/api/v1/at-risk?limit=1").json()["items"][0]["ticket_id"]
        results: list[PageResult] = []
        for name, paths in pages(first, "acme", month):
            if only and name not in only:
                continue
            LOADS.append(os.getloadavg()[0])
            per: dict[str, list[float]] = {p: [] for p in paths}
            totals: list[float] = []
            statuses: dict[str, int | str] = {}
            # a request slower than SLOW on its warm-up read is timed that once and then
            # counted at that time in every round: repeating a minutes-long read adds nothing
            once: dict[str, float] = {}
            for round_ in range(reads + 1):
                total = 0.0
                for path in paths:
                    if path in once:
                        per[path].append(once[path])
                        total += once[path]
                        continue
                    t0 = time.perf_counter()
                    try:
                        statuses[path] = http.get(path).status_code
                    except httpx.TimeoutException:
                        statuses[path] = f"no answer in {TIMEOUT:.0f} s"
                    took = time.perf_counter() - t0
                    if took > SLOW:
                        once[path] = took
                    if round_ or took > SLOW:
                        per[path].append(took)
                    total += took
                if round_:
                    totals.append(total)
            verdict = "under" if pct(totals, 50) < 0.3 else "OVER"
            print(
                f"{name}: p50 {ms(pct(totals, 50))}, p99 {ms(pct(totals, 99))} "
                f"({verdict} 300 ms at p50)",
                flush=True,
            )
            for path in paths:
                note = " (timed once: too slow to repeat)" if path in once else ""
                print(
                    f"    {path}: p50 {ms(pct(per[path], 50))} p99 {ms(pct(per[path], 99))} "
                    f"[HTTP {statuses[path]}]{note}",
                    flush=True,
                )
            results.append(PageResult(name, totals, per, statuses, set(once)))
    return results


def _ms(s: float) -> str:
    return f"{s * 1000:,.1f} ms" if s < 10 else f"{s:,.1f} s"


def write_doc(
    tickets: int,
    reads: int,
    load_s: float,
    view: ViewLoad,
    results: list[PageResult],
    info: dict[str, str],
    loads: list[float],
) -> None:
    rows = []
    for r in results:
        p50 = pct(r.totals, 50)
        parts = ", ".join(
            f"`{path}` {_ms(pct(r.per[path], 50))}"
            + (" (timed once)" if path in r.once else "")
            + ("" if r.statuses.get(path) == 200 else f" [HTTP {r.statuses.get(path)}]")
            for path in r.per
        )
        rows.append(
            f"| {r.name} | {_ms(p50)} | {_ms(pct(r.totals, 99))} | "
            f"{'yes' if p50 < 0.3 else '**no**'} | {parts} |"
        )
    table = "\n".join(
        [
            "| page | p50 | p99 | under 300 ms | where the time goes (p50) |",
            "| --- | ---: | ---: | --- | --- |",
            *rows,
        ]
    )
    machine = "; ".join(f"{k} {v}" for k, v in info.items())
    head = wrap(
        f"A real `accord serve` (uvicorn, one worker) over SQLite with {tickets:,} tickets "
        f"bulk-loaded the way `bench_service.py` loads them (loaded in "
        f"{timedelta(seconds=int(load_s))}), the demo configuration (with its "
        "`contracts.yaml`: acme, about 14 % of the tickets, has a contract), and one signed-in "
        "client on the same host. A page's server time is its HTML shell plus each API request "
        "its script makes, one after the other (the browser runs some in parallel: the sum is "
        f"the pessimistic figure). {reads} timed reads of each page after one warm-up; a "
        f"request slower than {SLOW:.0f} s on its warm-up was timed that once. Machine: "
        f"{machine}. **The machine (2 cores) was shared with other sessions' work during the "
        f"run** (1-minute load average {min(loads):.1f} to {max(loads):.1f}, sampled before "
        "each page), so these figures are pessimistic; rerun on a quiet machine for the "
        "project's figures."
    )
    view_text = wrap(
        "**Records view** (compliance in memory, see [dashboard.md](dashboard.md)): loaded by "
        f"the server in the background at start in {view.load_seconds:.1f} s (ready "
        f"{view.ready_after:.0f} s after the server first answered, polled every 5 s; "
        "compliance reads use the store's query until then), holding "
        f"{view.bytes / 2**20:,.0f} MiB. The page times below are warm (the view loaded)."
    )
    body = f"""Written by `bench/bench_dashboard.py --write-doc` from one run of

    .venv/bin/python bench/bench_dashboard.py --write-doc   # --quick: 20,000 tickets

{head}

{view_text}

{table}

{REMAINING}
"""
    replace_section(DOC, "Dashboard", body)
    under = [r for r in results if pct(r.totals, 50) < 0.3]
    over = [r for r in results if pct(r.totals, 50) >= 0.3]
    measured = ", ".join(f"{r.name} {_ms(pct(r.totals, 50))}" for r in under)
    if over:
        measured += "; over: " + ", ".join(f"{r.name} {_ms(pct(r.totals, 50))}" for r in over)
    row = (
        "| dashboard (`bench/bench_dashboard.py`) | every page < 300 ms with 1M tickets | "
        f"p50 {measured} (machine under load) | {'met' if not over else '**not met**'} |"
    )
    text = DOC.read_text(encoding="utf-8")
    text = re.sub(
        r"^\| dashboard \(`bench/bench_dashboard.py`\).*$", row, text, count=1, flags=re.M
    )
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
