"""What a JSON export's columnar import costs after the parse: conversion, checks, acceptance
and Parquet, each timed apart, this code against an older ``src`` interleaved round by round.

    .venv/bin/python bench/bench_json_after_parse.py --sources jira,freshdesk \\
        --records 200000 --repeat 3 --before /tmp/base/src

Each case runs in a fresh process pinned to one core (Arrow on one thread). The child reads
every page first (``page_items``: the parse, not timed), then runs ``import_file`` to a
Parquet file with those pages handed over as read, timing in CPU seconds: **convert**
(``derive_table`` / ``derive`` of each gathering), **check** (``check_candidates``),
**accept** (``_accept``: the duplicate check and counts, with the ticket numbers),
**parquet** (``parquet_import_batch`` and the writer's ``write_batch``) and **total** (the
whole ``import_file`` after the parse, the rest included). Every round is printed, then the
medians and their ratio (before / this code); the host's load average beside each round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PHASES = ("convert", "check", "accept", "parquet", "total")


def _timed(spent: dict[str, float], phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        c0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[phase] += time.process_time() - c0

    return wrapper


def _child(path: str, fmt: str, out: str) -> None:
    import gc

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import pyarrow as pa
    import pyarrow.parquet as pq

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    import accord.io.importers.columnar as columnar
    import accord.io.importers.columnar_json_runs as runs
    import accord.io.importers.columnar_write as write
    from accord.io.importers import default_mapping, import_file, importer_for
    from accord.io.importers.json_pages import page_items
    from accord.io.importers.sources import SourceFile

    importer = importer_for(fmt)(default_mapping(fmt))
    columns = importer.columns()
    items = list(page_items(importer, SourceFile(path), columns.arrow_reading()))
    runs.page_items = lambda *_a: iter(items)  # the pages as read above
    spent: dict[str, float] = defaultdict(float)
    cls = type(columns)
    cls.derive_table = _timed(spent, "convert", cls.derive_table)  # type: ignore[method-assign]
    cls.derive = _timed(spent, "convert", cls.derive)  # type: ignore[method-assign]
    runs.check_candidates = _timed(spent, "check", runs.check_candidates)
    run_cls = columnar.ColumnarImportRun
    run_cls._accept = _timed(spent, "accept", run_cls._accept)  # type: ignore[method-assign]
    run_cls._ticket_codes = _timed(spent, "accept", run_cls._ticket_codes)  # type: ignore[method-assign]
    write.parquet_import_batch = _timed(spent, "parquet", write.parquet_import_batch)
    pq.ParquetWriter.write_batch = _timed(spent, "parquet", pq.ParquetWriter.write_batch)  # type: ignore[method-assign]
    gc.collect()
    c0 = time.process_time()
    stats, _ = import_file(path, fmt, out)
    spent["total"] = time.process_time() - c0
    size = os.path.getsize(out)
    os.unlink(out)
    got = {"events": stats.events, "quarantined": stats.quarantined, "bytes": size, **spent}
    print(json.dumps(got))


def _run(path: Path, fmt: str, src: str | None, out: Path) -> dict[str, Any]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path), fmt, str(out)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    got: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return got


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", default="jira,freshdesk")
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", help="an older src/ to measure beside this one")
    ap.add_argument("--files", help="a folder of <source>.json exports to use as they are")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    sys.path.insert(0, str(HERE))
    from gen_json_exports import write_export

    codes: dict[str, str | None] = {"this code": None}
    if args.before:
        codes["before"] = args.before
    print(f"load at the start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in (f.strip() for f in args.sources.split(",") if f.strip()):
            if args.files:
                path = Path(args.files) / f"{fmt}.json"
            else:
                path = Path(tmp) / f"{fmt}.json"
                write_export(fmt, args.records, path)
            for src in codes.values():  # compiled kernels cached before the rounds
                _run(path, fmt, src, Path(tmp) / "out.parquet")
            rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in codes}
            for r in range(args.repeat):
                for name, src in codes.items():
                    got = _run(path, fmt, src, Path(tmp) / "out.parquet")
                    got["load"] = os.getloadavg()[0]
                    rounds[name].append(got)
                    cells = ", ".join(f"{p} {got.get(p, 0.0):.3f}" for p in PHASES)
                    print(
                        f"{fmt} round {r + 1} ({name}): CPU s {cells}; {got['events']:,} "
                        f"events, {got['quarantined']:,} quarantined, {got['bytes']:,} bytes; "
                        f"load {got['load']:.1f}"
                    )
            medians = {
                name: {p: statistics.median(g.get(p, 0.0) for g in got) for p in PHASES}
                for name, got in rounds.items()
            }
            for name, med in medians.items():
                cells = ", ".join(f"{p} {med[p]:.3f}" for p in PHASES)
                print(f"{fmt} median ({name}): {cells}")
            if "before" in medians:
                new, old = medians["this code"], medians["before"]
                ratios = ", ".join(f"{p} {old[p] / new[p]:.2f}x" for p in PHASES if new[p])
                print(f"{fmt} before / this code: {ratios}")
    print(f"load at the end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
