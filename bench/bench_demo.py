"""The demo generator (issue #20, goal 4): at least 500,000 events/s, vectorised, against the
generator it replaced (one Python object per event, ``bench/legacy_demo.py``) in the same run.

Each case does what ``accord demo generate`` does, generating the log and writing it (JSON
Lines, the default, and Parquet), timed inside one process once the imports are done (the
start of a process is bench_startup.py's business). The old generator is run the same way,
through ``write_events``, on a smaller log (it makes a few thousand events a second). Rates
are events written per second of wall time and per second of CPU time (the machine is
shared, so wall time follows the others' load). Medians of ``--repeat`` interleaved runs.

    .venv/bin/python bench/bench_demo.py [--events 1000000] [--legacy-events 30000] [--doc]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOAL = 500_000
END_DT = datetime(2026, 3, 4, 12, tzinfo=UTC)
OLD = "old generator → JSON Lines"


def _vectorised(events: int, out: Path) -> int:
    """What `accord demo generate --events N -o FILE` does, minus the process start."""
    from accord.cli.demo import WRITE_BATCH
    from accord.demo.generate import generate_log, log_table
    from accord.io.table_writers import write_event_table

    log = generate_log(end=END_DT, target_events=events)
    batches = (log_table(log, i, i + WRITE_BATCH) for i in range(0, len(log), WRITE_BATCH))
    return write_event_table(out, batches)


def _old(events: int, out: Path) -> int:
    """The generator it replaced, written the way `accord demo generate` wrote it."""
    from accord.io.writers import write_events
    from legacy_demo import generate_events

    return write_events(out, generate_events(end=END_DT, target_events=events))


def _timed(run: Callable[[], int]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (all threads of this process) and events written."""
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    n = run()
    return time.perf_counter() - t0, time.process_time() - c0, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--legacy-events", type=int, default=30_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--doc", action="store_true", help="write the figures to docs/performance.md")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from _common import machine_info, replace_section

    results: dict[str, list[tuple[float, float, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="accord-demo-") as tmp:
        root = Path(tmp)
        cases: dict[str, Callable[[], int]] = {
            "vectorised → JSON Lines": lambda: _vectorised(args.events, root / "v.jsonl"),
            "vectorised → Parquet": lambda: _vectorised(args.events, root / "v.parquet"),
            OLD: lambda: _old(args.legacy_events, root / "o.jsonl"),
        }
        _vectorised(1000, root / "warm.jsonl")  # untimed: the imports
        _vectorised(1000, root / "warm.parquet")
        _old(100, root / "warm.jsonl")
        names = list(cases)
        for r in range(args.repeat):
            for name in names[r % 3 :] + names[: r % 3]:
                results.setdefault(name, []).append(_timed(cases[name]))
                wall, cpu, n = results[name][-1]
                print(f"{name}: {n:,} events, {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)

    def rate(name: str, which: int) -> float:
        n = results[name][0][2]
        return n / statistics.median(r[which] for r in results[name])

    rows = []
    for name in names:
        wall = statistics.median(r[0] for r in results[name])
        rows.append(
            f"- {name}: {results[name][0][2]:,} events, median {wall:.2f} s wall → "
            f"**{rate(name, 0):,.0f} events/s**, {rate(name, 1):,.0f} events per CPU-second"
            + ("" if name == OLD else f"; **{rate(name, 0) / rate(OLD, 0):,.0f}×** the old one")
        )
    ok = min(rate(n, 0) for n in names if n != OLD) >= GOAL
    cpu_ok = min(rate(n, 1) for n in names if n != OLD) >= GOAL
    m = machine_info(("numpy", "pyarrow"))
    lines = [
        *rows,
        f"- goal ≥ {GOAL:,} events/s: {'met' if ok else 'not met'} in wall time, "
        f"{'met' if cpu_ok else 'NOT met'} per CPU-second (the machine is shared: wall time "
        "follows the others' load)",
        f"- machine: nproc {m['nproc']}, {m['CPU']}; Python {m['Python']}; numpy {m['numpy']}, "
        f"pyarrow {m['pyarrow']}; load average at the end {os.getloadavg()[0]:.1f}",
        f"- command: `.venv/bin/python bench/bench_demo.py --events {args.events} "
        f"--legacy-events {args.legacy_events} --repeat {args.repeat}`",
    ]
    report = "\n".join(lines)
    print(report)
    if args.doc:
        body = (
            "(written by `bench/bench_demo.py`: what `accord demo generate` does, generating "
            "and writing, timed in one process after the imports, cases interleaved)\n\n"
            + report
            + "\n\n"
            + DESIGN
        )
        replace_section(ROOT / "docs" / "performance.md", "Demo generator", body)
    return 0 if cpu_ok else 1


DESIGN = """\
How: the demo's helpdesk story is simulated for all tickets at once (`accord.demo.story`):
each step of the story (a reply, a status change, an escalation) is one numpy operation over
the tickets it applies to, the random draws are made for those tickets only, and the agents'
working hours are added with two binary searches in a table of each calendar's working
intervals (`accord.demo.worktime`). Field values stay small integer codes until the file is
written; the writer (`accord.io.table_writers`) makes the text of each distinct combination
of kind, actor and fields once and takes it for every row, so a line costs a few array
elements, not a Python object and a `json.dumps`. JSON Lines are joined 65,536 rows at a
time (Arrow's `binary_join_element_wise`), each instant's text a fixed 20-byte row gathered
by numpy from a table of the batch's dates and one of the day's 86,400 times: the text of a
whole million-row batch at once made the process fault in about 270 MB of fresh pages, which
cost more than making the text. The output is the bytes `write_events` writes for the same
events (tests hold them equal, for several seeds and end instants and chunks cut anywhere).
Same seed and end instant, same bytes."""


if __name__ == "__main__":
    raise SystemExit(main())
