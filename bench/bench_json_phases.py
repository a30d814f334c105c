"""Where a JSON export's import spends its CPU: reading, converting, checking, one batch.

    .venv/bin/python bench/bench_json_phases.py --sources jira,freshdesk --records 20000
    .venv/bin/python bench/bench_json_phases.py --before /tmp/base/src   # against older code

For each source, a generated export (``bench/gen_json_exports.py``) is imported as the
columnar importer's JSON batches are, the parts timed apart (CPU seconds of the process,
pinned to one core, the cyclic garbage collector paused as ``gc_paused`` does): **reading**
the records (the page reader, ``json_pages.page_rows``, where the importer has a
``record_type``: typed decoding of whole pages into the keys the conversion reads; else
``JsonImporter.read``: the stdlib decoder one record at a time), **converting** them (in
columns, ``importer.columns().derive``, where the importer has them (Jira); else
``convert_parts``, the importer's own Python, a record at a time) and **checking** the
batch (the column checks on the derived candidates, or ``JsonBatch.check``: the parts made
into columns, validated by the column checks). The fixed cost of loading the compiled
kernels from their cache (about 0.1 s a process) falls in the first phase that calls one.
Each case runs in a fresh process; with ``--before SRC`` the same is measured with that
``src`` first on ``PYTHONPATH``, interleaved round by round. The best of ``--repeat`` rounds
(by total) is printed; the host's load average beside each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _child(path: str, fmt: str) -> None:
    import gc

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import pyarrow as pa

    pa.set_cpu_count(1)
    from accord.io.importers import default_mapping, importer_for
    from accord.io.importers.columnar_json import JsonBatch
    from accord.io.importers.sources import SourceFile, SourceRow

    mapping = default_mapping(fmt)
    importer = importer_for(fmt)(mapping)
    try:  # the page reader and the columnar conversion, where this code has them
        from accord.io.importers.json_pages import page_rows
    except ImportError:
        page_rows = None
    paged = page_rows is not None and importer.record_type() is not None
    columns = importer.columns() if hasattr(importer, "columns") else None
    gc.disable()
    c0 = time.process_time()
    rows = list(page_rows(importer, SourceFile(path)) if paged else importer.read(SourceFile(path)))
    c1 = time.process_time()
    odd = 0
    if columns is not None:
        import numpy as np

        from accord.io.importers.columnar_checks import check_candidates

        derived = columns.derive([r.typed for r in rows], [r.row for r in rows], mapping.tz())
        odd = len(derived.odd)
        c2 = time.process_time()
        cand = derived.candidates
        checked = check_candidates(
            cand,
            source=path,
            line_of=lambda r: rows[r].row,
            seq_of=np.arange(cand.n, dtype=np.int64),
            tz=mapping.tz(),
            skip_rows=np.zeros(len(rows), dtype=bool),
        )
    else:
        batch, seq = JsonBatch(), 0
        for row in rows:
            parts = importer.convert_parts(SourceRow(row.row, row.typed) if paged else row)
            batch.add(row, parts, seq)
            seq += len(parts)
        c2 = time.process_time()
        checked = batch.check(mapping, mapping.tz(), path)
    c3 = time.process_time()
    out = {
        "records": len(rows),
        "odd": odd,
        "events": checked.events.num_rows,
        "read": c1 - c0,
        "convert": c2 - c1,
        "check": c3 - c2,
        "total": c3 - c0,
    }
    print(json.dumps(out))


def _run(path: Path, fmt: str, src: str | None) -> dict[str, Any]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path), fmt]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    got: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return got


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", default="jira,freshdesk")
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--before", help="an older src/ to measure beside this one")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    sys.path.insert(0, str(HERE))
    from gen_json_exports import write_export

    codes: dict[str, str | None] = {"this code": None}
    if args.before:
        codes["before"] = args.before
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in (f.strip() for f in args.sources.split(",") if f.strip()):
            path = Path(tmp) / f"{fmt}.json"
            write_export(fmt, args.records, path)
            best: dict[str, dict[str, Any]] = {}
            for _ in range(args.repeat):
                for name, src in codes.items():
                    got = _run(path, fmt, src)
                    load = os.getloadavg()[0]
                    got["load"] = load
                    if name not in best or got["total"] < best[name]["total"]:
                        best[name] = got
            for name, got in best.items():
                print(
                    f"{fmt} ({name}): {got['records']:,} records, {got['events']:,} events; "
                    f"CPU s: reading {got['read']:.3f}, converting {got['convert']:.3f}, "
                    f"checking {got['check']:.3f}, total {got['total']:.3f} "
                    f"({got['records'] / got['total']:,.0f} records/s); load {got['load']:.1f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
