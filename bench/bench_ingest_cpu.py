"""The server's CPU per ingested event (issue 20, goal 5), apart from the recompute.

A real ``accord serve`` (uvicorn, the demo configuration, ``ACCORD_BACKGROUND=false``: no
recompute, no alert loop, no view loads; the ingest's recompute marks are still written) gets
``--batches`` bodies of ``--batch`` demo events (the sustained bench's log, seed 17, in
delivery order, encoded before the clock starts) from ``--clients`` threads, after
``--warmup`` batches that are not counted (imports, the first statements). The figure is the
server process's user + system CPU time over the counted batches (``/proc``), divided by
their events; on PostgreSQL also the CPU of the server's database backends (found by their
``application_name`` in ``pg_stat_activity``). Each run has a fresh store: a SQLite file the
server makes (WAL, ``synchronous=FULL``) or a fresh PostgreSQL schema.

``--background`` leaves the recompute on (in its own process, whose CPU is not counted) and
waits for it to drain before the last reading: the server's figure then holds what a pass
costs the server (the records view refreshed from the store, the KPI view's marks), and the
``/metrics`` reads of the wait. ``--reads N`` then times N reads of the sustained bench's
probes (``GET /api/v1/at-risk?assignee=<a new one>&limit=1``): the server's CPU per read.

A/B: ``--before <src>`` runs the server of each round twice, with ``<src>`` first on its
``PYTHONPATH`` (the code before: a detached worktree's ``src``) and without, interleaved
(before, after, before, after ... for ``--rounds``).

    .venv/bin/python bench/bench_ingest_cpu.py
    .venv/bin/python bench/bench_ingest_cpu.py --before /work/wt/base-ingestcpu/src --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from statistics import median

import httpx
import sqlalchemy as sa

from accord.cli.demo import copy_demo_config
from bench_service import admin_token, free_port, postgres_url, sqlite_url
from service_sustained import cpu_seconds, demo_log, pending

_APP = "accord-bench-ingest"


def bodies(batches: int, size: int) -> list[bytes]:
    events, _ = demo_log(batches * size, seed=17)
    out = []
    for _ in range(batches):
        chunk = [e.to_dict() for _, e in zip(range(size), events, strict=False)]
        out.append(json.dumps(chunk).encode())
    return out


def backend_pids(url: str) -> list[int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            q = "SELECT pid FROM pg_stat_activity WHERE application_name = :a"
            return list(conn.execute(sa.text(q), {"a": _APP}).scalars())
    finally:
        engine.dispose()


def backends_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:  # a backend that ended: its CPU is lost to the figure
            continue
    return total


def post_all(base: str, token: str, work: list[bytes], clients: int) -> int:
    """Post ``work`` from ``clients`` threads; the events acknowledged."""
    todo: queue.Queue[bytes] = queue.Queue()
    for body in work:
        todo.put(body)
    acked = [0]
    errors: list[str] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=300) as http:
            while True:
                try:
                    body = todo.get_nowait()
                except queue.Empty:
                    return
                res = http.post("/api/v1/events", content=body)
                with lock:
                    if res.status_code != 200:
                        errors.append(f"{res.status_code} {res.text[:200]}")
                        return
                    got = res.json()
                    acked[0] += got["accepted"] + got["duplicates"]

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"ingest failed: {errors[0]}")
    return acked[0]


def one_run(
    store: str, config: Path, tmp: Path, work: list[bytes], args: argparse.Namespace, src: str
) -> dict[str, float]:
    made: AbstractContextManager[str] = sqlite_url(tmp) if store == "sqlite" else postgres_url()
    with made as url:
        if store == "postgresql":
            named = sa.make_url(url).update_query_dict({"application_name": _APP})
            url = named.render_as_string(hide_password=False)
        token = admin_token(url)
        port = free_port()
        env = {**os.environ, "ACCORD_BACKGROUND": "true" if args.background else "false"}
        env.pop("PYTHONPATH", None)
        if src:
            env["PYTHONPATH"] = src
        cmd = [sys.executable, "-c", "from accord.cli.main import app; app()", "serve"]
        cmd += ["--port", str(port), "--database-url", url, "--config", str(config)]
        cmd += ["--log-level", "warning"]
        log = tmp / f"server-{store}-{time.monotonic_ns()}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=out, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"accord serve did not come up: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            post_all(base, token, work[: args.warmup], args.clients)
            pids = backend_pids(url) if store == "postgresql" else []
            cpu0, db0, load0 = cpu_seconds(proc.pid), backends_cpu(pids), os.getloadavg()[0]
            acked = post_all(base, token, work[args.warmup :], args.clients)
            if args.background:  # the server's share of the recompute's passes too
                drain(base, token)
            cpu1, db1, load1 = cpu_seconds(proc.pid), backends_cpu(pids), os.getloadavg()[0]
            read = probe_reads(base, token, args.reads, proc.pid) if args.reads else float("nan")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {
        "events": acked,
        "server": (cpu1 - cpu0) / acked * 1e6,
        "database": (db1 - db0) / acked * 1e6 if pids else float("nan"),
        "read": read,
        "load0": load0,
        "load1": load1,
    }


def drain(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=300) as http:
        while pending(http) > 0:
            time.sleep(0.5)


def probe_reads(base: str, token: str, n: int, pid: int) -> float:
    """CPU µs of the server per ``GET /api/v1/at-risk?assignee=<one with no ticket>&limit=1``:
    the read the sustained bench's probes repeat every 0.1 s until their ticket is listed."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=300) as http:
        cpu0 = cpu_seconds(pid)
        for i in range(n):
            params = {"assignee": f"probe-bench-{i:05d}", "limit": "1"}
            res = http.get("/api/v1/at-risk", params=params)
            if res.status_code != 200:
                raise SystemExit(f"at-risk read failed: {res.status_code} {res.text[:200]}")
        return (cpu_seconds(pid) - cpu0) / n * 1e6


def runs(args: argparse.Namespace) -> Iterator[tuple[int, str, str]]:
    for r in range(1, args.rounds + 1):
        for store in args.stores.split(","):
            if args.before:
                yield r, store, args.before
            yield r, store, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--batches", type=int, default=200, help="counted batches")
    parser.add_argument("--warmup", type=int, default=20, help="batches not counted")
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--background",
        action="store_true",
        help="keep the recompute (in its process) and count the server's share of it: the "
        "records view's refresh after each pass; the /metrics reads of the drain count too",
    )
    parser.add_argument(
        "--reads", type=int, default=0, help="then time this many probe reads of at-risk"
    )
    parser.add_argument("--before", default="", help="src of the code before (A/B)")
    args = parser.parse_args()
    work = bodies(args.warmup + args.batches, args.batch)
    got: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        config = copy_demo_config(tmp / "config", alerts=False)
        for r, store, src in runs(args):
            res = one_run(store, config, tmp, work, args, src)
            code = "before" if src else "this code"
            got.setdefault((store, code), []).append(res["server"])
            print(
                f"round {r} {store:10s} {code:9s} events {res['events']:,}: server "
                f"{res['server']:.1f} µs/event, database {res['database']:.1f} µs/event "
                f"(load {res['load0']:.2f} → {res['load1']:.2f})"
                + (f"; at-risk probe read {res['read']:,.0f} µs" if args.reads else ""),
                flush=True,
            )
    for (store, code), values in got.items():
        shown = ", ".join(f"{v:.1f}" for v in values)
        print(f"{store:10s} {code:9s} server median {median(values):.1f} µs/event ({shown})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
