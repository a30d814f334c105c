"""What one event costs the service in CPU time: storing it (``POST /api/v1/events``'s work,
in process) and recomputing its ticket in the background, with the recompute's engine for a
pass of many tickets (the batch engine) against the reference engine, in the same run.

The demo helpdesk's events, in delivery order, are ingested in batches of ``--batch`` through
the service's own ingest function over a fresh SQLite file (one per engine), and the
background recompute's drain runs after every ``--pass-events`` events, as a server under a
steady stream does (at 5,000 events/s and a pass every 0.2 s, about 1,000 events a pass). CPU
time is the process's (``time.process_time``), so the figures hold on a busy host; the
recompute is split into reading the tickets' events, computing and storing. Apart: what the
server pays to learn of each pass, when the recompute hands it the records (a thread) or names
the tickets it saved (the recompute process, ``service/recompute_process.py``).

The store writes only the rows a recompute changed (the former run of full rewrites beside it
is gone: the store's writes no longer take the rows it rewrote).
On PostgreSQL the database's own CPU is counted too: the CPU seconds of the store's server
processes (found by ``application_name``), added to the store stage.

    .venv/bin/python bench/bench_recompute.py                # 30,000 events, SQLite
    .venv/bin/python bench/bench_recompute.py --store postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.demo.generate import generate_log
from accord.io.store import open_store
from accord.service import recompute
from accord.service.ingest import ingest_body
from accord.service.runtime import Runtime
from accord.service.settings import Settings
from bench_service import postgres_url, sqlite_url


def _timed(
    into: dict[str, float], name: str, f: Callable[..., Any], depth: list[int] | None = None
) -> Callable[..., Any]:
    """``f`` adding its CPU time to ``into[name]``; with ``depth`` shared by several such,
    only the outermost call of those counts."""
    level = depth if depth is not None else [0]

    def wrapper(*args: Any, **kw: Any) -> Any:
        t0 = time.process_time()
        level[0] += 1
        try:
            return f(*args, **kw)
        finally:
            level[0] -= 1
            if level[0] == 0:
                into[name] += time.process_time() - t0

    return wrapper


_APP = "accord-bench-recompute"


def _server_cpu(url: str) -> float:
    """CPU seconds of this run's PostgreSQL server processes (0 on SQLite)."""
    if not url.startswith("postgresql"):
        return 0.0
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            q = "SELECT pid FROM pg_stat_activity WHERE application_name = :a"
            pids = list(conn.execute(sa.text(q), {"a": _APP}).scalars())
    finally:
        engine.dispose()
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def one_run(
    engine: str, writes: str, url: str, config: Path, bodies: list[bytes], pass_every: int
) -> dict[str, float]:
    """Ingest ``bodies`` and drain the recompute every ``pass_every`` bodies; CPU seconds by
    stage, and the tickets recomputed."""
    split = {"ingest": 0.0, "read": 0.0, "compute": 0.0, "store": 0.0, "server": 0.0}
    # what the server pays to learn of a pass (views, snapshot stamp): handed the records by
    # a recompute in its own process (thread), or named the tickets by the recompute process
    views = {"told": 0.0, "named": 0.0}
    # the recompute's stage functions by name; the rows' read and compute only where the code
    # has them (an older checkout on PYTHONPATH has not), a stage nested in another (the
    # former compute of a small pass within the rows' compute) counted once, in the outer
    stages = {
        "_events_of": "read",
        "_rows_of": "read",
        "compute_results": "compute",
        "_compute_rows": "compute",
        "_save": "store",
    }
    saved = {name: getattr(recompute, name) for name in stages if hasattr(recompute, name)}
    threshold = recompute.BATCH_TICKETS
    depth = [0]
    for name, f in saved.items():
        setattr(recompute, name, _timed(split, stages[name], f, depth))
    # the reference engine for every pass: no pass reaches the batch engine's threshold
    recompute.BATCH_TICKETS = threshold if engine == "batch" else 1 << 60
    if url.startswith("postgresql"):
        url = (
            sa.make_url(url)
            .update_query_dict({"application_name": _APP})
            .render_as_string(hide_password=False)
        )
    store = open_store(url)
    try:
        runtime = Runtime(Settings(database_url=url, background=False, config_dir=config), store)
        runtime.seed()
        runtime.records_view.load()  # loaded, as a server's is: apply and refresh do work
        told = _timed(views, "told", runtime._saved)
        named = _timed(views, "named", runtime._saved_elsewhere)

        def learn(results: Any, seqs: Any) -> None:
            told(results, seqs)
            named(seqs)

        runtime.recomputer.on_saved = learn
        tickets = 0
        for n, body in enumerate(bodies, start=1):
            t0 = time.process_time()
            ingest_body(runtime, body, "application/json")
            split["ingest"] += time.process_time() - t0
            if n % pass_every == 0 or n == len(bodies):
                tickets += runtime.recomputer.drain()
        split["server"] = _server_cpu(url)
    finally:
        store.close()
        for name, f in saved.items():
            setattr(recompute, name, f)
        recompute.BATCH_TICKETS = threshold
    return {**split, **views, "tickets": float(tickets)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--pass-events", type=int, default=1_000)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
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
    runs = [("reference", "changed"), ("batch", "changed")]
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp_name:
        tmp = Path(tmp_name)
        config = copy_demo_config(tmp / "config", alerts=False)
        for engine, writes in runs:
            with sqlite_url(tmp) if args.store == "sqlite" else postgres_url() as url:
                results[f"{engine}, {writes}"] = one_run(engine, writes, url, config, bodies, every)
    n = len(events)
    print(
        f"{n:,} demo events in batches of {args.batch}, a recompute pass every "
        f"{every * args.batch:,} events, on {args.store}; CPU microseconds per event"
        + (" (the database server's CPU in brackets, counted in)" if args.store != "sqlite" else "")
        + ":",
        flush=True,
    )

    def total(r: dict[str, float]) -> float:
        return r["ingest"] + r["read"] + r["compute"] + r["store"] + r["server"]

    for name, r in results.items():
        rec = r["read"] + r["compute"] + r["store"]
        server = f" [server {r['server'] / n * 1e6:.0f}]" if r["server"] else ""
        print(
            f"  {name:19}: ingest {r['ingest'] / n * 1e6:4.0f}; recompute {rec / n * 1e6:4.0f} "
            f"(read {r['read'] / n * 1e6:.0f}, compute {r['compute'] / n * 1e6:.0f}, store "
            f"{r['store'] / n * 1e6:.0f}){server}; all {total(r) / n * 1e6:4.0f}; "
            f"{r['tickets']:,.0f} tickets recomputed",
            flush=True,
        )
    for name, r in results.items():
        print(
            f"  {name:19}: the server learning of the passes (views, stamp), not counted "
            f"above: handed the records (recompute in a thread) {r['told'] / n * 1e6:.1f}; "
            f"named the tickets (recompute process) {r['named'] / n * 1e6:.1f}",
            flush=True,
        )
    ref, bat = (results[k] for k in ("reference, changed", "batch, changed"))
    print(
        f"batch engine against reference: compute {ref['compute'] / bat['compute']:.1f}x less "
        f"CPU; ingest + recompute {total(bat) / n * 1e6:.0f} us an event, so one core takes "
        f"about {n / total(bat):,.0f} events/s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
