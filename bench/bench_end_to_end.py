"""End to end: a Parquet event log to metric records, batch engine against the reference.

    .venv/bin/python bench/bench_end_to_end.py                 # 10,000,000 events
    .venv/bin/python bench/bench_end_to_end.py --events 1000000
    .venv/bin/python bench/bench_end_to_end.py --part anchors --events 1000000

Two parts (``--part``, both by default), each written to its own section of
docs/performance.md with ``--doc``:

``demo``: the demo's configuration on the batch and reference engines (below);
``anchors``: the simple case of issue 21 (``bench/simple_config``, a log of
``gen_events.generate_simple`` across New York's DST change) against what a user would
write instead (``bench/anchors``): Accord, a DuckDB SQL query in the dbt_zendesk style
(``SET threads=1``) and a pandas/numpy version, each Parquet → per-ticket result in a fresh
process pinned to one CPU, medians of ``--repeat`` interleaved runs after one untimed run
of each; the anchors' answers checked equal to Accord's records for every ticket and metric
(the run stops if not); Accord's time per event by stage (the stage marks of
``accord.core.engine.batch.stages``) beside each stage's floor (``bench/anchors/floors.py``,
measured in Accord's process after its run); and ``accord sla … -f parquet -o`` against the DuckDB
query run as a script, each a whole process on one CPU, start-up included, on
``--process-events`` events (1,000,000 by default), medians of 3 interleaved runs.

The ``demo`` part:

Seeded (``--seed``). Builds the log with the vectorised generator (``bench/gen_events.py``:
the demo's customers, policies and three calendars), writes it as Parquet, then measures in
separate processes, each timing Parquet → records:

- the batch engine on one core (the process pinned to one CPU, pyarrow on one thread):
  ``accord.io.columnar.read_columnar`` then ``compute_batch(jobs=1)``, inside one
  ``engine_memory()`` block as ``accord sla`` holds it;
- the batch engine on two cores: the same with ``jobs=2``;
- (each of these two once untimed, then ``--repeat`` times, 3 by default, back to back; the
  median run is reported with every run's rate: on a virtual machine whose host takes freed
  memory back, a run straight after another kind of work pays for touching that memory
  again, and single runs vary by a tenth)
- the reference engine (row reader + ``accord.core.engine.compute``) on a sample of tickets,
  whose time per event is *extrapolated* to the whole log (it would take hours).

Peak memory is the largest proportional set size (PSS: resident memory, pages shared between
processes, such as the libraries, split between them) of the measuring process and its
spawned workers together. It is sampled by this (orchestrating) process, not by the measured
one: reading the PSS of a process of a few GiB takes tens of milliseconds, so a sampler
inside the measured process, pinned to its one CPU, would take that time from the run. The
sampler stays off the measured CPU of the one-core run and waits at least ten times as long
as a sample took (at least 20 ms) between samples. The ratios printed are measured in the
same run. ``--doc`` (or ``--write-doc``) writes the figures into the "End to end" section of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO_CONFIG = ROOT / "src" / "accord" / "demo" / "config"
AS_OF = 1_782_842_400  # 2026-06-30T18:00:00Z, the end of the generated log


# ------------------------------------------------------------------ measuring one run


def _memory_tree(pid: int) -> int:
    """Proportional set size (bytes) of a process and all its descendants: pages shared
    between them are counted once, split between them."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _cpu() -> tuple[float, float]:
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + kids.ru_utime, me.ru_stime + kids.ru_stime


