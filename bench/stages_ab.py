"""Two versions of the engine, Parquet → records on one CPU, interleaved: where each one's CPU
time goes, stage by stage, on the same file.

    git archive <commit> src | tar -x -C /tmp/old      # the version to compare against
    .venv/bin/python bench/stages_ab.py --old /tmp/old/src --events 10000000 --runs 3

The log is the simple case's (``gen_events.generate_simple``, seed 7; ``--file`` reuses a
Parquet log instead). Each run is a fresh process pinned to one CPU (pyarrow on one
thread), the kernels loaded before the clock starts, that times ``read_columnar`` then
``compute_batch(jobs=1)`` inside ``engine_memory()`` and reports the user and system CPU
time of each stage (the stage marks of ``accord.core.engine.batch.stages``). The old and the
new version alternate, one untimed run of each first (numba compiles the old copy's kernels
into its own cache then). On a shared host single runs of one program vary by more than a
small change: the two versions interleaved on one file is what shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "simple_config"


def _child(path: str) -> None:
    import resource
    import time

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    from accord.core.config.loader import load_config
    from accord.core.engine.batch import compute_batch
    from accord.core.engine.batch._jit import warm
    from accord.core.engine.batch.memory import engine_memory
    from accord.core.engine.batch.stages import listening
    from accord.io.columnar import read_columnar
    from gen_events import SIMPLE_END

    cfg = load_config(CONFIG)
    warm()
    stages: dict[str, list[float]] = {}

    def usage() -> tuple[float, float]:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime, r.ru_stime

    last = [usage()]

    def hear(stage: str) -> None:
        now = usage()
        got = stages.setdefault(stage, [0.0, 0.0])
        got[0] += now[0] - last[0][0]
        got[1] += now[1] - last[0][1]
        last[0] = now

    t0 = time.perf_counter()
    with engine_memory(), listening(hear):
        last[0] = usage()
        read = read_columnar([path], status_category=cfg.status_category)
        records = compute_batch(read.events, cfg, SIMPLE_END, jobs=1)
    out = {
        "events": read.events.num_rows,
        "records": records.num_rows,
        "wall_s": time.perf_counter() - t0,
        "stages": stages,
        "engine": str(Path(sys.modules["accord"].__file__ or "").parent),
    }
    print(json.dumps(out))


def _run(path: Path, src: str | None) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS="1", POLARS_MAX_THREADS="1")
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [sys.executable, __file__, "--child", str(path)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    got: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return got


def _per_event(run: dict[str, Any]) -> dict[str, float]:
    n = run["events"]
    return {k: (u + s) * 1e9 / n for k, (u, s) in run["stages"].items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", help="the src directory of the version to compare (required)")
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--file", help="a Parquet log of the simple case to use instead")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    if args.child:
        _child(args.child)
        return 0
    if not args.old:
        ap.error("--old is required")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.file) if args.file else Path(tmp) / "simple.parquet"
        if not args.file:
            import pyarrow.parquet as pq

            from gen_events import generate_simple

            pq.write_table(generate_simple(args.events, seed=7).table, path)
        load0 = os.getloadavg()
        versions = {"old": args.old, "new": None}
        for src in versions.values():
            _run(path, src)  # untimed
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in versions}
        for _ in range(args.runs):
            for name, src in versions.items():
                got = _run(path, src)
                runs[name].append(_per_event(got))
                total = sum(runs[name][-1].values())
                print(f"{name} ({got['engine']}): {total:,.0f} CPU-ns/event", flush=True)
        load1 = os.getloadavg()
    print(f"\nload average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end")
    print("CPU ns/event (user + system), medians of the runs: stage: old -> new")
    for stage in runs["new"][0]:
        old = statistics.median(r.get(stage, 0.0) for r in runs["old"])
        new = statistics.median(r[stage] for r in runs["new"])
        print(f"  {stage}: {old:,.0f} -> {new:,.0f}")
    totals = {k: [sum(r.values()) for r in v] for k, v in runs.items()}

    def said(k: str) -> str:
        each = ", ".join(f"{t:,.0f}" for t in totals[k])
        return f"{statistics.median(totals[k]):,.0f} (runs {each})"

    print(f"  total: {said('old')} -> {said('new')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
