"""KPI view reads (issue 20, goal 5): one ``KpiView.inputs`` read of every ticket's values
inputs, the way it is done now (the open tickets' timelines laid out once and kept in step,
the clocks run at each read, the Enums made from the engine's codes) against the way it was
done before (the batch engine over every open ticket's events at each read, its records
through text), interleaved in one process on one view, in CPU seconds.

The store is a SQLite file kept by ``bench_view_load.py --keep`` (bulk-loaded demo tickets).
The view starts from a saved state next to it (written by a load on the first run). Each
round reads at an instant a few seconds later than the previous one (the open clocks move),
both ways, and checks that the two frames and facts are equal. Then ``--changed`` open
tickets get a new event each (as an ingest leaves them) and the first read after the sync
is timed both ways too (the new way then adds those tickets' timelines to the layout); with
``--change-rounds``, the median of the sync plus the read after it (ingest -> values, the
goal's measure) ends the run.

Run:  .venv/bin/python bench/bench_view_load.py --keep /tmp/bench-100k.db --tickets 100000 \\
          --stores sqlite --ways columns          (once: makes the store)
      .venv/bin/python bench/bench_view_read.py --keep /tmp/bench-100k.db --rounds 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.core.config.loader import check_config_kpis
from accord.core.config.resolved import Configuration
from accord.core.engine.batch import compute_batch
from accord.core.kpi.check import custom_fields
from accord.core.kpi.columns import CUSTOM_PREFIX
from accord.core.kpi.facts import FACT_COLUMNS, TicketFacts
from accord.core.kpi.frames import records_frame_of_table
from accord.io.store import SqlStore
from accord.service.kpi_records import aligned, records_at, settled_enums
from accord.service.kpi_view import KpiView
from accord.service.kpi_view_parts import records_text, unify
from accord.service.kpi_view_state import store_id
from bench_view_load import _stored_now, change


def kept_store(keep: Path) -> tuple[str, int, Configuration, list[str]]:
    """The kept store's URL, the instant its reads start from, the demo configuration and
    its KPI catalog's custom fields (what this bench and ``bench_open_drops.py`` read by)."""
    url = f"sqlite:///{keep.resolve()}"
    # reads from the latest event on (an earlier run's changes lie after the bulk load's
    # instant): before it, both ways replay every open ticket's events
    now = max(_stored_now(url), _last_event(url))
    with tempfile.TemporaryDirectory(prefix="accord-bench-view-read-") as tmp:
        config_dir = copy_demo_config(Path(tmp) / "config", alerts=False)
        config, catalog, issues = check_config_kpis(Path(config_dir))
        assert config is not None, issues
    return url, now, config, custom_fields(list(catalog.values()), ())


def before(view: KpiView, when: int, custom: list[str]) -> tuple[pl.DataFrame, TicketFacts]:
    """A read of every ticket's inputs as ``KpiView.inputs`` made it before: the engine
    over every open ticket's events, its records through text, cast with the kept Enums."""
    part = view._part
    assert part is not None and part.open_facts is not None
    facts, spans, last = part.open_facts
    assert when >= last
    computed = compute_batch(_open_table(part.open), part.config, when,
                             agreements=bool(part.config.agreements))  # fmt: skip
    text = records_text(records_frame_of_table(computed))
    keep = [*FACT_COLUMNS, *(CUSTOM_PREFIX + c for c in custom)]
    tickets = unify([f.select(keep) for f in (part.facts, facts) if f.width]).rechunk()
    all_spans = pl.concat([part.spans, spans], rechunk=True)
    kept = part.enums
    enums = kept if kept is not None and kept.text is part.records else settled_enums(part.records)
    frame = records_at(part.records, text, when, aligned(enums, text))
    return frame, TicketFacts(tickets=tickets, open_spans=all_spans, as_of=when)


def _open_table(opened: Any) -> pa.Table:
    """The view's open events as a table, without changing what the view holds (an events
    table in the code before the lazy drops; what the drops leave, filtered apart, since)."""
    if isinstance(opened, pa.Table):
        return opened
    whole = type(opened)(*opened._state).whole()
    assert whole is not None
    return whole


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    c0 = time.process_time()
    got = fn(*args)
    return time.process_time() - c0, got


