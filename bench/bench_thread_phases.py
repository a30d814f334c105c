"""Where the span of ``accord sla … -f parquet -o FILE --jobs N`` goes, phase by phase.

    .venv/bin/python bench/bench_thread_phases.py --log /tmp/events.parquet --jobs 1,2

A companion of ``bench_threads.py`` (goal 5 of issue 21), with its measure: one fresh
process per run, Accord imported first, the command run in-process as the console script
runs it, every thread's CPU time snapshot every 20 ms (``/proc/self/task/*/schedstat``), and
the *CPU-bound span*, the sum over the intervals of ``max(CPU time / 2, the busiest thread's
CPU time)``. Here each interval is also charged to the phase the main thread is in, from
the engine's stage marks (``accord.core.engine.batch.stages``) heard on the main thread, and
from two marks around each records table the main thread hands to the Parquet writer:

- ``validation``: from the start to the end of the reading: the configuration loaded, the
  row groups decoded and validated, the repeated ids found;
- ``regrouping``: the tickets cut into partitions and the columns regrouped;
- ``waiting``: the main thread waiting for a partition's records (and cutting the next
  partition);
- ``writing``: the main thread writing a partition's records (the pool threads computing the
  next ones meanwhile).

For each phase: the span, the CPU time of all threads and half of it; the span can be no
less than half the CPU time on 2 cores, so their difference is the time the phase leaves a
core idle (its serial part). Also each thread's CPU time, by name, and the main thread's CPU
time by stage. On a busy host a thread kept off its core lowers an interval's parallel work
(see bench_threads.py): compare phases within a run.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bench_threads import thread_cpu

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO_CONFIG = ROOT / "src" / "accord" / "demo" / "config"
AS_OF = "2026-06-30T18:00:00Z"


def _child(log: str, jobs: int) -> dict[str, Any]:
    import accord.core.engine.batch.stream
    import accord.io.columnar  # noqa: F401  (imported before the clock, as bench_threads.py)
    import accord.io.records_out as records_out
    from accord.cli import main as cli_main
    from accord.core.engine.batch import stages

    cli_main.process_ends = True  # as the console script runs it (see bench_threads.py)
    names: dict[int, str] = {}
    samples: list[tuple[float, dict[int, int]]] = []
    stop = threading.Event()

    def sample() -> None:
        me = threading.get_native_id()
        while not stop.is_set():
            for t in threading.enumerate():
                if t.native_id is not None:
                    names.setdefault(t.native_id, t.name)
            got = thread_cpu()
            got.pop(me, None)
            samples.append((time.perf_counter(), got))
            time.sleep(0.02)

    main = threading.get_ident()
    marks: list[tuple[float, str]] = []  # the main thread's: (when, phase ending there)
    by_stage: dict[str, float] = {}
    last = [time.thread_time()]

    def listen(stage: str) -> None:
        if threading.get_ident() != main:
            return
        now = time.thread_time()
        by_stage[stage] = by_stage.get(stage, 0.0) + now - last[0]
        last[0] = now
        phase = "validation" if stage in ("reading", "validation") else stage
        marks.append((time.perf_counter(), phase))

    writer = records_out.write_records_parquet

    def marked(tables: Iterable[Any], path: Any) -> int:
        def each() -> Iterator[Any]:
            for table in tables:
                stages.mark("waiting")
                yield table
                stages.mark("writing")

        return writer(each(), path)

    records_out.write_records_parquet = marked  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp, stages.listening(listen):
        out = str(Path(tmp) / "records.parquet")
        command = ["sla", log, "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "parquet",
                   "-o", out, "--quiet", "--jobs", str(jobs)]  # fmt: skip
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        last[0] = time.thread_time()
        try:
            cli_main.app(command, standalone_mode=False)
        except SystemExit as e:
            if e.code:
                raise
        stages.mark("end")
        stop.set()
        sampler.join()
    at = [t for t, _ in marks]
    phases: dict[str, dict[str, float]] = {}
    total: dict[int, int] = {}
    span = 0.0
    for (_ta, a), (tb, b) in itertools.pairwise(samples):
        deltas = [max(0, v - a.get(tid, 0)) / 1e9 for tid, v in b.items()]
        for tid, v in b.items():
            total[tid] = total.get(tid, 0) + max(0, v - a.get(tid, 0))
        if not deltas:
            continue
        k = bisect.bisect_left(at, tb)
        phase = marks[k][1] if k < len(marks) else "end"
        here = max(sum(deltas) / 2, max(deltas))
        span += here
        p = phases.setdefault(phase, {"span_s": 0.0, "cpu_s": 0.0})
        p["span_s"] += here
        p["cpu_s"] += sum(deltas)
    threads: dict[str, float] = {}
    for tid, v in total.items():
        name = names.get(tid, "arrow")
        # a pool's threads by the pool's name (accord-kernel_0 … : accord-kernel)
        key = name.rsplit("_", 1)[0] if "_" in name else name
        threads[key] = threads.get(key, 0.0) + v / 1e9
    return {
        "span_s": span,
        "phases": {k: {n: round(x, 3) for n, x in v.items()} for k, v in phases.items()},
        "threads_cpu_s": {k: round(v, 2) for k, v in sorted(threads.items()) if v >= 0.01},
        "main_by_stage_s": {k: round(v, 3) for k, v in by_stage.items() if v >= 0.005},
        "load": os.getloadavg()[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", help="a Parquet event log")
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--child", nargs=2, metavar=("LOG", "JOBS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]))))
        return
    if not args.log:
        ap.error("--log LOG is required")
    print(f"log {args.log}; load {os.getloadavg()}")
    for jobs in (int(j) for j in args.jobs.split(",")):
        got = subprocess.run(
            [sys.executable, __file__, "--child", args.log, str(jobs)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        r = json.loads(got.stdout.strip().splitlines()[-1])
        print(f"jobs {jobs}: span {r['span_s']:.2f} s (load {r['load']:.1f})")
        for phase, p in r["phases"].items():
            idle = p["span_s"] - p["cpu_s"] / 2
            print(
                f"  {phase:11s} span {p['span_s']:6.2f} s, CPU {p['cpu_s']:6.2f} s "
                f"(half {p['cpu_s'] / 2:6.2f} s): a core idle for {idle:5.2f} s"
            )
        print(f"  threads' CPU s: {r['threads_cpu_s']}")
        print(f"  main thread's CPU s by stage: {r['main_by_stage_s']}")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
