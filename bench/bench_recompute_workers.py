"""How fast the recompute drains a backlog with one worker and with several
(``ACCORD_RECOMPUTE_WORKERS``), in the same run.

Under a steady stream the recompute process runs full passes (``recompute_batch`` tickets)
back to back whenever a backlog has built up; a backlog is bounded only if these passes
recompute tickets faster than ingest marks them. Here: the demo helpdesk's events, in
delivery order, are ingested (not timed) into a fresh store per run, every ticket left
marked; then the whole backlog is drained by ``Recomputer(..., workers=n)`` and timed: wall
time (what bounds the backlog), the process's CPU time and, on PostgreSQL, the database
server's (its processes found by ``application_name``). Runs alternate between the worker
counts; the medians are printed, with the ratio of one worker's wall time to each.

    .venv/bin/python bench/bench_recompute_workers.py --store postgresql
    .venv/bin/python bench/bench_recompute_workers.py --store sqlite
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.demo.generate import generate_log
from accord.io.store import open_store
from accord.service.ingest import ingest_body
from accord.service.recompute import Recomputer
from accord.service.runtime import Runtime
from accord.service.settings import Settings
from bench_recompute import _APP, _server_cpu
from bench_service import postgres_url, sqlite_url


def one_run(url: str, config: Path, bodies: list[bytes], workers: int, batch: int) -> dict:
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
        for body in bodies:
            ingest_body(runtime, body, "application/json")
        backlog = len(store.dirty(10_000_000))
        worker = Recomputer(store, runtime.config_at, runtime.clock, batch=batch, workers=workers)
        server0 = _server_cpu(url)
        c0, t0 = time.process_time(), time.perf_counter()
        done = worker.drain()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        server = _server_cpu(url) - server0
        assert done == backlog and not store.dirty(1), (done, backlog)
    finally:
        store.close()
    return {"tickets": backlog, "wall": wall, "cpu": cpu, "server": server}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=500, help="tickets a pass")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="postgresql")
    args = parser.parse_args()
    info = machine_info(("sqlalchemy", "numpy", "pyarrow"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    end = datetime.now(UTC).replace(microsecond=0)
    log = generate_log(seed=17, end=end, target_events=args.events)
    events = [e.to_dict() for e in log.events()][: args.events]
    bodies = [json.dumps(events[i : i + 250]).encode() for i in range(0, len(events), 250)]
    counts = [int(n) for n in args.workers.split(",")]
    got: dict[int, list[dict]] = {n: [] for n in counts}
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp_name:
        tmp = Path(tmp_name)
        config = copy_demo_config(tmp / "config", alerts=False)
        for round_ in range(args.repeat):
            for n in counts:
                with sqlite_url(tmp) if args.store == "sqlite" else postgres_url() as url:
                    r = one_run(url, config, bodies, n, args.batch)
                got[n].append(r)
                print(
                    f"  round {round_ + 1}, {n} worker(s): {r['tickets']:,} tickets in "
                    f"{r['wall']:.2f} s wall, {r['cpu']:.2f} CPU-s"
                    + (f" + database {r['server']:.2f}" if r["server"] else ""),
                    flush=True,
                )
    print(
        f"{len(events):,} demo events, the backlog drained in passes of {args.batch} tickets "
        f"on {args.store}, medians of {args.repeat}:"
    )
    base = statistics.median(r["wall"] for r in got[counts[0]])
    for n in counts:
        wall = statistics.median(r["wall"] for r in got[n])
        cpu = statistics.median(r["cpu"] for r in got[n])
        server = statistics.median(r["server"] for r in got[n])
        tickets = got[n][0]["tickets"]
        print(
            f"  {n} worker(s): {wall:.2f} s wall ({tickets / wall:,.0f} tickets/s), "
            f"{cpu:.2f} CPU-s"
            + (f" + database {server:.2f}" if server else "")
            + f"; {base / wall:.2f}x {counts[0]} worker(s)' rate",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
