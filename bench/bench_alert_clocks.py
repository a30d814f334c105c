"""Alert rounds benchmark (issue 20, goal 5): what one round of ``accord serve``'s alert loop
costs in its SLA part, with the open clocks kept between rounds
(:mod:`accord.service.alert_clocks`) against every open clock read and evaluated again (what
each round did before, and what ``accord alerts run`` still does), in the same run, over the
same store.

The store is a SQLite file of ``--tickets`` demo tickets bulk-loaded as the service benchmark
loads them (``bench_service.bulk_load``; with ``--events N`` each ticket cut to its first N
events, so most are open), under the demo configuration's SLA alert rules. A runtime is opened
over it in process, as ``accord serve`` builds it (no server, no thread). Each of
``--repeat`` rounds: ``--changed`` tickets get one new event each and are recomputed (not
timed; the runtime tells its alert clocks, as the server does), then one round's SLA part
either way, in alternating order (the alerts' delivery, the same work either way, apart):

- **kept**: the clocks caught up with the store (the saved tickets read again), their
  candidate alerts made again for those tickets, the new candidates' keys looked up, the due
  ones taken from the queue by threshold instant and claimed;
- **every clock**: every open clock read from the store, every SLA rule evaluated on each,
  every candidate's key looked up, the due ones claimed.

Both leave out thresholds reached more than an hour before the first round, as a server does
(``ACCORD_ALERT_GRACE``). The candidates of both are checked equal in every round. Times are
process CPU seconds (``time.process_time``), with wall seconds and the load average beside.

Run:  .venv/bin/python bench/bench_alert_clocks.py --tickets 100000 --events 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accord.core.alerts.evaluate import HORIZON, Readings, evaluate
from accord.io.store import TicketQuery
from accord.service.alert_clocks import SLA_KINDS, OpenClocks
from accord.service.alert_readings import open_clock_readings
from accord.service.alerting import AlertSetup, KnownKeys, take_in_charge
from accord.service.runtime import Runtime
from bench_alert_figures import add_arguments, demo_runtime, touch


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def kept_round(
    runtime: Runtime,
    clocks: OpenClocks,
    known: KnownKeys,
    setup: AlertSetup,
    now: int,
    since: int,
) -> tuple[list[str], float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    clocks.catch_up(now)
    take_in_charge(runtime.store, setup, Readings(), now, since=since, clocks=clocks, known=known)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    # (not timed) every candidate kept, to check them
    return sorted(a.key for a in clocks.candidates(setup.rules, setup.calendars)), cpu, wall


def every_clock_round(
    runtime: Runtime, setup: AlertSetup, now: int, since: int
) -> tuple[list[str], int, float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    readings = open_clock_readings(runtime.store, now)
    take_in_charge(runtime.store, setup, readings, now, since=since)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    # (not timed) the candidates that round evaluated, to check the kept ones
    every = evaluate(setup.rules, readings, setup.calendars, (), HORIZON)
    return sorted(a.key for a in every), len(readings.records), cpu, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap, events=3)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with demo_runtime(args) as (runtime, clock):
        now = clock[0]
        full = runtime.alerting.setup_at(now)
        assert full is not None
        setup = replace(full, rules={k: r for k, r in full.rules.items() if r.kind in SLA_KINDS})
        clocks = runtime.alerting.clocks
        assert clocks is not None
        known = KnownKeys()
        since = now - 3600  # as a server's first round leaves out older thresholds (grace)
        c0, w0 = time.process_time(), time.perf_counter()
        kept_round(runtime, clocks, known, setup, now, since)  # the first reads everything
        first_cpu, first_wall = time.process_time() - c0, time.perf_counter() - w0
        print(f"first round (every clock read, kept): {first_cpu:.2f} CPU-s, {first_wall:.2f} s")
        page = runtime.store.find_tickets(TicketQuery(now=now, limit=args.changed))
        ids = [s.ticket_id for s in page]
        rows: dict[str, list[tuple[float, float]]] = {"kept": [], "every clock": []}
        n_clocks = 0
        for i in range(args.repeat):
            clock[0] = now + 60 * (i + 1)
            touch(runtime, ids, clock[0], i)
            order = ("kept", "every clock") if i % 2 == 0 else ("every clock", "kept")
            got: dict[str, list[str]] = {}
            for name in order:
                if name == "kept":
                    keys, cpu, wall = kept_round(runtime, clocks, known, setup, clock[0], since)
                else:
                    keys, n_clocks, cpu, wall = every_clock_round(runtime, setup, clock[0], since)
                got[name] = keys
                rows[name].append((cpu, wall))
            assert got["kept"] == got["every clock"], "the kept candidates differ"
            print(f"  round {i + 1}: {len(got['kept']):,} candidates equal (load {_load()})")
    print(f"\n{args.tickets:,} tickets, {n_clocks:,} open clocks, {args.changed:,} saved "
          "before each round")  # fmt: skip
    print("| SLA part of a round | CPU (median) | wall (median) |\n| --- | ---: | ---: |")
    for name, got_rows in rows.items():
        cpu = median(c for c, _ in got_rows)
        wall = median(w for _, w in got_rows)
        print(f"| {name} | {cpu:.3f} s | {wall:.3f} s |")
    ratio = median(c for c, _ in rows["every clock"]) / median(c for c, _ in rows["kept"])
    print(f"every clock / kept, CPU: {ratio:.1f}x  (load {_load()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
