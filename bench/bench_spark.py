"""Accord on Spark (``local[2]``) against the local batch engine on two processes, same log.

    .venv/bin/python bench/bench_spark.py                      # 10,000,000 events
    .venv/bin/python bench/bench_spark.py --events 100000000 --skip-local   # the larger log
    .venv/bin/python bench/bench_spark.py --dir DIR            # reuse the log built in DIR

The log is the vectorised generator's (``bench/gen_events.py``: the demo's customers, five
policies with versions on three calendars), built in slices of at most 10 million events
(each slice its own tickets) and written as Parquet files of ``--file-events`` events, the
shape of a data lake's table. Then, in child processes, the same command twice:

- ``accord sla FILES -c demo/config --as-of … --jobs 2 -f parquet -o local.parquet``;
- ``accord sla FILES -c demo/config --as-of … --engine spark --spark-master local[2]
  -f parquet -o spark/`` (records partitioned by metric and month).

Each run's wall time (events/s) is measured by this process, its CPU time (user + system of
every process of the tree, from ``/proc``: the figure that survives a machine shared with
other work) and its memory by sampling the resident set (RSS) of every process of the child's
tree every half second: for
Spark, the peak of the JVM (driver and executor in one process in local mode), the peak of
any one Python worker (each runs the reader or the kernel for one task at a time: the memory
an executor's Python needs per core), and the peak of the whole tree. ``--doc`` writes the
figures into docs/performance.md ("Spark").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import machine_info, markdown_table, replace_section  # noqa: E402

AS_OF = "2026-07-01T00:00:00Z"
SLICE = 10_000_000


@dataclass
class Peak:
    """Peak RSS (bytes) by kind of process, sampled."""

    jvm: int = 0
    worker: int = 0
    tree: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds seen, by process

    @property
    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the whole tree: unlike the wall time, it does not grow
        when other work shares the cores (a worker that lives less than a sampling interval
        is missed)."""
        return sum(self.cpu.values())


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid``: the children of each of its threads (the JVM starts the
    Python workers' daemon from one of its threads, not from its main one)."""
    out: list[int] = []
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                kids.extend(int(x) for x in f.read().split())
        except OSError:
            continue
    for k in kids:
        out.append(k)
        out.extend(_children(k))
    return out


def _rss(pid: int) -> tuple[int, str]:
    try:
        with open(f"/proc/{pid}/statm") as f:
            pages = int(f.read().split()[1])
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return 0, ""
    return pages * os.sysconf("SC_PAGE_SIZE"), cmd


def _cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sample(pid: int, peak: Peak, stop: threading.Event) -> None:
    while not stop.is_set():
        total = 0
        for p in [pid, *_children(pid)]:
            peak.cpu[p] = max(peak.cpu.get(p, 0.0), _cpu(p))
            rss, cmd = _rss(p)
            total += rss
            if "java" in cmd.split(" ")[0]:
                peak.jvm = max(peak.jvm, rss)
            elif "pyspark.daemon" in cmd or "pyspark/daemon" in cmd or "worker" in cmd:
                peak.worker = max(peak.worker, rss)
        peak.tree = max(peak.tree, total)
        stop.wait(0.5)


def run(cmd: list[str]) -> tuple[float, Peak, str]:
    peak = Peak()
    stop = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = threading.Thread(target=_sample, args=(proc.pid, peak, stop), daemon=True)
    sampler.start()
    _out, errs = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        log = Path(tempfile.mkstemp(prefix="accord-bench-", suffix=".log")[1])
        log.write_text(errs)  # the whole of it: Spark's cause is rarely in the last lines
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\nstderr in {log}")
    return wall, peak, errs


def build_log(events: int, directory: Path, file_events: int, seed: int) -> list[Path]:
    from gen_events import generate

    files: list[Path] = []
    done = 0
    k = 0
    while done < events:
        n = min(SLICE, events - done)
        table = generate(n, seed=seed + k).table
        if k:
            # each slice its own tickets: a prefix on the ids
            for name in ("ticket_id", "event_id"):
                col = pa.compute.binary_join_element_wise(f"s{k}", table.column(name), "-")
                table = table.set_column(table.schema.get_field_index(name), name, col)
        for lo in range(0, table.num_rows, file_events):
            path = directory / f"events-{len(files):04d}.parquet"
            pq.write_table(table.slice(lo, file_events), path)
            files.append(path)
        done += table.num_rows
        k += 1
        del table
    return files


DISK_PER_EVENT = 150
"""Bytes of disk a run needs per event, measured at 2M events: the log (17), the Spark
records (31), the local records (20), Spark's shuffle files (60) and a margin for the cached
events it spills; ``--events 100000000`` needs about 15 GB."""


def _check_disk(base: Path, events: int) -> None:
    """Refuse to start a run the disk cannot hold (the log and the records in ``base``,
    Spark's scratch space in the temporary directory)."""
    import shutil

    need = events * DISK_PER_EVENT
    for where in {base, Path(tempfile.gettempdir())}:
        free = shutil.disk_usage(where).free
        if free < need:
            raise SystemExit(f"{where}: {free / 2**30:.1f} GiB free, the run needs about "
                             f"{need / 2**30:.1f} GiB")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--file-events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--skip-local", action="store_true")
    ap.add_argument("--doc", action="store_true")
    args = ap.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="accord-spark-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    accord = str(Path(sys.executable).with_name("accord"))
    config = str(Path(__file__).resolve().parents[1] / "src" / "accord" / "demo" / "config")
    _check_disk(base, args.events)
    t = time.perf_counter()
    files = sorted(base.glob("events-*.parquet"))
    if files and sum(pq.ParquetFile(f).metadata.num_rows for f in files) < args.events * 0.99:
        raise SystemExit(f"{base} holds a smaller log than --events: give another --dir")
    if not files:  # a log built by an earlier run in --dir is reused as it is
        files = build_log(args.events, base, args.file_events, args.seed)
    n = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    size = sum(f.stat().st_size for f in files)
    print(f"log: {n:,} events in {len(files)} Parquet files, {size / 2**30:.2f} GiB, "
          f"built in {time.perf_counter() - t:.0f} s", flush=True)  # fmt: skip
    common = [accord, "sla", *map(str, files), "-c", config, "--as-of", AS_OF, "-f", "parquet"]
    rows = []
    if not args.skip_local:
        wall, peak, _ = run([*common, "--jobs", "2", "-o", str(base / "local.parquet")])
        cpu = peak.cpu_seconds
        print(f"local --jobs 2: {wall:.1f} s, {n / wall:,.0f} events/s, CPU {cpu:.0f} s "
              f"({cpu / n * 1e6:.1f} µs/event), peak RSS {peak.tree / 2**30:.2f} GiB",
              flush=True)  # fmt: skip
        rows.append(["`accord sla --jobs 2`", f"{wall:.1f} s", f"{n / wall:,.0f}",
                     f"{cpu:.0f} s", f"{cpu / n * 1e6:.1f}", "-", "-",
                     f"{peak.tree / 2**30:.2f} GiB"])  # fmt: skip
    wall, peak, errs = run(
        [*common, "--engine", "spark", "--spark-master", "local[2]", "-o", str(base / "spark")]
    )
    cpu = peak.cpu_seconds
    print(f"spark local[2]: {wall:.1f} s, {n / wall:,.0f} events/s, CPU {cpu:.0f} s "
          f"({cpu / n * 1e6:.1f} µs/event), JVM peak {peak.jvm / 2**30:.2f} GiB, Python worker "
          f"peak {peak.worker / 2**30:.2f} GiB, tree {peak.tree / 2**30:.2f} GiB",
          flush=True)  # fmt: skip
    rows.append(["`accord sla --engine spark` (local[2])", f"{wall:.1f} s", f"{n / wall:,.0f}",
                 f"{cpu:.0f} s", f"{cpu / n * 1e6:.1f}",
                 f"{peak.jvm / 2**30:.2f} GiB", f"{peak.worker / 2**30:.2f} GiB",
                 f"{peak.tree / 2**30:.2f} GiB"])  # fmt: skip
    print("\n".join(line for line in errs.splitlines() if "records" in line))
    table = markdown_table(
        [
            "run",
            "wall",
            "events/s",
            "CPU",
            "CPU µs/event",
            "JVM peak",
            "Python worker peak",
            "all processes peak",
        ],
        rows,
    )
    print(table)
    if args.doc:
        info = machine_info(("pyarrow", "pyspark"))
        body = (
            f"Written by `bench/bench_spark.py --events {args.events} --doc`: {n:,} events in "
            f"{len(files)} Parquet files ({size / 2**30:.2f} GiB), as of {AS_OF}.\n\n{table}\n\n"
            f"Machine: {', '.join(f'{k} {v}' for k, v in info.items())}.\n"
        )
        replace_section(HERE.parent / "docs" / "performance.md", "Spark", body)


if __name__ == "__main__":
    main()
