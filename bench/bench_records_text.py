"""Writing metric records as text: from the batch engine's table against one object a record.

    .venv/bin/python bench/bench_records_text.py                 # 10,000,000 events
    .venv/bin/python bench/bench_records_text.py --events 1000000 --doc

Seeded. Builds the log with ``bench/gen_events.py``, computes its records with the batch engine
(not timed) and writes them as CSV, JSON Lines and JSON (``indent=1``, the file form), in
this process (one CPU):

- **table**: :func:`accord.io.records_text.write_table_file`, from the table's columns;
- **per record**: what ``accord sla`` did before: :func:`records_from_table` (a Python
  ``MetricRecord`` a row), then :func:`accord.io.records_out.write_records`. It is timed on a
  slice of the table (``--sample`` records) and its time per record is *extrapolated* to all
  of them: on 10 million events it would take about ten minutes and 13 GiB for CSV.

The bytes of both are compared on the slice. ``--doc`` writes the figures into the "Writing
records" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import machine_info, markdown_table, replace_section  # noqa: E402

AS_OF = 1_782_842_400
FORMATS = ("csv", "jsonl", "json")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument(
        "--sample", type=int, default=100_000, help="records the per-record path writes"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--doc", action="store_true", help="write docs/performance.md")
    args = ap.parse_args()
    machine = machine_info(("numpy", "pyarrow"))  # (before this process is pinned to one CPU)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    import pyarrow as pa
    import pyarrow.parquet as pq

    pa.set_cpu_count(1)
    from accord.core.config.loader import load_config
    from accord.core.engine.batch import compute_batch, records_from_table
    from accord.core.engine.batch.memory import engine_memory
    from accord.io.columnar import read_columnar
    from accord.io.records_out import write_records
    from accord.io.records_text import write_table_file
    from gen_events import generate

    config_dir = ROOT / "src" / "accord" / "demo" / "config"
    config = load_config(config_dir)
    with tempfile.TemporaryDirectory() as tmp, engine_memory():
        # the records to write, as `accord sla` has them (not timed)
        path = Path(tmp) / "events.parquet"
        pq.write_table(generate(args.events, seed=args.seed).table, path)
        read = read_columnar([path], status_category=config.status_category)
        table = compute_batch(read.events, config, AS_OF)
        del read
        cli = _cli(path, config_dir, Path(tmp) / "records.csv")
    n = table.num_rows
    sample = table.slice(0, min(args.sample, n))
    print(f"{n:,} records ({args.events:,} events, seed {args.seed}); sample {sample.num_rows:,}")

    rows = []
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for fmt in FORMATS:
            t0 = time.perf_counter()
            write_records(records_from_table(sample), d / f"slow.{fmt}", fmt)
            slow = (time.perf_counter() - t0) / max(sample.num_rows, 1) * n
            write_table_file(sample, d / f"fast-sample.{fmt}", fmt)
            same = (d / f"slow.{fmt}").read_bytes() == (d / f"fast-sample.{fmt}").read_bytes()
            t0 = time.perf_counter()
            write_table_file(table, d / f"fast.{fmt}", fmt)
            fast = time.perf_counter() - t0
            size = (d / f"fast.{fmt}").stat().st_size
            for p in d.iterdir():
                p.unlink()
            rows.append(
                [
                    fmt,
                    f"{size / 2**30:.2f} GiB",
                    f"{fast:.1f} s ({n / fast / 1e6:.2f} M records/s)",
                    f"{slow:.0f} s (extrapolated)",
                    f"{slow / fast:.0f}×",
                    "yes" if same else "NO",
                ]
            )
            print(" | ".join(rows[-1]), flush=True)
    lines.append(
        markdown_table(
            [
                "format",
                "size",
                "from the table",
                "per record",
                "ratio",
                "same bytes",
            ],
            rows,
        )
    )
    report = "\n".join(
        [
            f"(written by `bench/bench_records_text.py`: {n:,} records of {args.events:,} "
            f"events, seed {args.seed}, one CPU; the per-record time is measured on the first "
            f"{sample.num_rows:,} records and extrapolated; both outputs are compared byte for "
            "byte on those)",
            "",
            *lines,
            "",
            f"The whole command, `accord sla events.parquet -c CONFIG -f csv -o records.csv` on "
            f"the same log (reading, computing and writing, in a child process on the same CPU): "
            f"{cli[0]:.1f} s, peak resident memory {cli[1]:.2f} GiB.",
            "",
            f"Machine: {', '.join(f'{k} {v}' for k, v in machine.items())}.",
            "",
            "Command: `.venv/bin/python bench/bench_records_text.py"
            + (f" --events {args.events}" if args.events != 10_000_000 else "")
            + " --doc`",
        ]
    )
    print("\n" + report)
    if args.doc:
        replace_section(ROOT / "docs" / "performance.md", "Writing records", report)
    return 0


def _cli(events: Path, config: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak memory (GiB) of ``accord sla`` writing CSV, in a child process."""
    accord = Path(sys.executable).with_name("accord")
    as_of = "2026-06-30T18:00:00Z"  # AS_OF
    cmd = [str(accord), "sla", str(events), "-c", str(config), "--as-of", as_of]
    # run through a small Python process that reports its child's peak: a child forked from
    # this one would count this process's gigabytes as its own high-water mark
    probe = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    got = subprocess.run(
        [sys.executable, "-c", probe, *cmd, "-f", "csv", "-o", str(out)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    out.unlink()
    return float(got[0]), int(got[1]) / 2**20


if __name__ == "__main__":
    raise SystemExit(main())
