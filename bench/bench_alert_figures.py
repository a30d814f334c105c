"""Alert figures benchmark (issue 20, goal 5): what one refresh of the alert loop's KPI and
contract figures costs ``accord serve``, from the KPI view (:mod:`accord.service.alert_view`)
against every stored event replayed (:class:`~accord.service.alert_readings.ReplayFigures`,
what the loop did before), in the same run, over the same store.

The store is a SQLite file of ``--tickets`` demo tickets bulk-loaded as the service benchmark
loads them (``bench_service.bulk_load``: events, stored records, summaries; whole tickets, most
of them solved, or with ``--events N`` cut to their first N events, most open), under the demo
configuration with its alert rules (a KPI band rule and a budget-burn rule per contract). A
runtime is opened over it in process, as ``accord serve`` builds it (no server, no thread):

- **view, load**: the KPI view loaded for the configuration (once after a start);
- **refresh after a save**: ``--changed`` tickets get one new event each and are recomputed
  (not timed), then one refresh of the figures (the KPI band rules' values and the contract
  rules' statements): the view's catch-up with the store plus its inputs, or the replay of
  every stored event; the rest of the evaluation is the same code on both paths;
- beside them, what every round costs either way: its reading of the open clocks;

each ``--repeat`` times, interleaved. The figures of both paths are checked equal in the run.
Times are process CPU seconds (``time.process_time``) with wall seconds and the load beside.

Run:  .venv/bin/python bench/bench_alert_figures.py --tickets 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accord.cli.demo import copy_demo_config
from accord.core.events import Actor, Event, Kind
from accord.io.store import Incoming, SqlStore, TicketQuery
from accord.service.alert_readings import (
    FigureSource,
    ReplayFigures,
    contract_readings,
    kpi_band_changes,
    open_clock_readings,
)
from accord.service.alert_view import ViewFigures
from accord.service.runtime import Runtime
from accord.service.settings import Settings
from bench_service import bulk_load


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def touch(runtime: Runtime, ids: list[str], now: int, n: int) -> None:
    """One new internal note on each of ``ids`` at ``now``, stored and recomputed."""
    events = [
        Incoming(Event(f"bench-{n}-{tid}", tid, now, Kind.MESSAGE, Actor.AGENT, public=False),
                 "bench", i)
        for i, tid in enumerate(ids)
    ]  # fmt: skip
    runtime.store.add_events(events, received_at=now)
    runtime.recomputer.drain()


def refresh(runtime: Runtime, source: FigureSource, now: int) -> tuple[object, float, float]:
    """One refresh of the figures (what a round adds to its reading of the open clocks)."""
    setup = runtime.alerting.setup_at(now)
    assert setup is not None
    c0, w0 = time.process_time(), time.perf_counter()
    bands = kpi_band_changes(runtime.store, setup, now, source)
    budgets, forecasts = contract_readings(setup, now, source)
    return (bands, budgets, forecasts), time.process_time() - c0, time.perf_counter() - w0


def open_clocks(runtime: Runtime, now: int) -> tuple[int, float, float]:
    """Every round's reading of the open clocks (the SLA rules'), the same on both paths."""
    c0, w0 = time.process_time(), time.perf_counter()
    got = open_clock_readings(runtime.store, now)
    return len(got.records), time.process_time() - c0, time.perf_counter() - w0


def add_arguments(ap: argparse.ArgumentParser, *, events: int) -> None:
    """The options both alert benchmarks take."""
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--changed", type=int, default=1_000)
    ap.add_argument(
        "--events",
        type=int,
        default=events,
        help="each ticket cut to its first N events (many open); 0: whole (most solved)",
    )


@contextmanager
def demo_runtime(args: argparse.Namespace) -> Iterator[tuple[Runtime, list[int]]]:
    """A runtime over a SQLite file of ``--tickets`` bulk-loaded demo tickets, under the demo
    configuration with its alert rules, as ``accord serve`` builds it (no background work),
    and its clock (``[now]``, moved by the caller)."""
    with tempfile.TemporaryDirectory(prefix="accord-alert-bench-") as tmp:
        root = Path(tmp)
        config = copy_demo_config(root / "config", alerts=True)
        url = f"sqlite:///{root / 'accord.db'}"
        now = int(time.time())
        print(f"loading {args.tickets:,} tickets ...", flush=True)
        load_s = bulk_load(url, config, args.tickets, now, events=args.events)
        print(f"  loaded in {load_s:.1f} s", flush=True)
        clock = [now]
        settings = replace(Settings(), background=False, config_dir=config)
        runtime = Runtime(settings, SqlStore(url), clock=lambda: clock[0])
        runtime.seed()
        try:
            yield runtime, clock
        finally:
            runtime.store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap, events=0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with demo_runtime(args) as (runtime, clock):
        now = clock[0]
        view = ViewFigures(runtime)
        setup = runtime.alerting.setup_at(now)
        assert setup is not None and setup.config is not None and setup.version is not None
        c0, w0 = time.process_time(), time.perf_counter()
        runtime.kpi_view.load(setup.version, setup.config, runtime._held_fields(setup.version))
        load_cpu, load_wall = time.process_time() - c0, time.perf_counter() - w0
        print(f"view, load: {load_cpu:.2f} CPU-s, {load_wall:.2f} s wall (load {_load()})")
        page = runtime.store.find_tickets(TicketQuery(now=now, limit=args.changed))
        ids = [s.ticket_id for s in page]
        timings: dict[str, list[tuple[float, float]]] = {"view": [], "replay": []}
        for i in range(args.repeat):
            clock[0] = now + 60 * (i + 1)
            touch(runtime, ids, clock[0], i)
            got_view, cpu, wall = refresh(runtime, view, clock[0])
            timings["view"].append((cpu, wall))
            got_replay, cpu, wall = refresh(runtime, ReplayFigures(runtime.store), clock[0])
            timings["replay"].append((cpu, wall))
            assert got_view == got_replay, "the view's figures differ from the replay's"
            assert view.replayed == 0, "the view could not answer"
            print(f"  round {i + 1}: figures equal (load {_load()})", flush=True)
        clocks, clocks_cpu, clocks_wall = open_clocks(runtime, clock[0])
    print(f"\n{args.tickets:,} tickets, {args.changed:,} saved before each refresh")
    print("| path | refresh CPU (median) | wall (median) |\n| --- | ---: | ---: |")
    for name, rows in timings.items():
        cpu = median(c for c, _ in rows)
        wall = median(w for _, w in rows)
        print(f"| {name} | {cpu:.2f} s | {wall:.2f} s |")
    print(f"| (every round, both paths: the {clocks:,} open clocks read) | {clocks_cpu:.2f} s "
          f"| {clocks_wall:.2f} s |")  # fmt: skip
    ratio = median(c for c, _ in timings["replay"]) / median(c for c, _ in timings["view"])
    print(f"replay / view, CPU: {ratio:.1f}x  (load {_load()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
