"""KPI view load from the store (issue 20, goal 5): ``KpiView.load`` in columns (the store's
``events_table_of`` / ``records_frame_of``, the settle decision on columns) against the load
through an object per event and record (``columnar=False``, what every load did before), in
the same run, on SQLite and PostgreSQL.

The store holds ``--tickets`` demo tickets bulk-loaded by ``bench_service.bulk_load`` (whole
tickets, ``events=0``: most solved, recomputed at the load's instant, as a store's history),
under the demo configuration and its KPI catalog. Each way loads the view in a child process
of its own (forked), so that its peak resident memory is its own; the child reports its
process CPU seconds and wall seconds for the load alone, and the view's counts, which must be
the same both ways (the run fails otherwise; the tests pin the contents equal).

Note: ``bulk_load`` copies 2,000 template tickets under new ids, so the events' ``fields``
JSON texts repeat far more than in a real store; the columnar read parses each distinct text
once, which this data favours (the figures print how many distinct texts there were).

The way ``saved`` (issue 20, goal 5: the view at start in seconds) is what a restart does
with a saved state: after the columnar load the child writes the view's state
(``KpiView.save``, timed too); ``--changed N`` tickets then get one new event each (a copy of
their last one, a minute later, through ``Store.add_events``: marked, as after an ingest the
recompute has not reached); then a new child starts a view from the file
(``KpiView.load_saved``: the file read, the changed tickets read again). Its counts must equal
a full load's of the same store, or the run fails (a full load runs again after the changes).

Run:  .venv/bin/python bench/bench_view_load.py --tickets 100000
      .venv/bin/python bench/bench_view_load.py --tickets 20000 --stores sqlite   (quick)
      .venv/bin/python bench/bench_view_load.py --tickets 1000000 --stores sqlite --ways columns
      .venv/bin/python bench/bench_view_load.py --tickets 100000 --ways columns,saved \
          --changed 1000 --rounds 2 [--read: the first read after each, timed too]
      .venv/bin/python bench/bench_view_load.py --keep /tmp/bench-1m.db --tickets 1000000 \
          --stores sqlite --ways columns,saved --changed 1000   (keeps and reuses the store)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.core.config.loader import check_config_kpis
from accord.core.kpi.check import custom_fields
from accord.io.store import Incoming, SqlStore
from accord.service.kpi_view import KpiView
from accord.service.kpi_view_state import store_id
from bench_service import bulk_load, postgres_url, sqlite_url


def _load(
    url: str, config_dir: str, now: int, way: str, state: str | None, read: bool, out: Any
) -> None:
    """In the child: load the view one way (``columns``, ``objects``, or ``saved``: started
    from the state file ``state``) and report the figures; ``read``: then time the first
    read of the values' inputs; with ``state`` and a load from the store, write the state
    there afterwards (timed apart)."""
    config, catalog, issues = check_config_kpis(Path(config_dir))
    assert config is not None, issues
    custom = custom_fields(list(catalog.values()), ())
    store = SqlStore(url)
    view = KpiView(store, lambda _: 1, lambda: now)
    sid = store_id(store, now)
    c0, w0 = time.process_time(), time.perf_counter()
    if way == "saved":
        assert state is not None
        if not view.load_saved(Path(state), sid, 1, config, custom):
            raise SystemExit("the saved state was not used")
    else:
        view.load(1, config, custom, columnar=way == "columns")
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    got: dict[str, Any] = {"cpu": cpu, "wall": wall, "rss": rss, **view.stats()}
    got["reread"] = view.refreshed
    if read:  # the first KPI read's inputs after the start (every ticket, no customer)
        c0, w0 = time.process_time(), time.perf_counter()
        assert view.inputs(now, custom, None) is not None
        got["read"] = (time.process_time() - c0, time.perf_counter() - w0)
    if state is not None and way != "saved":
        c0, w0 = time.process_time(), time.perf_counter()
        written = view.save(Path(state), sid)
        assert written is not None
        got["save"] = (time.process_time() - c0, time.perf_counter() - w0, written[0])
    store.close()
    out.put(got)


def measure(
    url: str, config_dir: Path, now: int, way: str, state: Path | None = None, read: bool = False
) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    args = (url, str(config_dir), now, way, str(state) if state else None, read, q)
    p = ctx.Process(target=_load, args=args)
    p.start()
    got: dict[str, Any] = q.get()
    p.join()
    if p.exitcode:
        raise SystemExit(f"the load ({way}) failed")
    got["load"] = os.getloadavg()[0]
    return got


def change(url: str, n: int, now: int, tag: str) -> int:
    """Give ``n`` tickets spread over the store one new event each (a copy of their last
    one, a minute after it): what an ingest leaves before the recompute reaches it."""
    store = SqlStore(url)
    try:
        total = store.count_tickets()
        step = max(total // max(n, 1), 1)
        ids: list[str] = []
        after: str | None = None
        while len(ids) < n:
            page = store.ticket_ids(after=after, limit=10_000)
            if not page:
                break
            ids.extend(page[::step])
            after = page[-1]
        ids = ids[:n]
        items = []
        for evs in store.events_of(ids).values():
            last = max(evs, key=lambda e: e.sort_key())
            new = replace(last, event_id=f"{last.event_id}-{tag}", ts=last.ts + 60, seq=0)
            items.append(Incoming(new, "bench", len(items)))
        store.add_events(items, received_at=now)
        return len(items)
    finally:
        store.close()


def _report(kind: str, name: str, r: dict[str, Any]) -> None:
    print(
        f"[{kind}] view {'start' if name == 'saved' else 'load'}, {name}: {r['cpu']:.2f} CPU-s,"
        f" wall {r['wall']:.2f} s (load avg {r['load']:.1f}), peak RSS {r['rss']:.0f} MiB; "
        f"{r['settled']:,} settled, {r['open']:,} open, {r['records']:,} records"
        + (f"; {r['reread']:,} tickets read again" if name == "saved" else ""),
        flush=True,
    )
    if "read" in r:
        print(
            f"[{kind}] then the first read's inputs: {r['read'][0]:.2f} CPU-s, "
            f"wall {r['read'][1]:.2f} s",
            flush=True,
        )
    if "save" in r:
        cpu, wall, size = r["save"]
        print(
            f"[{kind}] state written: {cpu:.2f} CPU-s, wall {wall:.2f} s, {size / 2**20:.0f} MiB",
            flush=True,
        )


def distinct_fields(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            q = "SELECT COUNT(*), COUNT(DISTINCT CAST(fields AS TEXT)) FROM events"
            n, d = conn.execute(sa.text(q)).one()
    finally:
        engine.dispose()
    return int(n), int(d)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument(
        "--ways",
        default="columns,objects",
        help="columns, objects (slow) and/or saved (a start from the state columns wrote)",
    )
    parser.add_argument("--changed", type=int, default=0, help="tickets changed after the save")
    parser.add_argument("--rounds", type=int, default=1, help="the ways run this many times")
    parser.add_argument(
        "--read", action="store_true", help="time the first read after each load or start"
    )
    parser.add_argument(
        "--keep", type=Path, help="a SQLite file kept (and reused when it exists) as the store"
    )
    args = parser.parse_args()
    ways = args.ways.split(",")
    if "saved" in ways and "columns" not in ways:
        parser.error("saved needs columns (its load writes the state)")
    info = machine_info(("sqlalchemy", "psycopg", "polars", "pyarrow"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="accord-bench-view-load-") as tmp_name:
        tmp = Path(tmp_name)
        config = copy_demo_config(tmp / "config", alerts=False)
        for kind in args.stores.split(","):
            if args.keep is not None and kind == "sqlite":
                make: Any = lambda: nullcontext(f"sqlite:///{args.keep.resolve()}")  # noqa: E731
            else:
                make = (lambda: sqlite_url(tmp)) if kind == "sqlite" else postgres_url
            with make() as url:
                kept = args.keep is not None and kind == "sqlite" and args.keep.exists()
                now = _stored_now(url) if kept else int(time.time())
                if not kept:
                    print(f"[{kind}] loading {args.tickets:,} tickets ...", flush=True)
                    took = bulk_load(url, config, args.tickets, now, events=0)
                    print(f"[{kind}] stored in {took:.0f} s", flush=True)
                events, texts = distinct_fields(url)
                print(f"[{kind}] {events:,} events ({texts:,} distinct fields texts)", flush=True)
                for round_ in range(1, args.rounds + 1):
                    _round(kind, url, config, now, ways, args, tmp, round_)
    return 0


def _stored_now(url: str) -> int:
    """The instant a kept store was bulk-loaded at (its records' judging instant)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT MAX(records_as_of) FROM tickets")).scalar_one())
    finally:
        engine.dispose()


def _round(
    kind: str,
    url: str,
    config: Path,
    now: int,
    ways: list[str],
    args: argparse.Namespace,
    tmp: Path,
    n: int,
) -> None:
    state = tmp / f"state-{kind}.arrow"
    changed, read = args.changed, args.read
    got: dict[str, dict[str, Any]] = {}
    for way in ways:
        if way == "saved":
            continue
        got[way] = measure(url, config, now, way, state if way == "columns" else None, read)
        _report(kind, f"{way} (round {n})" if way != "columns" else "columns", got[way])
    if "objects" in got:
        new, old = got["columns"], got["objects"]
        counts = ("settled", "open", "records")
        if any(new[k] != old[k] for k in counts):
            raise SystemExit(f"[{kind}] the two loads differ: {new} vs {old}")
        print(
            f"[{kind}] columns vs objects: {old['cpu'] / new['cpu']:.1f}x less CPU, "
            f"{old['wall'] / new['wall']:.1f}x less wall",
            flush=True,
        )
    if "saved" not in ways:
        return
    full = got["columns"]
    if changed:
        print(f"[{kind}] {change(url, changed, now, f'r{n}'):,} tickets changed", flush=True)
    saved = measure(url, config, now, "saved", state, read)
    _report(kind, "saved", saved)
    if changed:  # the full load of the changed store, to check the start against
        full = measure(url, config, now, "columns", None, read)
        _report(kind, "columns, after the changes", full)
    counts = ("settled", "open", "records")
    if any(saved[k] != full[k] for k in counts):
        raise SystemExit(f"[{kind}] the start and the load differ: {saved} vs {full}")
    print(
        f"[{kind}] saved start vs columnar load: {full['cpu'] / saved['cpu']:.1f}x less CPU, "
        f"{full['wall'] / saved['wall']:.1f}x less wall",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