def _child(mode: str, path: str, jobs: int, rest: list[str]) -> None:
    """Runs in a fresh process: time Parquet → records and print JSON figures."""
    if jobs == 1:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if mode.startswith("simple-"):
        import pyarrow as pa

        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
        from anchors.runs import child

        print(json.dumps(child(mode, path, int(rest[0]), rest[1])))
        return
    sample = rest[0] if rest else None
    import pyarrow as pa

    pa.set_cpu_count(max(1, jobs))
    pa.set_io_thread_count(max(1, jobs))
    from accord.core.config.loader import load_config

    cfg = load_config(DEMO_CONFIG)
    out: dict[str, Any] = {}
    if mode == "batch":
        from accord.core.engine.batch import compute_batch
        from accord.core.engine.batch._jit import warm
        from accord.core.engine.batch.memory import engine_memory
        from accord.io.columnar import read_columnar

        warm()  # the kernels loaded (and numba set up) before the clock starts, as before
        # as `accord sla` does: one allocation regime over reading and computing
        with engine_memory():
            u0 = _cpu()
            t0 = time.perf_counter()
            read = read_columnar([path], status_category=cfg.status_category)
            t1 = time.perf_counter()
            records = compute_batch(read.events, cfg, AS_OF, jobs=jobs)
            t2 = time.perf_counter()
            u1 = _cpu()
        out = {
            "events": read.events.num_rows,
            "rows": read.rows,
            "slow_rows": read.slow_rows,
            "quarantined": len(read.quarantined),
            "records": records.num_rows,
            "read_s": t1 - t0,
            "compute_s": t2 - t1,
            "total_s": t2 - t0,
            # CPU time of this process (and of workers that have ended): user, system
            "user_s": u1[0] - u0[0],
            "sys_s": u1[1] - u0[1],
        }
    else:
        from accord.core.engine import compute
        from accord.io.readers import read_events

        t0 = time.perf_counter()
        rows = read_events(path, status_category=cfg.status_category)
        t1 = time.perf_counter()
        records = compute(rows.events, cfg, AS_OF)
        t2 = time.perf_counter()
        out = {
            "events": len(rows.events),
            "records": len(records),
            "read_s": t1 - t0,
            "compute_s": t2 - t1,
            "total_s": t2 - t0,
        }
        if sample:
            from accord.core.engine.batch import compute_partition, records_from_table
            from accord.io.columnar import read_columnar

            got = records_from_table(
                compute_partition(
                    read_columnar([path], status_category=cfg.status_category).events,
                    cfg,
                    AS_OF,
                )
            )
            out["batch_equals_reference"] = got == records
    print(json.dumps(out))


