"""The refresh of the dashboard's figures (KPI values, a customer statement) on a mid-size
store: the batch engine against the reference engine, in process.

The store is SQLite with ``--tickets`` tickets bulk-loaded as ``bench_service.py`` loads them,
with the demo configuration (acme, about 14 % of the tickets, has a contract). Each case is
what one snapshot refresh of :mod:`accord.service.snapshots` runs: ``GET /api/v1/kpis/values``
(every KPI, every ticket) and ``GET /api/v1/customers/acme/statement``, computed once with each
engine (``accord.service.figures``' ``batch`` switch); both answers are checked equal.

    .venv/bin/python bench/bench_figures.py                  # 100,000 tickets
    .venv/bin/python bench/bench_figures.py --tickets 20000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from _common import machine_info
from accord.cli.demo import copy_demo_config
from accord.core.contracts.statement import build_statement, find_contract, ticket_fields
from accord.core.kpi.evaluate import evaluate
from accord.io.store import SqlStore
from accord.service.configuration import ConfigState
from accord.service.figures import contracts_of_files, customer_data, kpi_catalog, kpi_inputs
from bench_service import bulk_load, sqlite_url


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    got = fn()
    return got, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    info = machine_info(("polars", "pyarrow", "numpy"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="accord-bench-figures-") as tmp_name:
        tmp = Path(tmp_name)
        config_dir = copy_demo_config(tmp / "config", alerts=False)
        with sqlite_url(tmp) as url:
            now = int(time.time())
            load_s = bulk_load(url, config_dir, args.tickets, now)
            print(f"loaded {args.tickets:,} tickets in {load_s:.0f} s", flush=True)
            store = SqlStore(url)
            try:
                configs = ConfigState(store)
                configs.seed(config_dir, now=now)
                current = configs.current(now)
                assert current is not None
                version, config = current
                _, catalog = kpi_catalog(tuple(sorted(version.files.items())))
                name, spec = find_contract(contracts_of_files(version.files), "acme") or ("", None)
                assert spec is not None
                fields = ticket_fields([spec])

                def kpis(batch: bool) -> pl.DataFrame:
                    records, facts = kpi_inputs(store, config, now, now, [], None, batch=batch)
                    return evaluate(catalog, now, records=records, facts=facts)

                def statement(batch: bool) -> dict[str, Any]:
                    records, tickets = customer_data(
                        store, config, "acme", now, now, fields, batch=batch
                    )
                    return build_statement(name, spec, records, tickets, now).to_json()

                _, read_s = timed(lambda: sum(1 for _ in store.iter_events()))
                print(f"reading the stored events alone: {read_s:.1f} s", flush=True)
                cases: list[tuple[str, Callable[[bool], Any]]] = [
                    ("KPI values", kpis),
                    ("acme statement", statement),
                ]
                for label, fn in cases:
                    fast, batch_s = timed(partial(fn, True))
                    slow, ref_s = timed(partial(fn, False))
                    if isinstance(fast, pl.DataFrame):
                        assert_frame_equal(fast, slow)
                    else:
                        assert fast == slow, "the engines disagree"
                    print(
                        f"{label}: batch engine {batch_s:.1f} s, reference engine {ref_s:.1f} s "
                        f"({ref_s / batch_s:.1f}x; answers equal)",
                        flush=True,
                    )
            finally:
                store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
