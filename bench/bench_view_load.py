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

Run:  .venv/bin/python bench/bench_view_load.py --tickets 100000
      .venv/bin/python bench/bench_view_load.py --tickets 20000 --stores sqlite   (quick)
      .venv/bin/python bench/bench_view_load.py --tickets 1000000 --stores sqlite --ways columns
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.core.config.loader import check_config_kpis
from accord.core.kpi.check import custom_fields
from accord.io.store import SqlStore
from accord.service.kpi_view import KpiView
from bench_service import bulk_load, postgres_url, sqlite_url


def _load(url: str, config_dir: str, now: int, columnar: bool, out: Any) -> None:
    """In the child: load the view one way and report the figures."""
    config, catalog, issues = check_config_kpis(Path(config_dir))
    assert config is not None, issues
    custom = custom_fields(list(catalog.values()), ())
    store = SqlStore(url)
    view = KpiView(store, lambda _: 1, lambda: now)
    c0, w0 = time.process_time(), time.perf_counter()
    view.load(1, config, custom, columnar=columnar)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out.put({"cpu": cpu, "wall": wall, "rss": rss, **view.stats()})


def measure(url: str, config_dir: Path, now: int, columnar: bool) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_load, args=(url, str(config_dir), now, columnar, q))
    p.start()
    got: dict[str, Any] = q.get()
    p.join()
    if p.exitcode:
        raise SystemExit(f"the load ({'columns' if columnar else 'objects'}) failed")
    got["load"] = os.getloadavg()[0]
    return got


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
        "--ways", default="columns,objects", help="columns and/or objects (objects: slow)"
    )
    args = parser.parse_args()
    info = machine_info(("sqlalchemy", "psycopg", "polars", "pyarrow"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="accord-bench-view-load-") as tmp_name:
        tmp = Path(tmp_name)
        config = copy_demo_config(tmp / "config", alerts=False)
        for kind in args.stores.split(","):
            make = (lambda: sqlite_url(tmp)) if kind == "sqlite" else postgres_url
            with make() as url:
                now = int(time.time())
                print(f"[{kind}] loading {args.tickets:,} tickets ...", flush=True)
                took = bulk_load(url, config, args.tickets, now, events=0)
                events, texts = distinct_fields(url)
                print(
                    f"[{kind}] stored in {took:.0f} s: {events:,} events "
                    f"({texts:,} distinct fields texts)",
                    flush=True,
                )
                ways = args.ways.split(",")
                got = {w: measure(url, config, now, columnar=w == "columns") for w in ways}
                for name, r in got.items():
                    print(
                        f"[{kind}] view load, {name}: {r['cpu']:.1f} CPU-s, wall {r['wall']:.1f} s"
                        f" (load avg {r['load']:.1f}), peak RSS {r['rss']:.0f} MiB; "
                        f"{r['settled']:,} settled, {r['open']:,} open, "
                        f"{r['records']:,} records",
                        flush=True,
                    )
                if len(got) < 2:
                    continue
                new, old = got["columns"], got["objects"]
                counts = ("settled", "open", "records")
                if any(new[k] != old[k] for k in counts):
                    raise SystemExit(f"[{kind}] the two loads differ: {new} vs {old}")
                print(
                    f"[{kind}] columns vs objects: {old['cpu'] / new['cpu']:.1f}x less CPU, "
                    f"{old['wall'] / new['wall']:.1f}x less wall",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
