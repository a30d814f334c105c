"""Measuring the simple case for ``bench/bench_end_to_end.py``: Accord, the DuckDB query and
the pandas version, each reading the Parquet log to a per-ticket result in a fresh process
on one CPU; and whole processes (start-up included): ``accord sla … -f parquet -o`` against
the DuckDB query run as a script.

:func:`child` runs inside the measured process (``bench_end_to_end.py --child simple-…``),
which its caller has pinned to one CPU: imports and the configuration come first, untimed;
the timed part is the Parquet file to the result table; the result is then written to
``out`` (untimed) for the comparison with Accord's records.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[1]
SIMPLE_CONFIG = BENCH / "simple_config"
MODES = ("simple-accord", "simple-duckdb", "simple-pandas")


def child(mode: str, path: str, as_of: int, out: str) -> dict[str, Any]:
    """Time one anchor (or Accord) in this process; its figures as JSON-able values."""
    import pyarrow.parquet as pq

    figures: dict[str, Any] = {}
    if mode == "simple-accord":
        from accord.core.config.loader import load_config
        from accord.core.engine.batch import compute_batch
        from accord.core.engine.batch.memory import engine_memory
        from accord.core.engine.batch.schema import plain_records
        from accord.core.engine.batch.stages import listening
        from accord.io.columnar import read_columnar

        cfg = load_config(SIMPLE_CONFIG)
        stages: dict[str, float] = {}
        last = [0.0]

        def hear(stage: str) -> None:
            now = time.perf_counter()
            stages[stage] = stages.get(stage, 0.0) + now - last[0]
            last[0] = now

        with engine_memory(), listening(hear):
            t0 = last[0] = time.perf_counter()
            read = read_columnar([path], status_category=cfg.status_category)
            records = compute_batch(read.events, cfg, as_of, jobs=1)
            t1 = time.perf_counter()
        figures = {"events": read.events.num_rows, "stages": stages, "total_s": t1 - t0}
        table = plain_records(records)
    elif mode == "simple-duckdb":
        # imported before the clock starts, as Accord's modules are
        import duckdb  # noqa: F401
        import holidays

        from .case import SIMPLE
        from .duckdb_sql import duckdb_anchor

        t0 = time.perf_counter()
        table = duckdb_anchor(path, as_of, SIMPLE, threads=1)
        figures = {"total_s": time.perf_counter() - t0}
    elif mode == "simple-pandas":
        import holidays  # noqa: F401

        from .case import SIMPLE
        from .pandas_numpy import pandas_anchor

        t0 = time.perf_counter()
        table = pandas_anchor(path, as_of, SIMPLE)
        figures = {"total_s": time.perf_counter() - t0}
    else:
        raise ValueError(f"unknown mode {mode!r}")
    figures["rows"] = table.num_rows
    pq.write_table(table, out)
    return figures


def as_of_text(as_of: int) -> str:
    return datetime.fromtimestamp(as_of, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def process_command(kind: str, path: Path, as_of: int, out: Path) -> list[str]:
    """The command a user runs: ``accord sla`` writing Parquet, or the DuckDB query as a
    script (``python -c``) writing Parquet with ``COPY``."""
    if kind == "accord":
        accord = str(Path(sys.executable).with_name("accord"))
        return [
            accord, "sla", str(path), "-c", str(SIMPLE_CONFIG), "--as-of", as_of_text(as_of),
            "-f", "parquet", "-o", str(out), "--jobs", "1", "--quiet",
        ]  # fmt: skip
    script = (
        f"import sys; sys.path.insert(0, {str(BENCH)!r}); "
        "from anchors.case import SIMPLE; from anchors.duckdb_sql import duckdb_to_parquet; "
        f"duckdb_to_parquet({str(path)!r}, {as_of}, SIMPLE, {str(out)!r}, threads=1)"
    )
    return [sys.executable, "-c", script]


def run_process(cmd: list[str], cpu: int) -> float:
    """Wall seconds of ``cmd`` as a whole process, pinned to ``cpu`` (its threads too)."""
    env = dict(os.environ, POLARS_MAX_THREADS="1", OMP_NUM_THREADS="1")
    t0 = time.perf_counter()
    done = subprocess.run(
        cmd,
        env=env,
        capture_output=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
        check=False,
    )
    wall = time.perf_counter() - t0
    if done.returncode:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise subprocess.CalledProcessError(done.returncode, cmd)
    return wall