def same(a: tuple[pl.DataFrame, TicketFacts], b: tuple[pl.DataFrame, TicketFacts]) -> None:
    """The two reads agree (rows in any order: the evaluation does not depend on it)."""
    keys = ["ticket_id", "metric", "cycle"]
    if not a[0].sort(keys).equals(b[0].sort(keys)):
        raise SystemExit("the records frames differ")
    if not a[1].tickets.sort("ticket_id").equals(b[1].tickets.sort("ticket_id")):
        raise SystemExit("the ticket facts differ")


def _last_event(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT MAX(ts) FROM events")).scalar_one())
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, required=True, help="the SQLite store file")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changed", type=int, default=1000, help="tickets given an event")
    parser.add_argument(
        "--change-rounds", type=int, default=1, help="rounds of --changed tickets, sync, read"
    )
    parser.add_argument(
        "--warm", action="store_true", help="warm the view first, as the server does after a load"
    )
    args = parser.parse_args()
    info = machine_info(("polars", "pyarrow", "numba"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    url, now, config, custom = kept_store(args.keep)
    state = args.keep.with_suffix(".view.arrow")
    store = SqlStore(url)
    view = KpiView(store, lambda _: 1, lambda: clock[0])
    clock = [now]
    sid = store_id(store, now)
    cpu, _ = timed(lambda: state.exists() and view.load_saved(state, sid, 1, config, custom))
    if view.version() is None:
        cpu, _ = timed(lambda: view.load(1, config, custom))
        view.save(state, sid)
    stats = view.stats()
    print(f"view ready in {cpu:.1f} CPU-s: {stats}", flush=True)
    if args.warm:  # what the server does in the background once the view has loaded
        t_warm, _ = timed(view.warm, now)
        print(f"warmed in {t_warm:.2f} CPU-s", flush=True)
    # the first read of each way: the facts memo and the settled Enums (both ways keep them),
    # the layout (the new way), the kernels loaded from numba's cache
    first_new, _ = timed(lambda: view.inputs(now, custom, None))
    first_old, _ = timed(lambda: before(view, now, custom))
    what = "after the warming" if args.warm else "lays the open tickets out"
    print(f"first read: now {first_new:.2f} CPU-s ({what}), before "
          f"{first_old:.2f} CPU-s", flush=True)  # fmt: skip
    part = view._part
    laid = part.prepared if part is not None else None
    if laid is not None:
        print(f"open tickets laid out: {laid.count:,} in {len(laid.pieces)} pieces, "
              f"{laid.nbytes / 2**20:.0f} MiB", flush=True)  # fmt: skip
    news, olds = [], []
    for k in range(1, args.rounds + 1):
        when = now + 7 * k  # the open clocks have moved
        t_new, a = timed(view.inputs, when, custom, None)
        t_old, b = timed(before, view, when, custom)
        assert a is not None
        same(a, b)
        news.append(t_new)
        olds.append(t_old)
        print(f"round {k}: now {t_new:.2f} CPU-s, before {t_old:.2f} CPU-s "
              f"(load avg {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    new, old = statistics.median(news), statistics.median(olds)
    print(f"one read, median of {args.rounds}: now {new:.2f} CPU-s, before {old:.2f} CPU-s "
          f"({old / new:.1f}x less CPU)", flush=True)  # fmt: skip
    syncs, reads = [], []
    for k in range(args.change_rounds if args.changed else 0):
        # each round's events a minute after the ticket's last: the read's instant after all
        n = change(url, args.changed, now + 60, f"read{int(time.time())}-{k}")
        when = clock[0] = now + 200 + 100 * k
        t_sync, _ = timed(view.sync)
        t_new, a = timed(view.inputs, when, custom, None)
        t_old, b = timed(before, view, when, custom)
        assert a is not None
        same(a, b)
        print(f"{n:,} tickets changed: sync {t_sync:.2f} CPU-s; then one read: now "
              f"{t_new:.2f} CPU-s, before {t_old:.2f} CPU-s; {view.stats()}",
              flush=True)  # fmt: skip
        syncs.append(t_sync)
        reads.append(t_new)
    if syncs:  # goal 5: an ingest reflected in the values (the sync, then the read)
        total = [a + b for a, b in zip(syncs, reads, strict=True)]
        print(f"ingest -> values, median of {len(total)}: {statistics.median(total):.2f} CPU-s "
              f"(sync {statistics.median(syncs):.2f}, read {statistics.median(reads):.2f}; "
              f"range {min(total):.2f}-{max(total):.2f})", flush=True)  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB; load avg {os.getloadavg()}", flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
