"""Where ``accord sla --engine spark`` spends its CPU: per Spark job, and before the first.

    .venv/bin/python bench/profile_spark.py --dir /tmp/bench1m            # a log bench_spark built
    .venv/bin/python bench/profile_spark.py --dir /tmp/bench1m --python-profile 25

Runs ``accord sla FILES -c demo/config --as-of … --engine spark --spark-master local[2] -f
parquet -o DIR`` in this process, with Spark's event log on, while a thread samples every
0.2 s the CPU time (user + system, ``/proc``) of each process of the tree: this Python (the
driver), the JVM (driver and executors in one process on ``local[…]``) and the Python workers
(the reader's and the kernel's tasks). Each sample is attributed to the Spark job running at
its time (from the event log's job start and end), or to the gap before, between or after
jobs (the driver's own work: starting the JVM, planning, collecting).

Per job: the tasks' JVM CPU (``Executor CPU Time``, the task threads only), their run time
(wall, which includes waiting on the Python workers), shuffle bytes written, and the CPU each
kind of process gained in the job's window. ``--python-profile N`` also turns on Spark's UDF
profiler (``spark.sql.pyspark.udf.profiler=perf``: cProfile inside the ``mapInArrow``
functions) and prints the top ``N`` functions by cumulative time.
"""

from __future__ import annotations

import argparse
import glob
import io
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_spark import AS_OF, _children, _cpu  # noqa: E402

TICK = 0.2


@dataclass
class Samples:
    """CPU seconds by kind of process, sampled with their time (epoch seconds)."""

    at: list[float] = field(default_factory=list)
    cpu: list[dict[str, float]] = field(default_factory=list)
    peak: dict[int, float] = field(default_factory=dict)  # per process: a dead one keeps it
    kind: dict[int, str] = field(default_factory=dict)


def _kind(pid: int, me: int) -> str:
    if pid == me:
        return "driver"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return "other"
    return "jvm" if cmd.endswith("java") else "python"


def _sample(samples: Samples, stop: threading.Event) -> None:
    me = os.getpid()
    while not stop.is_set():
        for p in [me, *_children(me)]:
            if samples.kind.get(p) != "jvm":  # spark-submit's shell becomes the JVM (exec)
                samples.kind[p] = _kind(p, me)
            samples.peak[p] = max(samples.peak.get(p, 0.0), _cpu(p))
        by: dict[str, float] = {}
        for p, c in samples.peak.items():
            by[samples.kind[p]] = by.get(samples.kind[p], 0.0) + c
        samples.at.append(time.time())
        samples.cpu.append(by)
        stop.wait(TICK)


@dataclass
class Job:
    id: int
    start: float
    end: float = 0.0
    name: str = ""
    stages: list[int] = field(default_factory=list)
    tasks: int = 0
    jvm_task_cpu: float = 0.0  # s
    run_time: float = 0.0  # s
    shuffle_written: int = 0
    gc: float = 0.0
    by_kind: dict[str, float] = field(default_factory=dict)


def parse_log(path: str) -> list[Job]:
    jobs: dict[int, Job] = {}
    stage_job: dict[int, int] = {}
    with open(path) as f:
        for line in f:
            ev = json.loads(line)
            kind = ev["Event"]
            if kind == "SparkListenerJobStart":
                j = Job(ev["Job ID"], ev["Submission Time"] / 1000)
                infos = ev.get("Stage Infos", [])
                j.stages = [s["Stage ID"] for s in infos]
                names = [s["Stage Name"] for s in infos]
                props = ev.get("Properties") or {}
                j.name = props.get("callSite.short") or (names[-1] if names else "")
                for s in j.stages:
                    stage_job.setdefault(s, j.id)
                jobs[j.id] = j
            elif kind == "SparkListenerJobEnd":
                jobs[ev["Job ID"]].end = ev["Completion Time"] / 1000
            elif kind == "SparkListenerTaskEnd":
                m = ev.get("Task Metrics") or {}
                j = jobs[stage_job[ev["Stage ID"]]]
                j.tasks += 1
                j.jvm_task_cpu += m.get("Executor CPU Time", 0) / 1e9
                j.run_time += m.get("Executor Run Time", 0) / 1000
                j.gc += m.get("JVM GC Time", 0) / 1000
                w = m.get("Shuffle Write Metrics") or {}
                j.shuffle_written += w.get("Shuffle Bytes Written", 0)
    return sorted(jobs.values(), key=lambda j: j.start)


def _at(samples: Samples, t: float) -> dict[str, float]:
    """The cumulative CPU by kind at time ``t`` (the last sample at or before it)."""
    import bisect

    i = bisect.bisect_right(samples.at, t) - 1
    return samples.cpu[i] if i >= 0 else {}


