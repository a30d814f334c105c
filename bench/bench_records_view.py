"""The records view's share of a recompute pass in the server (issue 20, goal 5).

After each pass of the recompute process the server replaces the saved tickets' rows in the
records view (what ``GET /api/v1/compliance`` counts): ``_refreshed`` with the keys read from
the store, then a compaction when the replaced tickets are many. This times that step alone,
in CPU seconds, on a view of ``--tickets`` tickets (three records with a target each, about
two in five running with a due instant), passes of ``--per-pass`` tickets drawn at random, the
same seed for every code. The store's read of the keys is not included (it is the same query
either way).

A/B: ``--before <src>`` runs the same passes with ``<src>`` first on ``PYTHONPATH`` (the code
before, e.g. ``git archive <rev> src | tar -x -C /tmp/base``), alternated with this code for
``--rounds``, each in a fresh process.

    .venv/bin/python bench/bench_records_view.py --tickets 1000000 --before /tmp/base/src
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

MONTH = "2026-11"


def keys_of(tids: list[str], rnd: random.Random) -> list[tuple[object, ...]]:
    """Three records with a target per ticket, as ``Store.compliance_keys`` gives them."""
    out: list[tuple[object, ...]] = []
    for tid in tids:
        for metric in ("first_response", "next_response", "resolution"):
            state = rnd.choice(("running", "running", "met", "breached", "paused"))
            due = rnd.randrange(1_790_000_000, 1_800_000_000) if state == "running" else None
            team, customer = rnd.choice(("t1", "t2", "t3")), rnd.choice(("acme", "globex"))
            priority = rnd.choice(("P1", "P2", "P3"))
            out.append((tid, metric, priority, "std", team, customer, MONTH, state, due))
    return out


def child(tickets: int, passes: int, per: int) -> None:
    from accord.service import records_view as rv

    try:  # the content's steps have their own module since the change this bench measures
        from accord.service import records_view_state as st

        empty, rows_frame, refreshed = st.empty_state, st.rows_frame, st.refreshed
    except ImportError:
        empty, rows_frame = rv._empty_state, rv._rows_frame  # type: ignore[attr-defined]
        refreshed = rv._refreshed  # type: ignore[attr-defined]

    rnd = random.Random(7)
    state = empty((0, 1))
    tids = [f"T{i:08d}" for i in range(tickets)]
    base, dyn = rows_frame(state, keys_of(tids, rnd))  # type: ignore[arg-type]
    state.base, state.dynamic = base.sort("ticket_id"), dyn
    view = rv.RecordsView.__new__(rv.RecordsView)
    view._compact_at = 50_000  # the server's default
    work = [(ids, keys_of(ids, rnd)) for ids in (rnd.sample(tids, per) for _ in range(passes))]
    cpu = 0.0
    for ids, keys in work:
        t0 = time.process_time()
        refreshed(state, ids, keys, {})  # type: ignore[arg-type]
        view._compact(state)
        cpu += time.process_time() - t0
    print(cpu / passes * 1e3, cpu / passes / per * 1e6)


def run(src: str | None, args: argparse.Namespace) -> tuple[float, float]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if src:
        env["PYTHONPATH"] = src
    cmd = [sys.executable, __file__, "--child", str(args.tickets), str(args.passes)]
    cmd.append(str(args.per_pass))
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    ms, us = map(float, out.split())
    return ms, us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300_000)
    parser.add_argument("--passes", type=int, default=60)
    parser.add_argument("--per-pass", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default="", help="src of the code before (A/B)")
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import machine_info

    info = machine_info(("polars", "numpy"))
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    codes = [("before", args.before), ("this code", "")] if args.before else [("this code", "")]
    got: dict[str, list[float]] = {name: [] for name, _ in codes}
    for r in range(1, args.rounds + 1):
        for name, src in codes:
            ms, us = run(src or None, args)
            got[name].append(ms)
            print(
                f"round {r} {name:9} {args.tickets:,} tickets: {ms:.2f} CPU-ms a pass of "
                f"{args.per_pass} tickets, {us:.1f} µs a ticket (load {os.getloadavg()[0]:.1f})"
            )
    for name, values in got.items():
        print(f"{name:9} median {statistics.median(values):.2f} CPU-ms a pass")
    if args.before:
        ratio = statistics.median(got["before"]) / statistics.median(got["this code"])
        print(f"this code: {ratio:.2f}x less CPU a pass")


if __name__ == "__main__":
    main()
