"""KPI view, end to end (issue 20, goal 5): a real ``accord serve`` process over a store of
``--tickets`` tickets, the time from an ingest to ``GET /api/v1/kpis/values`` reflecting it,
against the full replay the same server does for a request with ``as_of``, in the same run.

The store is filled through the store's own API, as the service fills it: the events of
``bench/gen_events.py``'s log ending now (about ten a ticket, the demo's stories; about 6 % of
the tickets still open) are added, the demo configuration is stored as the version in force,
and every ticket is recomputed (the batch engine) and saved, as the background recompute
leaves a store. Then the server starts; the benchmark waits for its KPI view
(``accord_kpi_view_ready`` on ``/metrics``) and reports its load time, then:

- **full replay**: ``GET /api/v1/kpis/values?as_of=<the view's last instant>``, which replays
  every stored event in the request (what every refresh did before the view), checked equal to
  the view's answer for that instant;
- **ingest → values**: ``--rounds`` times, one new ticket is posted (``POST
  /api/v1/events``), then ``/api/v1/kpis/values?kpi=backlog`` is read every 0.1 s until its
  current value counts it; the time from the post to that answer.

Run:  .venv/bin/python bench/bench_kpi_view_service.py --tickets 50000 --store sqlite
      .venv/bin/python bench/bench_kpi_view_service.py --tickets 50000 --store postgresql
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accord.cli.demo import copy_demo_config
from accord.core.engine.batch.schema import events_from_table
from accord.core.timeutil import iso
from accord.io.columnar import validate_table
from accord.io.store import Incoming, SqlStore
from accord.service.configuration import ConfigState
from accord.service.recompute import recompute_tickets
from bench_service import Server, admin_token, pct, postgres_url, sqlite_url
from gen_events import generate

TIMEOUT = 1800.0


def fill(url: str, config_dir: Path, tickets: int) -> tuple[float, int]:
    """Events, the configuration and every ticket's records into the store; seconds taken."""
    t0 = time.perf_counter()
    now = int(time.time())
    log = generate(10 * tickets, end=now - 60, seed=11)
    table, bad = validate_table(
        log.table, source="bench", row_numbers=np.arange(log.table.num_rows, dtype=np.int64)
    )
    assert not bad
    events = events_from_table(table)
    store = SqlStore(url)
    try:
        for i in range(0, len(events), 20_000):
            part = events[i : i + 20_000]
            store.add_events(
                [Incoming(e, "bench", i + k) for k, e in enumerate(part)], received_at=now
            )
        configs = ConfigState(store)
        configs.seed(config_dir, now=now)
        time.sleep(1.1)  # records judged after the version was stored
        current = configs.current(int(time.time()))
        assert current is not None
        while True:
            marks = store.dirty(5_000)
            if not marks:
                break
            recompute_tickets(
                store, [t for t, _ in marks], current[1], int(time.time()), clear=marks
            )
    finally:
        store.close()
    return time.perf_counter() - t0, log.tickets


def gauge(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=50_000)
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="accord-bench-kv-") as tmp_name:
        tmp = Path(tmp_name)
        config = tmp / "config"
        copy_demo_config(config, alerts=False)
        with sqlite_url(tmp) if args.store == "sqlite" else postgres_url() as url:
            fill_s, n = fill(url, config, args.tickets)
            print(f"{args.store}: {n:,} tickets stored and recomputed in {fill_s:.0f} s")
            token = admin_token(url)
            headers = {"Authorization": f"Bearer {token}"}
            server = Server(url, config, tmp / "server.log")
            try:
                run(server.base, headers, args.rounds)
            finally:
                server.stop()


def run(base: str, headers: dict[str, str], rounds: int) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT) as http:
        t0 = time.perf_counter()
        while gauge(http.get("/metrics").text, "accord_kpi_view_ready") != 1:
            time.sleep(0.5)
        metrics = http.get("/metrics").text
        print(
            f"KPI view ready {time.perf_counter() - t0:.1f} s after the server answered; "
            f"load {gauge(metrics, 'accord_kpi_view_load_seconds'):.1f} s"
        )
        for line in metrics.splitlines():
            if line.startswith("accord_kpi_view_tickets"):
                print("   ", line)
        w0 = time.perf_counter()
        viewed = http.get("/api/v1/kpis/values").json()
        view_first = time.perf_counter() - w0
        w0 = time.perf_counter()
        full = http.get("/api/v1/kpis/values", params={"as_of": viewed["as_of"]}).json()
        full_s = time.perf_counter() - w0
        same = full["values"] == viewed["values"]
        print(f"load average {os.getloadavg()}")
        print(f"first values read (view): {view_first:.2f} s")
        print(f"full replay (as_of={viewed['as_of']}): {full_s:.2f} s; equal to the view's: {same}")
        if not same:
            raise SystemExit("the view's values differ from the full replay's")
        lags: list[float] = []
        for r in range(rounds):
            before = backlog(http)
            tid = f"bench-new-{uuid.uuid4().hex[:8]}"
            at = datetime.now(UTC).replace(microsecond=0)
            ev: dict[str, Any] = {
                "event_id": f"{tid}-c", "ticket_id": tid, "ts": iso(int(at.timestamp())),
                "kind": "created", "actor": "customer",
                "fields": {"status": "new", "customer": "acme", "priority": "normal"},
            }  # fmt: skip
            p0 = time.perf_counter()
            res = http.post("/api/v1/events", json=[ev])
            assert res.status_code == 200, res.text
            while backlog(http) <= before:
                time.sleep(0.1)
            lags.append(time.perf_counter() - p0)
            print(f"round {r + 1}: ingest -> KPI values {lags[-1]:.2f} s", flush=True)
            time.sleep(1.0)
        print(f"load average {os.getloadavg()}")
        print(
            f"ingest -> values: p50 {pct(lags, 50):.2f} s, max {max(lags):.2f} s "
            f"({'met' if max(lags) < 5 else 'NOT met'}: goal 5 s); full replay {full_s:.2f} s"
        )


def backlog(http: httpx.Client) -> float:
    got = http.get("/api/v1/kpis/values", params={"kpi": "backlog", "periods": 1}).json()
    return float(sum(v["value"] or 0 for v in got["values"]))


if __name__ == "__main__":
    main()
