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
import tempfile
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
        from accord.core.engine.batch._jit import warm
        from accord.core.engine.batch.memory import engine_memory
        from accord.core.engine.batch.schema import plain_records
        from accord.core.engine.batch.stages import listening
        from accord.io.columnar import read_columnar

        from .floors import stage_floors

        cfg = load_config(SIMPLE_CONFIG)
        warm()  # numba set up and the kernels loaded before the clock starts, as imports are
        # per stage: [wall, CPU] seconds (on a loaded machine the CPU time moves less)
        stages: dict[str, list[float]] = {}
        last = [0.0, 0.0]

        def hear(stage: str) -> None:
            now = [time.perf_counter(), time.process_time()]
            got = stages.setdefault(stage, [0.0, 0.0])
            for i in (0, 1):
                got[i] += now[i] - last[i]
            last[:] = now

        with engine_memory(), listening(hear):
            c0, t0 = time.process_time(), time.perf_counter()
            last[:] = [t0, c0]
            read = read_columnar([path], status_category=cfg.status_category)
            records = compute_batch(read.events, cfg, as_of, jobs=1)
            t1, c1 = time.perf_counter(), time.process_time()
        figures = {
            "events": read.events.num_rows,
            "stages": stages,
            "total_s": t1 - t0,
            "cpu_s": c1 - c0,
        }
        table = plain_records(records)
        del read  # the events table's memory back before the floors read the file again
        figures["floors"] = _reading_floors(path)
        figures["stage_floors"] = stage_floors(path, as_of, records, cfg.status_category)
        del records
    elif mode == "simple-duckdb":
        # imported before the clock starts, as Accord's modules are
        import duckdb  # noqa: F401
        import holidays

        from .case import SIMPLE
        from .duckdb_sql import duckdb_anchor

        c0, t0 = time.process_time(), time.perf_counter()
        table = duckdb_anchor(path, as_of, SIMPLE, threads=1)
        figures = {"total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
    elif mode == "simple-pandas":
        import holidays  # noqa: F401

        from .case import SIMPLE
        from .pandas_numpy import pandas_anchor

        c0, t0 = time.process_time(), time.perf_counter()
        table = pandas_anchor(path, as_of, SIMPLE)
        figures = {"total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
    else:
        raise ValueError(f"unknown mode {mode!r}")
    figures["rows"] = table.num_rows
    pq.write_table(table, out)
    return figures


# the columns the simple case's clocks read (what the anchors read)
CLOCK_COLUMNS = ["ticket_id", "ts", "kind", "actor", "public", "status"]


def _reading_floors(path: str) -> dict[str, list[float]]:
    """[wall, CPU] seconds pyarrow takes, on this one thread, to decode the file's every
    column (what Accord's reader validates) and only the columns the clocks read, best of 3:
    the floors of the reading stage."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    # text kept as dictionary codes, as Accord's reader keeps it (but the unique event ids)
    texts = [f.name for f in schema if pa.types.is_string(f.type) and f.name != "event_id"]
    out: dict[str, list[float]] = {}
    for name, columns in (("every column", None), ("the clocks' columns", CLOCK_COLUMNS)):
        best = [float("inf"), float("inf")]
        for _ in range(3):  # a floor: the best of three
            t0, c0 = time.perf_counter(), time.process_time()
            pq.read_table(path, columns=columns, use_threads=False, read_dictionary=texts)
            took = (time.perf_counter() - t0, time.process_time() - c0)
            best = [min(b, x) for b, x in zip(best, took, strict=True)]
        out[name] = best
    return out


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


def run_process(cmd: list[str], cpu: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of ``cmd`` as a whole process, pinned to
    ``cpu`` (its threads too). On a shared machine the CPU time moves less than the wall
    time: the wall time also holds the waits for the CPU that other processes take."""
    env = dict(os.environ, POLARS_MAX_THREADS="1", OMP_NUM_THREADS="1")
    # As installed: pip compiles every module's bytecode, which a checkout gets from the
    # untimed first run; with PYTHONDONTWRITEBYTECODE set (as on a CI runner), each run
    # would compile Accord's own hundred modules from source again, about 0.2 s of CPU.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        child = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
            raise subprocess.CalledProcessError(child.returncode, cmd)
    return wall, usage.ru_utime + usage.ru_stime
