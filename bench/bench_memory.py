"""Where the memory of `accord sla … -f parquet -o FILE` goes (issue 21, goal 6), and its peak.

    .venv/bin/python bench/bench_memory.py                       # 10,000,000 events
    .venv/bin/python bench/bench_memory.py --log /tmp/events.parquet --jobs 1,2

Two measurements, each in a fresh process:

``profile``: the command run in-process (``accord.cli.main.app``), with a sampler thread that
reads the process's resident set (``/proc/self/statm``) and the bytes Arrow holds
(``pyarrow.total_allocated_bytes()``: tracemalloc does not see Arrow's or numpy's buffers)
every 5 ms, and a listener on the engine's stage marks (:mod:`accord.core.engine.batch.stages`);
each sample belongs to the stage whose mark ends it (after the last mark: ``writing``, the
records written to the file). Printed: the largest resident set and Arrow figure of each stage,
and the kernel's own high-water mark (``VmHWM``, exact even between samples).

``peak``: the plain command (``accord sla EVENTS -c demo/config -f parquet -o FILE --quiet
--jobs N``) as a user runs it; its peak is the largest resident set of the process and its
workers (``wait4``'s ``ru_maxrss``: the kernel's count, nothing sampled), with wall and CPU
time.

The log is ``bench/gen_events.py``'s (seeded), generated once, or ``--log`` to reuse one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO_CONFIG = ROOT / "src" / "accord" / "demo" / "config"
AS_OF = "2026-06-30T18:00:00Z"  # the end of the generated log
PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _command(log: str, out: str, jobs: int) -> list[str]:
    return ["sla", log, "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "parquet", "-o", out,
            "--quiet", "--jobs", str(jobs)]  # fmt: skip


def _profile(log: str, out: str, jobs: int) -> dict[str, Any]:
    """In this process: the command, sampled (see the module docstring)."""
    import pyarrow as pa

    from accord.cli.main import app
    from accord.core.engine.batch.stages import listening

    samples: list[tuple[float, int, int]] = []
    marks: list[tuple[float, str]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter(), _rss(), pa.total_allocated_bytes()))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    with listening(lambda stage: marks.append((time.perf_counter(), stage))):
        try:
            app(_command(log, out, jobs), standalone_mode=False)
        except SystemExit as e:
            if e.code:
                raise
    stop.set()
    sampler.join()
    stages: dict[str, dict[str, float]] = {}
    at = 0
    for t, rss, arrow in samples:
        while at < len(marks) and marks[at][0] < t:
            at += 1
        name = marks[at][1] if at < len(marks) else "writing"
        s = stages.setdefault(name, {"rss": 0, "arrow": 0, "samples": 0})
        s["rss"] = max(s["rss"], rss)
        s["arrow"] = max(s["arrow"], arrow)
        s["samples"] += 1
    return {"hwm": _hwm(), "wall_s": time.perf_counter() - t0, "stages": stages}


def _before(log: str, out: str, jobs: int) -> None:
    """In this process: what `accord sla … -f parquet -o` did before the stream (the whole
    records table, then its plain copy written; ``jobs`` > 1 on worker processes)."""
    import pyarrow.parquet as pq

    from accord.core.config.loader import load_config
    from accord.core.engine.batch import compute_batch, plain_records
    from accord.core.engine.batch.memory import engine_memory
    from accord.core.timeutil import parse_as_of
    from accord.io.columnar import read_columnar

    cfg = load_config(DEMO_CONFIG)
    with engine_memory():
        read = read_columnar([log], status_category=cfg.status_category)
        when = parse_as_of(AS_OF)
        table = compute_batch(read.events, cfg, when, jobs=jobs, agreements=True)
    pq.write_table(plain_records(table), out)


def _timed(cmd: list[str]) -> dict[str, Any]:
    """A command in a fresh process: wall, CPU and the kernel's peak resident set."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode})")
    # ru_maxrss (KiB): the child's, or the largest of its own waited-for workers
    return {
        "peak": usage.ru_maxrss * 1024,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def _gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--log", help="an event log (Parquet) to reuse instead of generating one")
    ap.add_argument("--jobs", default="1,2", help="the --jobs values to measure")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each plain command")
    ap.add_argument("--no-profile", action="store_true", help="only the plain commands")
    ap.add_argument("--no-before", action="store_true", help="not the previous path")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, log, out, jobs = args.child
        if kind == "before":
            _before(log, out, int(jobs))
        else:
            print(json.dumps(_profile(log, out, int(jobs))))
        return 0
    with tempfile.TemporaryDirectory(prefix="accord-mem-") as tmp:
        log = args.log
        if log is None:
            import pyarrow.parquet as pq

            sys.path.insert(0, str(HERE))
            from gen_events import generate

            log = os.path.join(tmp, "events.parquet")
            pq.write_table(generate(args.events, seed=args.seed).table, log)
        out = os.path.join(tmp, "records.parquet")
        print(f"log: {log}; load average {os.getloadavg()}", flush=True)
        jobs_list = [int(j) for j in args.jobs.split(",")]
        accord = str(Path(sys.executable).with_name("accord"))
        for jobs in jobs_list if not args.no_profile else ():
            cmd = [sys.executable, __file__, "--child", "profile", log, out, str(jobs)]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            prof = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"jobs={jobs} profile: VmHWM {_gib(prof['hwm'])}, {prof['wall_s']:.1f} s")
            for name, s in prof["stages"].items():
                print(
                    f"  {name:<11} rss {_gib(s['rss'])}, arrow {_gib(s['arrow'])} "
                    f"({s['samples']} samples)"
                )
        cases = {}
        for jobs in jobs_list:
            cases[f"accord sla --jobs {jobs} (threads)"] = [accord, *_command(log, out, jobs)]
            if not args.no_before:
                cases[f"before --jobs {jobs} (processes)"] = [
                    sys.executable, __file__, "--child", "before", log, out, str(jobs)
                ]  # fmt: skip
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in cases}
        names = list(cases)
        for r in range(args.repeat):
            # interleaved, each round starting elsewhere: load from outside slows all alike
            for name in names[r % len(names) :] + names[: r % len(names)]:
                got = _timed(cases[name])
                runs[name].append(got)
                print(
                    f"{name}: peak {_gib(got['peak'])}, {got['wall_s']:.1f} s wall, "
                    f"{got['cpu_s']:.1f} s CPU; load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        print("medians:")
        for name, got_runs in runs.items():
            wall = statistics.median(g["wall_s"] for g in got_runs)
            cpu = statistics.median(g["cpu_s"] for g in got_runs)
            peak = max(g["peak"] for g in got_runs)
            print(f"  {name}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {_gib(peak)}")
    print(f"load average at the end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
