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

With ``--tickets N`` the store is instead N tickets bulk-loaded the way ``bench_dashboard.py``
loads them (the rows of the demo's template tickets copied under new ids, the demo
configuration without its alert rules). Then the ``as_of`` requests are left out: each replays
every stored event in the request (minutes with a million tickets; the cold read of the KPI
values in ``bench_dashboard.py`` is that cost).

    .venv/bin/python bench/bench_trends.py              # the demo store, 20 reads each
    .venv/bin/python bench/bench_trends.py --events 60000 --reads 10
    .venv/bin/python bench/bench_trends.py --tickets 1000000 --reads 10
    .venv/bin/python bench/bench_trends.py --tickets 1000000 --keep /tmp/lists-1m --store postgresql

``--keep DIR`` reuses (or makes) the stores that ``bench_dashboard.py --keep DIR`` keeps, so a
million tickets are loaded once for both benchmarks; ``--store postgresql`` runs on the local
PostgreSQL server instead of SQLite (``--tickets`` only).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from _common import machine_info, markdown_table
from accord.cli.demo import copy_demo_config, prepare_store
from accord.io.store import Scope, SqlStore
from accord.service.auth import create_token
from bench_dashboard import loaded, store_url
from bench_service import Server, pct


@contextmanager
def _prepare(
    root: Path, events: int | None, tickets: int | None, kind: str, keep: Path | None
) -> Iterator[tuple[str, Path, str]]:
    """The store's URL, its configuration directory and a line saying what it holds."""
    if tickets is None:
        t0 = time.perf_counter()
        url = prepare_store(root / "demo", events=events)
        yield (
            url,
            root / "demo" / "config",
            f"demo store prepared in {time.perf_counter() - t0:.1f} s",
        )
        return
    home = keep or root
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config"
    if not config.exists():
        copy_demo_config(config, alerts=False)
    with store_url(kind, keep, root, tickets) as url:
        took = loaded(kind, url, config, tickets, keep)
        yield url, config, f"{tickets:,} tickets bulk-loaded into {kind} in {took:.1f} s"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


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
    parser.add_argument("--tickets", type=int, default=None, help="bulk-load N tickets instead")
    parser.add_argument("--store", default="sqlite", help="with --tickets: sqlite or postgresql")
    parser.add_argument("--keep", type=Path, default=None, help="with --tickets: see the doc")
    args = parser.parse_args()
    loads: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="accord-bench-trends-") as tmp,
        _prepare(Path(tmp), args.events, args.tickets, args.store, args.keep) as prepared_store,
    ):
        root = Path(tmp)
        url, config, prepared = prepared_store
        print(prepared, flush=True)
        store = SqlStore(url)
        try:
            token, _ = create_token(store, scope=Scope.READ, customer=None, name="bench", now=0)
        finally:
            store.close()
        server = Server(url, config, root / "server.log")
        try:
            headers = {"Authorization": f"Bearer {token}"}
            # an hour: with a million tickets the first read replays every stored event
            with httpx.Client(base_url=server.base, headers=headers, timeout=3600) as client:
                loads.append(_load())
                # the first read after the start replays the events into the shared snapshot
                t_first = time.perf_counter()
                as_of = client.get("/api/v1/trends?series=breaches").json()["as_of"]
                first = time.perf_counter() - t_first
                print(f"first trend read {first:.1f} s (load {loads[0]})", flush=True)
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
                if args.tickets is not None:  # see the module's docstring
                    cases = [(p, a) for p, a in cases if "as_of" not in p]
                for path, alternative in cases:
                    loads.append(_load())
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
                    print(rows[-1], flush=True)
                loads.append(_load())
        finally:
            server.stop()
    info = machine_info(("fastapi", "uvicorn", "polars", "numpy"))
    print(f"{prepared}; {args.reads} reads each after the first")
    print(f"load averages (1/5/15 min) before each request and at the end: {', '.join(loads)}")
    print("; ".join(f"{k} {v}" for k, v in info.items()))
    print(
        markdown_table(
            ["request", "first (cold)", "p50", "p99", "p50 against the same figures"], rows
        )
    )


if __name__ == "__main__":
    main()