def _delta(samples: Samples, t0: float, t1: float) -> dict[str, float]:
    a, b = _at(samples, t0), _at(samples, t1)
    return {k: b.get(k, 0.0) - a.get(k, 0.0) for k in ("driver", "jvm", "python")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, required=True, help="a log built by bench_spark.py")
    ap.add_argument("--python-profile", type=int, default=0)
    ap.add_argument("--conf", action="append", default=[], help="extra KEY=VALUE for Spark")
    args = ap.parse_args()
    files = sorted(str(f) for f in args.dir.glob("events-*.parquet"))
    config = str(HERE.parents[0] / "src" / "accord" / "demo" / "config")
    logs = tempfile.mkdtemp(prefix="accord-spark-eventlog-")
    out = tempfile.mkdtemp(prefix="accord-spark-profile-")
    conf = [
        "spark.eventLog.enabled=true",
        f"spark.eventLog.dir=file://{logs}",
        "spark.eventLog.compress=false",
        "spark.eventLog.rolling.enabled=false",
        *args.conf,
    ]
    if args.python_profile:
        conf.append("spark.sql.pyspark.udf.profiler=perf")
    os.environ["PYSPARK_SUBMIT_ARGS"] = " ".join(f"--conf {c}" for c in conf) + " pyspark-shell"
    samples = Samples()
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(samples, stop), daemon=True)
    t0 = time.time()
    sampler.start()
    from accord.cli.main import app

    cmd = [
        "sla", *files, "-c", config, "--as-of", AS_OF, "-f", "parquet", "--engine", "spark",
        "--spark-master", "local[2]", "-o", f"{out}/spark", "--quiet",
    ]  # fmt: skip
    try:
        app(cmd, standalone_mode=False)
    finally:
        t1 = time.time()
        time.sleep(2 * TICK)
        stop.set()
        sampler.join()
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    profile = ""
    if args.python_profile and spark is not None:
        buf = io.StringIO()
        with redirect_stdout(buf):
            spark.profile.show(type="perf")
        profile = buf.getvalue()
    if spark is not None:
        spark.stop()
    log = glob.glob(f"{logs}/*")
    jobs = parse_log(log[0])
    n = sum(_rows(f) for f in files)
    report(jobs, samples, t0, t1, n)
    if profile:
        print(_top(profile, args.python_profile))


def _rows(path: str) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def _top(text: str, n: int) -> str:
    """The first ``n`` lines of each profile Spark printed (they are sorted by cumulative)."""
    out: list[str] = []
    kept = 0
    for line in text.splitlines():
        if line.startswith("=") or "Profile of UDF" in line:
            kept = 0
        if kept < n + 8:
            out.append(line)
        kept += 1
    return "\n".join(out)


def report(jobs: list[Job], samples: Samples, t0: float, t1: float, n: int) -> None:
    fmt: Callable[[float], str] = lambda s: f"{s:7.2f}"  # noqa: E731
    total = _delta(samples, t0, t1 + TICK)
    rows: list[list[Any]] = []
    prev = t0
    gap: dict[str, float] = {"driver": 0.0, "jvm": 0.0, "python": 0.0}
    first = True
    for j in jobs:
        d = _delta(samples, prev, j.start)
        if first:
            rows.append(["(start: JVM, planning, listing)", "", "", "", "", "", *d.values(),
                         j.start - prev])  # fmt: skip
            first = False
        else:
            for k, v in d.items():
                gap[k] += v
        w = _delta(samples, j.start, j.end)
        rows.append([f"job {j.id}: {j.name}", j.tasks, fmt(j.jvm_task_cpu), fmt(j.run_time),
                     f"{j.shuffle_written / 2**20:.0f}", fmt(j.gc), *w.values(),
                     j.end - j.start])  # fmt: skip
        prev = j.end
    tail = _delta(samples, prev, t1 + TICK)
    for k, v in tail.items():
        gap[k] += v
    rows.append(["(between and after jobs)", "", "", "", "", "", *gap.values(), 0.0])
    head = ["job", "tasks", "task JVM CPU", "task run", "shuffle MiB", "GC", "driver CPU",
            "JVM CPU", "workers CPU", "wall"]  # fmt: skip
    print(f"{n:,} events; load average {os.getloadavg()}")
    print(" | ".join(head))
    for r in rows:
        cells = [r[0], str(r[1]), *(str(x) for x in r[2:6])]
        cells += [f"{x:.2f}" for x in r[6:9]] + [f"{r[9]:.1f}"]
        print(" | ".join(cells))
    cpu = sum(total.values())
    print(f"total CPU {cpu:.1f} s ({cpu / n * 1e6:.1f} µs/event): "
          + ", ".join(f"{k} {v:.1f} s" for k, v in total.items())
          + f"; wall {t1 - t0:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
