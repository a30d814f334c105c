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
into columns, validated by the column checks). Where the columns read pages by Arrow (Jira,
Freshdesk), the phases are the import's own: **reading** the pages (``page_items``: Arrow's
parse after the first page), **converting** each gathering of 10 Arrow pages from its table
(``derive_table``), **checking** each gathering's candidates. The fixed cost of loading the
compiled kernels from their cache (about 0.1 s a process) falls in the first phase that calls one.
Each case runs in a fresh process; with ``--before SRC`` the same is measured with that
``src`` first on ``PYTHONPATH``, interleaved round by round. The best of ``--repeat`` rounds
(by total) is printed, after every round's figures; the host's load average beside each.
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
    if columns is not None and hasattr(columns, "arrow_reading") and paged:
        odd, n_records, n_events, c0, c1, c2 = _arrow_phases(importer, columns, path, mapping)
        c3 = time.process_time()
        out = {"records": n_records, "odd": odd, "events": n_events, "read": c1 - c0}
        out.update({"convert": c2 - c1, "check": c3 - c2, "total": c3 - c0})
        print(json.dumps(out))
        return
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


def _arrow_phases(importer: Any, columns: Any, path: str, mapping: Any) -> tuple[int, ...]:
    """The import's own way where pages are read by Arrow (Jira, Freshdesk): the pages
    read (the first by the typed decoder), each gathering of 10 Arrow pages converted from
    its table (the first page's rows by ``derive``), each batch's candidates checked."""
    import numpy as np
    import pyarrow as pa

    from accord.io.importers.columnar_checks import check_candidates
    from accord.io.importers.columnar_json_runs import _PageRows, _Whole
    from accord.io.importers.json_arrow import ArrowPage
    from accord.io.importers.json_pages import page_items
    from accord.io.importers.sources import SourceFile

    tz = mapping.tz()
    c0 = time.process_time()
    items = list(page_items(importer, SourceFile(path), columns.arrow_reading()))
    c1 = time.process_time()
    rows = [i for i in items if not isinstance(i, ArrowPage)]
    pages = [i for i in items if isinstance(i, ArrowPage)]
    derived = [columns.derive([r.typed for r in rows], [r.row for r in rows], tz)] if rows else []
    for k in range(0, len(pages), 10):
        group = pages[k : k + 10]
        table = pa.concat_tables([p.table for p in group])
        numbers = np.concatenate(
            [np.arange(p.number + 1, p.number + 1 + len(p), dtype=np.int64) for p in group]
        )
        derived.append(columns.derive_table(table, numbers, _Whole(_PageRows(group)), tz))
    c2 = time.process_time()
    n_events = 0
    for d in derived:
        cand = d.candidates
        if cand is None:
            continue
        checked = check_candidates(
            cand,
            source=path,
            line_of=lambda r: r,
            seq_of=np.arange(cand.n, dtype=np.int64),
            tz=tz,
            skip_rows=np.zeros(int(d.counts.size), dtype=bool),
        )
        n_events += checked.events.num_rows
    n_records = len(rows) + sum(len(p) for p in pages)
    return sum(len(d.odd) for d in derived), n_records, n_events, c0, c1, c2


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
            for r in range(args.repeat):
                for name, src in codes.items():
                    got = _run(path, fmt, src)
                    load = os.getloadavg()[0]
                    got["load"] = load
                    # every round, so that the spread shows beside the best
                    print(
                        f"  {fmt} round {r + 1} ({name}): reading {got['read']:.3f}, converting "
                        f"{got['convert']:.3f}, checking {got['check']:.3f}, total "
                        f"{got['total']:.3f} CPU-s; load {load:.1f}",
                        flush=True,
                    )
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
