"""The recompute's saves alone on SQLite: capture the ``save_results`` calls of a
``bench_recompute.py`` run (batch engine, SQLite), then replay them on a fresh file and report
their CPU time and the process's read and write bytes and system calls (``/proc/self/io``).

The capture holds plain result objects, so one capture replays under other code too (an A/B:
the same file with ``PYTHONPATH`` set to another checkout's ``src``):

    .venv/bin/python bench/bench_recompute_saves.py capture /tmp/saves.pkl --events 120000
    .venv/bin/python bench/bench_recompute_saves.py replay /tmp/saves.pkl --runs 3
"""

from __future__ import annotations

import argparse
import json
import pickle
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.demo.generate import generate_log
from accord.io.store import SqlStore, open_store
from accord.service import recompute
from bench_recompute import one_run
from bench_service import sqlite_url


@runtime_checkable
class _NoStore(Protocol):
    """A protocol no store follows."""

    def no_store_has_this(self) -> None: ...


def capture(path: Path, events: int, batch: int, pass_events: int) -> int:
    """Run ``events`` demo events as ``bench_recompute.py`` does and keep every save's
    arguments in ``path``; the number of saves."""
    end = datetime(2026, 12, 1, tzinfo=UTC)  # a fixed end: the same log in every capture
    log = generate_log(seed=17, end=end, target_events=events)
    rows = [e.to_dict() for e in log.events()][:events]
    bodies = [json.dumps(rows[i : i + batch]).encode() for i in range(0, len(rows), batch)]
    calls: list[tuple[list[Any], list[tuple[str, int]]]] = []
    saving = SqlStore.save_results

    def kept(self: SqlStore, results: Any, *, clear: Any = ()) -> None:
        calls.append((list(results), list(clear)))
        saving(self, results, clear=clear)

    SqlStore.save_results = kept  # type: ignore[method-assign]
    # the batch passes through save_results with their records (the records' way), as before
    # the saves from the engine's columns (pass_records.py): results any checkout can replay
    way = getattr(recompute, "RecordValues", None)
    if way is not None:
        recompute.RecordValues = _NoStore  # type: ignore[misc, assignment]
    try:
        with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp_name:
            tmp = Path(tmp_name)
            config = copy_demo_config(tmp / "config", alerts=False)
            with sqlite_url(tmp) as url:
                one_run("batch", "changed", url, config, bodies, max(1, pass_events // batch))
    finally:
        SqlStore.save_results = saving  # type: ignore[method-assign]
        if way is not None:
            recompute.RecordValues = way  # type: ignore[misc]
    path.write_bytes(pickle.dumps(calls))
    return len(calls)


def _io() -> dict[str, int]:
    lines = Path("/proc/self/io").read_text().splitlines()
    return {k: int(v) for k, v in (line.split(": ") for line in lines)}


def replay(path: Path) -> dict[str, float]:
    """The captured saves on a fresh SQLite file: CPU seconds, I/O bytes and calls."""
    calls = pickle.loads(path.read_bytes())
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        store = open_store(f"sqlite:///{tmp}/saves.db")
        try:
            cpu = 0.0
            before = _io()
            for results, clear in calls:
                t0 = time.process_time()
                store.save_results(results, clear=clear)
                cpu += time.process_time() - t0
            after = _io()
        finally:
            store.close()
    return {"cpu": cpu, **{k: after[k] - before[k] for k in ("rchar", "wchar", "syscr", "syscw")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("capture", "replay"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--events", type=int, default=120_000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--pass-events", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    info = machine_info(("sqlalchemy",))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    if args.mode == "capture":
        n = capture(args.file, args.events, args.batch, args.pass_events)
        print(f"{n} saves of {args.events:,} events kept in {args.file}")
        return 0
    for run in range(1, args.runs + 1):
        r = replay(args.file)
        print(
            f"run {run}: CPU {r['cpu']:.2f} s; read {r['rchar'] / 1e6:,.0f} MB in "
            f"{r['syscr']:,} calls, written {r['wchar'] / 1e6:,.0f} MB in {r['syscw']:,} calls",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
