"""Two jobs against one (issue 21, goal 5): ``accord sla … -f parquet -o FILE --jobs N``.

    .venv/bin/python bench/bench_threads.py --log /tmp/events.parquet --jobs 1,2 --repeat 3

Each run is a fresh process that imports Accord first (untimed: start-up is goal 4's, see
bench_startup.py) and then runs the command in-process (``accord.cli.main.app``), as the
console script does (``process_ends``: pandas refused, the free heap left to the process's
end): the Parquet log read and validated, the records computed and written a partition at a
time. The jobs are
interleaved round by round, so that the host's load moves them alike.

Measured per run: wall time, the process's CPU time (``getrusage``), and the CPU time of each
of its threads (``/proc/self/task/*/schedstat``, the scheduler's nanoseconds, snapshot every
20 ms by a thread of the process that does not count itself). From those snapshots, the
*CPU-bound span*: over each 20 ms, the work done could not take less than ``max(its CPU time
/ 2 cores, its busiest thread's CPU time)``; summed, about what the run would take with the
two cores to itself (a stage that runs on one thread counts whole; one job uses Arrow's
decoding threads too). The ratio of two spans is the speed-up the threads show in CPU-bound
conditions; on a busy host a thread kept off its core by others lowers the parallel work of
its intervals, so the span ratio there is an underestimate.
The wall ratio is printed beside it with the load average: on a busy host the scheduler
shares the cores between threads, so a process of two busy threads gets about twice the
share of a process of one, and the wall ratio shows what the threads achieve against that
load.

The log is ``bench/gen_events.py``'s (seeded) unless ``--log`` names one (written with
``pyarrow.parquet.write_table``: row groups of 1,048,576 rows).
"""

from __future__ import annotations

import argparse
import itertools
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


def thread_cpu() -> dict[int, int]:
    """CPU nanoseconds of every thread of this process so far, by thread id (the scheduler's
    own count, ``/proc/self/task/*/schedstat``)."""
    out: dict[int, int] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                out[int(tid)] = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


def _span(samples: list[dict[int, int]], cores: int) -> tuple[float, list[float]]:
    """The CPU-bound span of a run (seconds) and each thread's CPU seconds, from snapshots of
    every thread's CPU time: over each interval between two snapshots, the work done could
    not have taken less than ``max(its CPU time / cores, its busiest thread's)``; the span is
    the sum of those. A thread that waited on another (a stage of one thread) counts whole;
    a thread that the host's load kept off its core lowers the interval's parallel work, so
    on a busy host the span is longer than on a free one (the speed-up it gives is low)."""
    span = 0.0
    total: dict[int, int] = {}
    for a, b in itertools.pairwise(samples):
        deltas = [max(0, v - a.get(tid, 0)) for tid, v in b.items()]
        for tid, v in b.items():
            total[tid] = total.get(tid, 0) + max(0, v - a.get(tid, 0))
        if deltas:
            span += max(sum(deltas) / cores, max(deltas))
    threads = sorted((v / 1e9 for v in total.values() if v >= 10_000_000), reverse=True)
    return span / 1e9, threads


def _child(log: str, jobs: int) -> dict[str, Any]:
    """In a fresh process: the command once, measured (see the module docstring)."""
    import resource

    # what the command imports lazily, imported before the clock starts
    import accord.core.engine.batch.stream
    import accord.io.columnar
    import accord.io.records_out  # noqa: F401
    from accord.cli import main as cli_main
    from accord.cli.main import app

    # as the ``accord`` console script runs it: the process ends after the command (pandas
    # refused, as on a base install; the free heap left to the process's end)
    cli_main.process_ends = True

    samples: list[dict[int, int]] = []
    stop = threading.Event()

    def sample() -> None:
        me = threading.get_native_id()
        while not stop.is_set():
            got = thread_cpu()
            got.pop(me, None)
            samples.append(got)
            time.sleep(0.02)

    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "records.parquet")
        command = ["sla", log, "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "parquet",
                   "-o", out, "--quiet", "--jobs", str(jobs)]  # fmt: skip
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        try:
            app(command, standalone_mode=False)
        except SystemExit as e:
            if e.code:
                raise
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        stop.set()
        sampler.join()
    span, threads = _span(samples, 2)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "span_s": span,
        "threads_cpu_s": [round(t, 2) for t in threads],
        "load": os.getloadavg()[0],
    }


def _run(log: str, jobs: int, src: str | None = None) -> dict[str, Any]:
    # ``src``: another source tree's accord imported instead of this one's (``--before``)
    env = dict(os.environ, PYTHONPATH=src) if src else None
    got = subprocess.run(
        [sys.executable, __file__, "--child", log, str(jobs)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    result: dict[str, Any] = json.loads(got.stdout.strip().splitlines()[-1])
    return result


def _label(j: Any) -> str:
    return f"{j[0]} before" if isinstance(j, tuple) else str(j)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", help="a Parquet event log (else one is generated)")
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--before",
        metavar="SRC",
        help="also run the command with the accord package of this source directory (for "
        "instance the previous commit's src/, from git archive), interleaved: 'before' rows",
    )
    ap.add_argument("--child", nargs=2, metavar=("LOG", "JOBS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]))))
        return
    jobs: list[Any] = [int(j) for j in args.jobs.split(",")]
    if args.before:
        # (jobs, "before"): the same command with the other tree's accord
        jobs = [x for j in jobs for x in ((j, "before"), j)]
    with tempfile.TemporaryDirectory() as tmp:
        log = args.log
        if log is None:
            import pyarrow.parquet as pq

            sys.path.insert(0, str(HERE))
            from gen_events import generate

            log = str(Path(tmp) / "events.parquet")
            pq.write_table(generate(args.events, seed=args.seed).table, log)
        import pyarrow.parquet as pq

        n = pq.ParquetFile(log).metadata.num_rows
        groups = pq.ParquetFile(log).metadata.num_row_groups
        print(f"log {log}: {n:,} rows in {groups} row groups; load {os.getloadavg()}")
        runs: dict[Any, list[dict[str, Any]]] = {j: [] for j in jobs}
        for r in range(args.repeat):
            for j in jobs:
                got = _run(log, j[0], args.before) if isinstance(j, tuple) else _run(log, j)
                runs[j].append(got)
                print(f"  round {r + 1}, jobs {_label(j)}: {json.dumps(got)}", flush=True)
    med: dict[Any, dict[str, float]] = {}
    for j in jobs:
        med[j] = {
            "wall_s": statistics.median(x["wall_s"] for x in runs[j]),
            "cpu_s": statistics.median(x["cpu_s"] for x in runs[j]),
            "span_s": statistics.median(x["span_s"] for x in runs[j]),
        }
        print(
            f"jobs {_label(j)}: wall {med[j]['wall_s']:.2f} s, CPU {med[j]['cpu_s']:.2f} s, "
            f"CPU-bound span {med[j]['span_s']:.2f} s (medians of {args.repeat})"
        )

    def against(j: Any, first: Any) -> None:
        one = med[first]
        print(
            f"jobs {_label(j)} against {_label(first)}: "
            f"wall {one['wall_s'] / med[j]['wall_s']:.2f}x, "
            f"CPU-bound span {one['span_s'] / med[j]['span_s']:.2f}x "
            f"(CPU time {med[j]['cpu_s'] / one['cpu_s']:.2f}x of the other's)"
        )

    now = [j for j in jobs if not isinstance(j, tuple)]
    for j in now[1:]:
        against(j, now[0])
    before = [j for j in jobs if isinstance(j, tuple)]
    for j in before[1:]:
        against(j, before[0])
    for j in before:
        against(j[0], j)
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
