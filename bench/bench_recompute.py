"""What one event costs the service in CPU time: storing it (``POST /api/v1/events``'s work,
in process) and recomputing its ticket in the background, with the recompute's engine for a
pass of many tickets (the batch engine) against the reference engine, in the same run.

The demo helpdesk's events, in delivery order, are ingested in batches of ``--batch`` through
the service's own ingest function over a fresh SQLite file (one per engine), and the
background recompute's drain runs after every ``--pass-events`` events, as a server under a
steady stream does (at 5,000 events/s and a pass every 0.2 s, about 1,000 events a pass). CPU
time is the process's (``time.process_time``), so the figures hold on a busy host; the
recompute is split into reading the tickets' events, computing and storing.

    .venv/bin/python bench/bench_recompute.py                # 30,000 events
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.demo.generate import generate_log
from accord.io.store import open_store
from accord.service import recompute
from accord.service.ingest import ingest_body
from accord.service.runtime import Runtime
from accord.service.settings import Settings


def _timed(into: dict[str, float], name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kw: Any) -> Any:
        t0 = time.process_time()
        try:
            return f(*args, **kw)
        finally:
            into[name] += time.process_time() - t0

    return wrapper


def one_run(
    engine: str, url: str, config: Path, bodies: list[bytes], pass_every: int
) -> dict[str, float]:
    """Ingest ``bodies`` and drain the recompute every ``pass_every`` bodies; CPU seconds by
    stage, and the tickets recomputed."""
    split = {"ingest": 0.0, "read": 0.0, "compute": 0.0, "store": 0.0}
    saved = (recompute._events_of, recompute.compute_results, recompute._save)
    threshold = recompute.BATCH_TICKETS
    recompute._events_of = _timed(split, "read", saved[0])
    recompute.compute_results = _timed(split, "compute", saved[1])
    recompute._save = _timed(split, "store", saved[2])
    # the reference engine for every pass: no pass reaches the batch engine's threshold
    recompute.BATCH_TICKETS = threshold if engine == "batch" else 1 << 60
    store = open_store(url)
    try:
        runtime = Runtime(Settings(database_url=url, background=False, config_dir=config), store)
        runtime.seed()
        tickets = 0
        for n, body in enumerate(bodies, start=1):
            t0 = time.process_time()
            ingest_body(runtime, body, "application/json")
            split["ingest"] += time.process_time() - t0
            if n % pass_every == 0 or n == len(bodies):
                tickets += runtime.recomputer.drain()
    finally:
        store.close()
        recompute._events_of, recompute.compute_results, recompute._save = saved
        recompute.BATCH_TICKETS = threshold
    return {**split, "tickets": float(tickets)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--pass-events", type=int, default=1_000)
    args = parser.parse_args()
    info = machine_info(("sqlalchemy", "numpy", "pyarrow"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    end = datetime.now(UTC).replace(microsecond=0)
    log = generate_log(seed=17, end=end, target_events=args.events)
    events = [e.to_dict() for e in log.events()][: args.events]
    bodies = [
        json.dumps(events[i : i + args.batch]).encode() for i in range(0, len(events), args.batch)
    ]
    every = max(1, args.pass_events // args.batch)
    results = {}
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp_name:
        tmp = Path(tmp_name)
        config = copy_demo_config(tmp / "config", alerts=False)
        for engine in ("reference", "batch"):
            url = f"sqlite:///{tmp / f'{engine}.db'}"
            results[engine] = one_run(engine, url, config, bodies, every)
    n = len(events)
    print(
        f"{n:,} demo events in batches of {args.batch}, a recompute pass every "
        f"{every * args.batch:,} events; CPU microseconds per event:",
        flush=True,
    )
    for engine, r in results.items():
        rec = r["read"] + r["compute"] + r["store"]
        print(
            f"  {engine:9}: ingest {r['ingest'] / n * 1e6:6.0f}; recompute {rec / n * 1e6:6.0f} "
            f"(read {r['read'] / n * 1e6:.0f}, compute {r['compute'] / n * 1e6:.0f}, store "
            f"{r['store'] / n * 1e6:.0f}); {r['tickets']:,.0f} tickets recomputed, "
            f"{rec / r['tickets'] * 1e6:,.0f} us a ticket",
            flush=True,
        )
    ref, bat = results["reference"], results["batch"]
    ref_total = ref["read"] + ref["compute"] + ref["store"]
    bat_total = bat["read"] + bat["compute"] + bat["store"]
    print(
        f"batch engine against reference: compute {ref['compute'] / bat['compute']:.1f}x less "
        f"CPU, the whole recompute {ref_total / bat_total:.1f}x; ingest + recompute "
        f"{(bat['ingest'] + bat_total) / n * 1e6:.0f} us an event, so one core takes about "
        f"{n / (bat['ingest'] + bat_total):,.0f} events/s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
