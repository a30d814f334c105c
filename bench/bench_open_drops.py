"""KPI view open events (issue 20, goal 5): the filter a sync made of every open event to drop
the tickets it reads again, against noting the drops (``OpenEvents.without``) and filtering
once later (``OpenEvents.whole``), on the open events of a 1M-ticket view, in CPU seconds
(medians of 3), for 1,000 to 110,000 tickets dropped (110,000: a quarter of the open ones,
when a sync filters them).

The store and its saved view are those of ``bench_view_read.py`` (run it once first).

Run:  .venv/bin/python bench/bench_open_drops.py --keep /tmp/lazyopen/s1m.db
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_info
from accord.io.store import SqlStore
from accord.service.kpi_open_events import OpenEvents
from accord.service.kpi_view import KpiView
from accord.service.kpi_view_state import store_id
from bench_view_read import kept_store, timed


def _filtered(table: pa.Table, gone: list[str]) -> pa.Table:
    """What each sync did: every open event filtered, the dropped tickets' rows left out."""
    keep = pc.invert(pc.is_in(table.column("ticket_id"), value_set=pa.array(gone)))
    return table.filter(keep)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, required=True, help="the SQLite store file")
    args = parser.parse_args()
    info = machine_info(("polars", "pyarrow"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    url, now, config, custom = kept_store(args.keep)
    store = SqlStore(url)
    view = KpiView(store, lambda _: 1, lambda: now)
    state = args.keep.with_suffix(".view.arrow")
    if not view.load_saved(state, store_id(store, now), 1, config, custom):
        raise SystemExit(f"no usable saved view at {state}: run bench_view_read.py first")
    part = view._part
    assert part is not None
    table = part.open.whole()
    assert table is not None
    ids = sorted(part.open_ids)
    print(f"open events {table.num_rows:,} of {len(ids):,} tickets, "
          f"{table.column('ticket_id').num_chunks} chunks", flush=True)  # fmt: skip
    for n in (1_000, 20_000, 110_000):
        gone = ids[:: max(len(ids) // n, 1)][:n]
        eager, note, later = [], [], []
        for _ in range(3):
            t, kept = timed(_filtered, table, gone)
            eager.append(t)
            t, lazy = timed(OpenEvents(table).without, gone)
            note.append(t)
            t, whole = timed(lazy.whole)
            later.append(t)
            assert whole is not None and whole.equals(kept)
        m = statistics.median
        print(f"{n:,} tickets dropped: filter at the sync {m(eager):.3f} CPU-s; noted "
              f"{m(note):.4f}, filtered later {m(later):.3f}", flush=True)  # fmt: skip
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
