"""The Trends route and the burn-down on the demo store, against the routes they build on.

A real ``accord serve`` (uvicorn, one worker) over the demo helpdesk's SQLite store (``accord
demo``: 90 days, about 2,000 tickets and 23,000 events by default; ``--events`` for more), one
client on the same host. For each request: its first (cold) read, then ``--reads`` timed reads
(p50 and p99).

- ``GET /api/v1/trends`` without ``as_of`` evaluates the KPI over the range's periods from a
  snapshot of the replayed events, shared by every series, range, customer and team (the
  cold read computes it); with ``as_of`` the events are replayed in the request. The
  alternative measured in the same run is ``GET /api/v1/kpis/{name}/values`` with the same
  KPI, grain, periods and ``as_of`` (the same computation, without picking the points): the
  ratio is the price of the trend's own work.
- ``GET /api/v1/customers/acme/burndown`` likewise, against ``GET
  /api/v1/customers/acme/statement`` for the same period and ``as_of``.

    .venv/bin/python bench/bench_trends.py              # the demo store, 20 reads each
    .venv/bin/python bench/bench_trends.py --events 60000 --reads 10
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from _common import machine_info, markdown_table
from accord.cli.demo import prepare_store
from accord.io.store import Scope, SqlStore
from accord.service.auth import create_token
from bench_service import Server, pct


def _time(client: httpx.Client, path: str, n: int) -> tuple[float, list[float]]:
    def get() -> float:
        t0 = time.perf_counter()
        res = client.get(path)
        took = time.perf_counter() - t0
        if res.status_code != 200:
            raise SystemExit(f"{path}: {res.status_code} {res.text[:300]}")
        return took

    cold = get()
    return cold, [get() for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=None, help="demo events (default: demo's)")
    parser.add_argument("--reads", type=int, default=20, help="timed reads per request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="accord-bench-trends-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        url = prepare_store(root / "demo", events=args.events)
        prepared = time.perf_counter() - t0
        store = SqlStore(url)
        try:
            token, _ = create_token(store, scope=Scope.READ, customer=None, name="bench", now=0)
        finally:
            store.close()
        server = Server(url, root / "demo" / "config", root / "server.log")
        try:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.base, headers=headers, timeout=600) as client:
                # the first read after the start replays the events into the shared snapshot
                t_first = time.perf_counter()
                as_of = client.get("/api/v1/trends?series=breaches").json()["as_of"]
                first = time.perf_counter() - t_first
                month = as_of[:7]
                rows: list[list[str]] = [
                    [
                        "`/api/v1/trends?series=breaches`, the first trend read after the start",
                        f"{first * 1e3:.1f} ms",
                        "–",
                        "–",
                        "–",
                    ],
                ]
                cases = [
                    ("/api/v1/trends?series=compliance&grain=week", None),
                    ("/api/v1/trends?series=backlog&grain=month&from=2026-01-01", None),
                    (
                        "/api/v1/trends?series=kpi:first_response_median&grain=week&customer=acme",
                        None,
                    ),
                    (
                        f"/api/v1/trends?series=compliance&grain=week&as_of={as_of}",
                        f"/api/v1/kpis/sla_compliance/values?grain=week&periods=12&as_of={as_of}",
                    ),
                    (f"/api/v1/customers/acme/burndown?period={month}", None),
                    (
                        f"/api/v1/customers/acme/burndown?period={month}&as_of={as_of}",
                        f"/api/v1/customers/acme/statement?period={month}&as_of={as_of}",
                    ),
                ]
                for path, alternative in cases:
                    cold, reads = _time(client, path, args.reads)
                    p50, p99 = pct(reads, 50), pct(reads, 99)
                    ratio = "–"
                    if alternative is not None:
                        _, alt = _time(client, alternative, args.reads)
                        ratio = f"{p50 / pct(alt, 50):.2f}× `{alternative.split('?')[0]}`"
                    rows.append(
                        [
                            f"`{path.replace(as_of, 'AS_OF')}`",
                            f"{cold * 1e3:.1f} ms",
                            f"{p50 * 1e3:.1f} ms",
                            f"{p99 * 1e3:.1f} ms",
                            ratio,
                        ]
                    )
        finally:
            server.stop()
    info = machine_info(("fastapi", "uvicorn", "polars", "numpy"))
    print(f"demo store prepared in {prepared:.1f} s; {args.reads} reads each after the first")
    print("; ".join(f"{k} {v}" for k, v in info.items()))
    print(
        markdown_table(
            ["request", "first (cold)", "p50", "p99", "p50 against the same figures"], rows
        )
    )


if __name__ == "__main__":
    main()
