"""What a slow working-list read waited on: the reads of ``bench_dashboard.py --pages lists``
against a real ``accord serve`` with probes in it (``read_probe.py``), each slow read set beside
what the server process, its children and PostgreSQL did meanwhile.

Over a store kept by ``bench_dashboard.py --keep`` (its URL and configuration directory), the
server is started with the probes, the benchmark waits for its records view as
``bench_dashboard.py`` does, then reads every list ``--reads`` times after one warm-up, in the
same order. Meanwhile a sampler in this process reads, every 10 ms, the CPU time of each thread
of the server and of its child processes (``/proc/<pid>/task``, named by the probes) and of
each PostgreSQL process. For each read slower than twice its read's median (and 20 ms more),
it prints which of the ten it was, and in its time window: the server's garbage collections,
its interpreter-lock stalls, the statements run (by which thread, how long) and the CPU each
thread or process took. ``--no-probe`` runs the server without the probes (the sampler stays),
to check the probes do not make the slow reads; ``--settled`` waits for the KPI view's load
too (at 1,000,000 tickets it loads for minutes after the records view, beside the reads)::

    cd bench && ../.venv/bin/python bench_slow_reads.py --database-url URL --config DIR --reads 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench_dashboard import LIST_READS, _gauge, wait_view
from bench_service import admin_token, free_port

READS = ["/api/v1/at-risk?limit=50", "/api/v1/tickets?limit=50"] + [p[0] for _, p in LIST_READS]
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Sampler:
    """CPU seconds of each (process, thread) every ``every`` seconds, from ``/proc``."""

    root: int
    every: float = 0.01
    samples: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def pids(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                comm = Path(entry.path, "comm").read_text().strip()
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if comm == "postgres":
                out[int(entry.name)] = "pg"
            elif int(entry.name) == self.root or ppid == self.root:
                out[int(entry.name)] = "server" if int(entry.name) == self.root else "child"
        return out

    def read(self, pids: dict[int, str]) -> dict[str, float]:
        cpu: dict[str, float] = {}
        for pid, kind in pids.items():
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tasks:
                try:
                    stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                except OSError:
                    continue
                head, rest = stat.rsplit(")", 1)
                name = head.split("(", 1)[1]
                f = rest.split()
                key = f"{kind}:{name}" if kind != "pg" else f"pg:{pid}"
                cpu[key] = cpu.get(key, 0.0) + (int(f[11]) + int(f[12])) / TICK
        return cpu

    def run(self) -> None:
        pids = self.pids()
        last_scan = time.time()
        while not self._stop.is_set():
            if time.time() - last_scan > 1.0:  # new PostgreSQL backends, new children
                pids, last_scan = self.pids(), time.time()
            self.samples.append((time.time(), self.read(pids)))
            time.sleep(self.every)

    def cpu_between(self, t0: float, t1: float) -> dict[str, float]:
        before = next((s for at, s in reversed(self.samples) if at <= t0), {})
        after = next((s for at, s in self.samples if at >= t1), self.samples[-1][1])
        return {k: v - before.get(k, 0.0) for k, v in after.items() if v > before.get(k, 0.0)}


def probe_lines(path: Path) -> list[list[str]]:
    return [line.rstrip("\n").split("\t") for line in path.read_text().splitlines()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--reads", type=int, default=10)
    parser.add_argument("--no-probe", action="store_true", help="the server without the probes")
    parser.add_argument(
        "--settled",
        action="store_true",
        help="read once the KPI view is loaded too (no background load left beside the reads)",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="accord-slow-reads-"))
    probe_log = tmp / "probe.log"
    probe_log.touch()
    token = admin_token(args.database_url)
    port = free_port()
    setup = "" if args.no_probe else "import read_probe; read_probe.install(); "
    cmd = [
        sys.executable,
        "-c",
        setup + "from accord.cli.main import app; app()",
        *("serve", "--port", str(port), "--database-url", args.database_url),
        *("--config", str(args.config), "--log-level", "warning"),
    ]
    env = {**os.environ, "ACCORD_PROBE_LOG": str(probe_log)}
    with (tmp / "server.log").open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        started = time.time()
        view = wait_view(base, token)
        print(f"records view ready {view.ready_after:.1f} s after the server answered", flush=True)
        if args.settled:
            headers = {"Authorization": f"Bearer {token}"}
            while (
                _gauge(
                    httpx.get(f"{base}/metrics", headers=headers, timeout=120).text,
                    "accord_kpi_view_ready",
                )
                != 1
            ):
                time.sleep(5)
            print(
                f"KPI view ready {time.time() - started:.0f} s after the server answered",
                flush=True,
            )
        sampler = Sampler(proc.pid)
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        print(f"load average before the reads {os.getloadavg()}", flush=True)
        times: dict[str, list[tuple[float, float]]] = defaultdict(list)
        with httpx.Client(base_url=base, timeout=120) as http:
            http.post("/signin", data={"token": token})
            http.get("/api/v1/at-risk?limit=1")
            for path in READS:
                for round_ in range(args.reads + 1):
                    t0 = time.time()
                    if http.get(path).status_code != 200:
                        raise SystemExit(f"{path}: not 200")
                    if round_:
                        times[path].append((t0, time.time()))
        print(f"load average after the reads {os.getloadavg()}", flush=True)
        sampler._stop.set()
        thread.join()
    finally:
        proc.terminate()
        proc.wait(30)
    lines = probe_lines(probe_log)
    gcs = [(float(f[1]), float(f[2]), f[3], f[4], float(f[5])) for f in lines if f[0] == "gc"]
    print(f"server up {started - proc_start(lines, started):.0f} s before the view was ready")
    print(f"\n{'read':58s} {'p50':>7s} {'p99':>7s}  slow reads (which of {args.reads}: ms)")
    slow: list[tuple[str, int, float, float]] = []
    for path, spans in times.items():
        took = [t1 - t0 for t0, t1 in spans]
        med = statistics.median(took)
        bad = [(i, t0, t1) for i, (t0, t1) in enumerate(spans) if t1 - t0 > 2 * med + 0.02]
        ordered = sorted(took)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        marks = ", ".join(f"#{i + 1}: {1000 * (t1 - t0):.0f}" for i, t0, t1 in bad)
        print(f"{path:58s} {1000 * med:7.1f} {1000 * p99:7.1f}  {marks}")
        slow += [(path, i, t0, t1) for i, t0, t1 in bad]
    for path, i, t0, t1 in slow:
        print(f"\n== {path} read #{i + 1}: {1000 * (t1 - t0):.0f} ms")
        for at, took, gen, collected, cpu in gcs:
            if at < t1 and at + took > t0:
                print(
                    f"   gc generation {gen}: {1000 * took:.0f} ms, CPU {1000 * cpu:.0f} ms "
                    f"({collected} collected)"
                )
        for f in lines:
            if f[0] == "stall" and float(f[1]) < t1 and float(f[1]) + float(f[2]) > t0:
                print(f"   interpreter-lock stall {1000 * float(f[2]):.0f} ms")
            if f[0] == "sql" and float(f[1]) < t1 and float(f[1]) + float(f[2]) > t0:
                print(f"   sql {1000 * float(f[2]):6.1f} ms [{f[3]}] {f[4][:70]}")
        cpu = sorted(sampler.cpu_between(t0, t1).items(), key=lambda kv: -kv[1])[:6]
        print("   cpu: " + ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in cpu))
    spans = [span for per in times.values() for span in per]
    first, last = min(t0 for t0, _ in spans), max(t1 for _, t1 in spans)
    during = [g for g in gcs if first <= g[0] <= last]
    print(
        f"\ngarbage collections of 2 ms or more during the reads ({last - first:.0f} s): "
        f"{len(during)}"
    )
    by_gen: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for _, took, gen, _, cpu in during:
        by_gen[gen].append((took, cpu))
    for gen, got in sorted(by_gen.items()):
        walls, cpus = [w for w, _ in got], [c for _, c in got]
        print(
            f"   generation {gen}: {len(got)}; wall median {1000 * statistics.median(walls):.0f} "
            f"ms, max {1000 * max(walls):.0f} ms; CPU median {1000 * statistics.median(cpus):.0f}"
            f" ms, max {1000 * max(cpus):.0f} ms, total {sum(cpus):.2f} s"
        )
    print(f"(probe log: {probe_log})")
    return 0


def proc_start(lines: list[list[str]], default: float) -> float:
    return min((float(f[1]) for f in lines if f[0] in ("gc", "sql")), default=default)


if __name__ == "__main__":
    raise SystemExit(main())
