"""The parse of a JSON export's pages alone: Arrow's JSON reader against the compiled
projection reader (``json_scan``), on the same pages in one process.

    .venv/bin/python bench/bench_json_scan.py --sources jira,freshdesk --records 200000 --rounds 3

The pages are those the import reads with Arrow (the first page teaches the schema; each
later page's bytes and record bounds are kept), read once by each way per round, the two
ways interleaved round by round; CPU seconds of the process, pinned to one core, Arrow on
one thread (``pa.set_cpu_count(1)``), the garbage collector paused. Also printed: the share
of pages the compiled reader takes (its hit rate) and whether each of its tables equals
Arrow's.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _pages(path: Path, fmt: str) -> tuple[Any, list[tuple[Any, Any, Any]]]:
    """The export's Arrow pages as the import meets them (bytes, starts, ends), and the
    schema learned from its first page."""
    import numpy as np

    from accord.io.importers import default_mapping, importer_for
    from accord.io.importers.json_arrow import ArrowReading
    from accord.io.importers.json_pages import page_items
    from accord.io.importers.sources import SourceFile

    importer = importer_for(fmt)(default_mapping(fmt))
    pages: list[tuple[Any, Any, Any]] = []

    class Keeping(ArrowReading):
        def page(
            self, buf: bytes, starts: list[int], ends: list[int], number: int, wrappers: Any
        ) -> Any:
            arr = np.frombuffer(buf, dtype=np.uint8)
            pages.append(
                (arr, np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64))
            )
            return None  # the typed decoder reads it: cheaper than keeping Arrow's tables

    reading = Keeping(importer.columns().arrow_reading()._learn)
    for _ in page_items(importer, SourceFile(path), reading):
        pass
    return reading.schema, pages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", default="jira,freshdesk")
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--file", help="an export to read instead of a generated one (one source)")
    args = ap.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import pyarrow as pa

    from accord.io.importers.json_arrow import arrow_table
    from accord.io.importers.json_scan_table import scan_reader

    pa.set_cpu_count(1)
    sys.path.insert(0, str(HERE))
    from gen_json_exports import write_export

    with tempfile.TemporaryDirectory() as tmp:
        for fmt in (f.strip() for f in args.sources.split(",") if f.strip()):
            path = Path(args.file) if args.file else Path(tmp) / f"{fmt}.json"
            if not args.file:
                write_export(fmt, args.records, path)
            schema, pages = _pages(path, fmt)
            reader = scan_reader(schema)
            assert reader is not None
            records = sum(int(s.size) for _, s, _ in pages)
            hits = 0
            for arr, s, e in pages:  # warm (the compiled kernels load) and check
                got = reader.read(arr, s, e)
                if got is not None:
                    hits += 1
                    assert got.equals(arrow_table(arr, s, e, schema)), (
                        "a table differs from Arrow's"
                    )
            print(
                f"{fmt}: {len(pages)} pages, {records:,} records; compiled reader took "
                f"{hits}/{len(pages)} pages, every table equal to Arrow's"
            )
            times: dict[str, list[float]] = {"arrow": [], "scan": []}
            gc.disable()
            for r in range(args.rounds):
                for name in times:
                    c0 = time.process_time()
                    for arr, s, e in pages:
                        if name == "arrow":
                            arrow_table(arr, s, e, schema)
                        else:
                            reader.read(arr, s, e)
                    times[name].append(time.process_time() - c0)
                load = os.getloadavg()
                a, c = times["arrow"][-1], times["scan"][-1]
                print(
                    f"  round {r + 1}: Arrow {a:.3f} CPU-s, compiled {c:.3f} CPU-s ({a / c:.2f}x);"
                    f" load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
                )
            gc.enable()
            a = statistics.median(times["arrow"])
            c = statistics.median(times["scan"])
            print(
                f"  median: Arrow {a:.3f} CPU-s ({a / records * 1e6:.2f} us a record), compiled "
                f"{c:.3f} ({c / records * 1e6:.2f} us a record): {a / c:.2f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
