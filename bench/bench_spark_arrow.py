"""The JVM's CPU for handing events to Python through ``mapInArrow``, by Arrow batch size.

    .venv/bin/python bench/bench_spark_arrow.py --dir /tmp/spk1m     # a log bench_spark built

Reads the log with :func:`accord.spark.read_events` (cached), then, twice over, sends the
kernel's columns of every event (those the demo configuration needs) to a Python function
that drops them, with ``spark.sql.execution.arrow.maxRecordsPerBatch`` at 1,000, 10,000 and
100,000 rows, and at 10,000 without the ``cleared`` column (a list of texts) and with four
columns only. Prints the CPU each step took in the JVM and the Python workers (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_spark import _children, _cpu  # noqa: E402

FIXED = ["ticket_id", "ts", "ts_us", "seq", "kind", "actor", "public", "cleared", "status",
         "priority", "customer", "team", "assignee", "channel"]  # fmt: skip


def _by_kind(me: int) -> dict[str, float]:
    got: dict[str, float] = {}
    for p in [me, *_children(me)]:
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        kind = "driver" if p == me else ("jvm" if cmd.endswith("java") else "python")
        got[kind] = got.get(kind, 0.0) + _cpu(p)
    return got


def _drain(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for _ in batches:
        pass
    return iter(())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, required=True)
    args = ap.parse_args()
    from accord.core.config.loader import load_config
    from accord.spark import read_events, session

    config = load_config(HERE.parent / "src" / "accord" / "demo" / "config")
    files = sorted(str(f) for f in args.dir.glob("events-*.parquet"))
    spark = session("local[2]")
    me = os.getpid()
    events = read_events(spark, files, status_category=config.status_category).events
    n = events.count()

    def step(name: str, run: Callable[[], None]) -> None:
        a = _by_kind(me)
        t = time.perf_counter()
        run()
        b = _by_kind(me)
        jvm = b.get("jvm", 0.0) - a.get("jvm", 0.0)
        py = b.get("python", 0.0) - a.get("python", 0.0)
        print(f"{name}: JVM {jvm:.2f} s ({jvm / n * 1e6:.1f} µs/event), Python workers "
              f"{py:.2f} s, wall {time.perf_counter() - t:.1f} s, load "
              f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip

    def send(cols: list[str]) -> None:
        events.select(*cols).mapInArrow(_drain, "x int").write.format("noop").mode(
            "overwrite"
        ).save()

    rest = [c for c in FIXED if c != "cleared"]
    send(FIXED)  # the JVM compiles the code once before anything is measured
    for _ in range(2):
        for size in (1_000, 10_000, 100_000):
            spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(size))
            step(f"{len(FIXED)} columns, batches of {size:,}", lambda: send(FIXED))
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
        step("without cleared, batches of 10,000", lambda: send(rest))
        step("4 columns, batches of 10,000", lambda: send(FIXED[:4]))
    spark.stop()


if __name__ == "__main__":
    main()