def _run(
    mode: str, path: Path, jobs: int, extra: Sequence[str] = (), sample: bool = False
) -> dict[str, Any]:
    env = dict(os.environ, POLARS_MAX_THREADS=str(jobs), OMP_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--child", mode, str(path), str(jobs), *extra]
    if sample:
        cmd.append("sample")
    cpus = sorted(os.sched_getaffinity(0))
    # the one-core child pins itself to the first CPU: sample from the others
    if jobs == 1 and len(cpus) > 1:
        os.sched_setaffinity(0, set(cpus[1:]))
    peak = 0
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            child = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
            while child.poll() is None:
                t = time.perf_counter()
                peak = max(peak, _memory_tree(child.pid))
                time.sleep(max(0.02, 10 * (time.perf_counter() - t)))
            out.seek(0)
            err.seek(0)
            if child.returncode:
                sys.stderr.write(err.read().decode(errors="replace"))
                raise subprocess.CalledProcessError(child.returncode, cmd)
            text = out.read().decode()
    finally:
        os.sched_setaffinity(0, set(cpus))
    figures: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    figures["peak_rss"] = peak
    return figures


# ------------------------------------------------------------------ the machine


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median total time (of an even number, the slower middle one); its peak
    memory is the largest of all the runs."""
    ranked = sorted(runs, key=lambda r: r["total_s"])
    out = dict(ranked[len(ranked) // 2])
    out["peak_rss"] = max(r["peak_rss"] for r in runs)
    return out


def _rates(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['events'] / r['total_s']:,.0f}" for r in runs)


def _cpu_times(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['user_s']:.1f} + {r['sys_s']:.1f} s" for r in runs)


def _machine() -> dict[str, str]:
    import numpy
    import pyarrow

    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 2**20:.1f} GiB",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pyarrow": pyarrow.__version__,
    }


# ------------------------------------------------------------------ main


def _gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample-tickets", type=int, default=3000)
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs of each batch measurement (after one untimed); the median is kept",
    )
    ap.add_argument(
        "--doc",
        "--write-doc",
        dest="doc",
        action="store_true",
        help="write the figures to docs/performance.md",
    )
    ap.add_argument(
        "--part", choices=("all", "demo", "anchors"), default="all", help="what to measure"
    )
    ap.add_argument(
        "--process-events",
        type=int,
        default=1_000_000,
        help="events of the whole-process runs of the anchors part (0: none)",
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, path, jobs, *rest = args.child
        _child(mode, path, int(jobs), rest)
        return 0

    sys.path.insert(0, str(HERE))
    if args.part in ("all", "anchors"):
        _anchors_part(args)
    if args.part == "anchors":
        return 0
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from gen_events import generate

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        log = generate(args.events, seed=args.seed)
        full = Path(tmp) / "events.parquet"
        pq.write_table(log.table, full)
        gen_s = time.perf_counter() - t0
        n_events = log.table.num_rows
        # the reference's sample: whole tickets, every k-th ticket id
        ids = pc.cast(log.table.column("ticket_id"), pa.int64()).to_numpy()
        step = max(1, log.tickets // args.sample_tickets)
        sample_tbl = log.table.filter(pa.array(ids % step == 0))
        sample = Path(tmp) / "sample.parquet"
        pq.write_table(sample_tbl, sample)
        del log, sample_tbl, ids
        print(f"log: {n_events:,} events, generated and written in {gen_s:.1f} s", flush=True)

        runs1, runs2 = [], []
        for jobs, runs in ((1, runs1), (2, runs2)):
            # one untimed run first (the file in the page cache, the previous
            # measurement's memory settled), then the timed ones, back to back
            _run("batch", full, jobs)
            for _ in range(args.repeat):
                runs.append(_run("batch", full, jobs))
                print(f"batch, {jobs} core(s): {runs[-1]}", flush=True)
        b1, b2 = _median(runs1), _median(runs2)
        ref = _run("reference", sample, 1, sample=True)
        print(f"reference (sample): {ref}", flush=True)
        bs = _run("batch", sample, 1)

    ref_rate = ref["events"] / ref["total_s"]
    r1 = b1["events"] / b1["total_s"]
    r2 = b2["events"] / b2["total_s"]
    ref_total = n_events / ref_rate
    lines = [
        f"- log: {n_events:,} events ({b1['records']:,} records), seed {args.seed}; "
        f"{b1['slow_rows']:,} rows took the row validator",
        f"- batch engine, 1 core, median of {len(runs1)} runs: {b1['total_s']:.1f} s "
        f"({b1['read_s']:.1f} s reading, {b1['compute_s']:.1f} s computing) = "
        f"**{r1:,.0f} events/s** (runs: {_rates(runs1)}), peak {_gib(b1['peak_rss'])}",
        "- CPU time of each 1-core run, user + system (the host's load moves the first, and "
        f"fresh pages cost the second): {_cpu_times(runs1)}",
        f"- batch engine, 2 cores (`jobs=2`), median of {len(runs2)} runs: "
        f"{b2['total_s']:.1f} s ({b2['read_s']:.1f} s reading, {b2['compute_s']:.1f} s "
        f"computing) = **{r2:,.0f} events/s** (runs: {_rates(runs2)}), "
        f"peak {_gib(b2['peak_rss'])} (all processes)",
        f"- reference engine: {ref['events']:,} events of whole tickets in "
        f"{ref['total_s']:.1f} s = {ref_rate:,.0f} events/s; **extrapolated** to the whole log: "
        f"{ref_total / 3600:.1f} h",
        f"- on the same sample the batch engine took {bs['total_s']:.2f} s "
        f"({bs['events'] / bs['total_s']:,.0f} events/s) and gave equal records: "
        f"{ref.get('batch_equals_reference')}",
        f"- ratios: batch 1 core / reference = **{r1 / ref_rate:,.0f}×**; "
        f"2 cores / 1 core = {r2 / r1:.2f}×",
    ]
    goals = [
        f"- goal ≥ 1,000,000 events/s per core: {'met' if r1 >= 1e6 else 'NOT met'} ({r1:,.0f})",
        f"- goal ≥ 50× the reference: {'met' if r1 / ref_rate >= 50 else 'NOT met'} "
        f"({r1 / ref_rate:,.0f}×)",
        f"- goal peak memory < 4 GiB: "
        f"{'met' if max(b1['peak_rss'], b2['peak_rss']) < 4 * 2**30 else 'NOT met'} "
        f"({_gib(max(b1['peak_rss'], b2['peak_rss']))})",
    ]
    m = _machine()
    machine = (
        f"- machine: {m['nproc']} cores ({m['cpu']}), {m['ram']} RAM; Python {m['python']}, "
        f"numpy {m['numpy']}, pyarrow {m['pyarrow']}"
    )
    command = (
        f"`.venv/bin/python bench/bench_end_to_end.py --events {args.events} "
        f"--repeat {args.repeat}`"
    )
    report = "\n".join([*lines, *goals, machine, f"- command: {command}"])
    print("\n" + report)
    if args.doc:
        _write_doc(report)
    del np
    return 0


ANCHORS_HEAD = "## End to end: against hand-written anchors"


def _anchors_part(args: argparse.Namespace) -> None:
    from anchors.report import NOTES, measure

    with tempfile.TemporaryDirectory() as tmp:
        lines = measure(_run, args.events, args.seed, args.repeat, Path(tmp), args.process_events)
    m = _machine()
    lines.append(
        f"- machine: {m['nproc']} cores ({m['cpu']}), {m['ram']} RAM; Python {m['python']}, "
        f"numpy {m['numpy']}, pyarrow {m['pyarrow']}, duckdb {_version('duckdb')}, "
        f"pandas {_version('pandas')}"
    )
    lines.append(
        f"- command: `.venv/bin/python bench/bench_end_to_end.py --part anchors --events "
        f"{args.events} --repeat {args.repeat} --process-events {args.process_events}`"
    )
    report = "\n".join(lines)
    print("\n" + report, flush=True)
    if args.doc:
        _write_section(
            ANCHORS_HEAD,
            "(written by `bench/bench_end_to_end.py --part anchors`: the simple case of issue "
            "21, which a SQL query or a pandas script can also express, against Accord)",
            f"{report}\n\n{NOTES}",
            after="## End to end: events to metric records",
        )


def _version(module: str) -> str:
    from importlib.metadata import version

    return version(module)


# How the engine splits the work, written under the figures (keep it true to the code in
# src/accord/core/engine/batch/parallel.py and src/accord/io/columnar.py).
DESIGN = """\
How the work is split: the parent reads the whole file, memory-mapped, in batches of about a
million rows (Parquet dictionary pages kept as dictionary codes, ticket ids included) and
validates it a batch at a time, so that each vectorised check runs over arrays that stay in the
caches; duplicate `event_id`s are found by hashing the ids straight from the Arrow buffers. It
keeps only the columns the kernel reads and cuts the tickets into partitions of about 500,000
events (by range of `ticket_id`: the ids are sorted once and re-coded by rank, and a counting
sort by rank gives every row its place, grouped by ticket in file order). Each column is then
regrouped in one sequential pass (dictionary columns decoded on the way to codes over one
dictionary per column, one byte a code where the dictionary has fewer than 128 values), so that
a partition is a zero-copy slice, the kernel starts from codes already decoded, and its events
need only an insertion sort within each ticket (linear on a log in about time order) rather than
a sort of the whole partition. With `jobs` > 1, `jobs` - 1 `spawn`ed workers are started first,
so that their imports overlap the regrouping (which then runs on `jobs` threads), and the parent
computes partitions too. Each worker always has one partition running and one queued, each
written just before as an uncompressed Arrow IPC file in shared memory (`/dev/shm`) that the
worker memory-maps; the worker writes the records to a file of its own there, which the parent
maps in turn: nothing is pickled, compressed or copied through a pipe, and the files are removed
at the end, also on errors. The workers are spawned, not forked: a fork of a process whose
pyarrow / polars thread pools have run can deadlock. For the length of a run (`engine_memory()`,
which `accord sla` holds over reading and computing) Arrow allocates from jemalloc (its default,
mimalloc, hands freed pages back at once, so every new slice faulted its pages in again),
glibc's malloc keeps freed memory for the next arrays instead of unmapping it, numpy asks for no
transparent huge pages (with synchronous defrag, each cost a compaction: about 1 s of system
time out of 10). A fresh page still costs a fault and a zeroing: about 1.3–2 s of system time
per run here, for a peak of about 3 GiB.

Inside the kernel, the steps that are sequential within a ticket are compiled loops (numba,
cached on disk, loaded when the engine is imported): the forward fills of field values and
statuses, the cycle rule of every metric's clock (one pass over the sorted events per metric,
which also counts the running and paused business seconds), the search for the instant a
cycle reached its target or a warning threshold, the look-ups of small tables by narrow codes
(numpy first widens the codes to int64), and the whole warnings column, written straight into
its buffers with each instant's ISO text. Everything
else stays whole-array numpy / Arrow work, and calendar look-ups stay the vectorised array
look-ups of the compiled calendars.
"""


def _write_doc(report: str) -> None:
    _write_section(
        "## End to end: events to metric records",
        "(written by `bench/bench_end_to_end.py`: Parquet → records, seeded; the "
        "reference's figure is extrapolated from a sample of whole tickets)",
        f"{report}\n\n{DESIGN}",
    )


def _write_section(head: str, intro: str, body: str, after: str | None = None) -> None:
    """Replace the section ``head`` of docs/performance.md (up to the next ``## ``) with
    ``intro`` and ``body``; a missing section goes just before the section that follows
    ``after``."""
    doc = ROOT / "docs" / "performance.md"
    text = doc.read_text()
    new = f"{head}\n\n{intro}\n\n{body.rstrip()}\n\n"

    def next_section(at: int) -> int:
        m = re.search(r"^## ", text[at:], flags=re.M)
        return at + m.start() if m else len(text)

    if head in text:
        start = text.index(head)
        end = next_section(start + len(head))
    else:
        assert after is not None
        start = end = next_section(text.index(after) + len(after))
    doc.write_text(text[:start] + new + text[end:])


if __name__ == "__main__":
    raise SystemExit(main())
