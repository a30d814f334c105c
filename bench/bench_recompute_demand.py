"""What a latency asks of the background recompute: how many ticket recomputes a second the
sustained stream of ``bench_service.py --parts sustained`` needs for its clocks to be at most
``W`` seconds behind, for several ``W``.

A recompute pass takes the marked tickets, oldest mark first; a ticket marked several times
before its pass is recomputed once, with all its new events. If the recompute is ``W`` seconds
behind, it must therefore recompute every ticket that had an event in each ``W``-second window
of the stream, once: the number of *distinct* tickets among the ``W × rate`` events of a
window, divided by ``W``. The shorter the lag, the fewer events each recompute carries, and
the more recomputes a second it takes: the cost of a recompute is mostly the ticket's (its
stored events read, its records diffed and written), not its new events'.

The stream is the one the sustained part posts: the demo helpdesk log (``--seed`` 17,
``--events`` 3,000,000) in delivery order at ``--rate`` events/s. No service runs; this is
arithmetic on the log. A second table says, minute by minute of the stream, how many events
the ticket of an event holds once it is stored (what its recompute reads) and how many
distinct tickets a second the stream touches: whether the work drifts over a run.

    .venv/bin/python bench/bench_recompute_demand.py
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import numpy as np

from _common import machine_info
from accord.demo.generate import generate_log


def distinct_per_window(codes: np.ndarray, window: int) -> np.ndarray:
    """The number of distinct tickets in each whole window of ``window`` events."""
    whole = len(codes) // window
    out = np.empty(whole, np.int64)
    for i in range(whole):
        out[i] = len(np.unique(codes[i * window : (i + 1) * window]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=3_000_000)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--rate", type=float, default=5_000, help="events/s of the stream")
    ap.add_argument(
        "--lags", default="0.5,1,2,5,10,20,40", help="seconds behind the stream, comma-separated"
    )
    args = ap.parse_args()

    started = time.process_time()
    end = datetime.now(UTC).replace(microsecond=0)  # as the sustained part: a log ending now
    log = generate_log(seed=args.seed, end=end, target_events=args.events)
    ids = np.array([e.ticket_id for e in log.events()])
    _, codes = np.unique(ids, return_inverse=True)
    tickets = int(codes.max()) + 1
    print(
        f"demo log: {len(ids):,} events of {tickets:,} tickets ({len(ids) / tickets:.2f} a "
        f"ticket), seed {args.seed}, offered at {args.rate:,.0f} events/s "
        f"({len(ids) / args.rate / 60:.1f} min); made in {time.process_time() - started:.1f} "
        "CPU-s"
    )
    print(f"machine: {machine_info()}")
    print()
    print(
        "| lag W | events a window | distinct tickets a window (mean) | recomputes/s needed "
        "| events a recompute |"
    )
    print("| ---: | ---: | ---: | ---: | ---: |")
    for lag in (float(x) for x in args.lags.split(",")):
        window = int(lag * args.rate)
        distinct = distinct_per_window(codes, window)
        mean = float(distinct.mean())
        print(f"| {lag:g} s | {window:,} | {mean:,.0f} | {mean / lag:,.0f} | {window / mean:.2f} |")
    print()
    per_minute(codes, int(60 * args.rate), int(args.rate))
    return 0


def stored_before(codes: np.ndarray) -> np.ndarray:
    """For each event, how many events its ticket has once it is stored (itself included)."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    sizes = np.diff(np.r_[starts, len(codes)])
    rank = np.arange(len(codes)) - np.repeat(starts, sizes)
    out = np.empty(len(codes), np.int64)
    out[order] = rank + 1
    return out


def per_minute(codes: np.ndarray, minute: int, second: int) -> None:
    """Whether the stream's work drifts over a run: each minute's mean stored events of an
    event's ticket (what its recompute reads) and distinct tickets a second (recomputes at a
    lag of a second)."""
    stored = stored_before(codes)
    print(
        "| minute | stored events of the event's ticket: mean / p90 "
        "| distinct tickets a second: mean / max |"
    )
    print("| ---: | ---: | ---: |")
    for m in range(len(codes) // minute):
        part = slice(m * minute, (m + 1) * minute)
        seg, held = codes[part], stored[part]
        distinct = distinct_per_window(seg, second)
        print(
            f"| {m + 1} | {held.mean():.2f} / {np.percentile(held, 90):.0f} "
            f"| {distinct.mean():,.0f} / {distinct.max():,} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
