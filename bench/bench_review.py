"""Recommended targets and the review report against one ``accord sla`` run of the same log.

    .venv/bin/python bench/bench_review.py                       # 1,000,000 events
    .venv/bin/python bench/bench_review.py --events 10000000 --repeat 1

Seeded (``--seed``). The log of ``bench/gen_events.py`` (the demo's customers, policies,
calendars and contracts, ending 2026-06-30), as Parquet; then, each in a fresh process on one
core and alternating ``--repeat`` times after one untimed run of each:

- ``accord sla EVENTS --config DEMO --as-of T``;
- ``accord review targets EVENTS --config DEMO --as-of T --format json`` (six months, with the
  replay of the contracts under every recommendation: two batch runs and a comparison);
- ``accord review report EVENTS --config DEMO --as-of T --period 2026-Q2 --format html`` and
  ``--format pdf`` (the quarter's trend, the recommendations, the what-if of adopting them,
  the capacity plan: two batch runs, two comparisons, the document).

Medians of wall and CPU time give the ratios to one ``accord sla`` run. ``--doc`` writes the
figures into the "Review" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_whatif import AS_OF, DEMO_CONFIG, _accord, _gib, _run  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each command")
    ap.add_argument("--doc", action="store_true", help="write the figures to docs/performance.md")
    args = ap.parse_args()

    import pyarrow.parquet as pq

    from _common import machine_info, replace_section
    from gen_events import generate

    with tempfile.TemporaryDirectory(prefix="accord-review-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        log = generate(args.events, seed=args.seed)
        events = root / "events.parquet"
        pq.write_table(log.table, events)
        n_events = log.table.num_rows
        del log
        print(f"log: {n_events:,} events in {time.perf_counter() - t0:.1f} s", flush=True)
        base = [str(events), "--config", str(DEMO_CONFIG), "--as-of", AS_OF]
        report = [_accord(), "review", "report", *base, "--period", "2026-Q2"]
        commands = {
            "sla": [_accord(), "sla", *base],
            "targets": [_accord(), "review", "targets", *base, "--format", "json"],
            "report html": [*report, "--format", "html", "--out", str(root / "r.html")],
            "report pdf": [*report, "--format", "pdf", "--out", str(root / "r.pdf")],
        }
        out = root / "out"
        for cmd in commands.values():
            _run(cmd, out)  # untimed: the file in the page cache, the caches of numba warm
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
        for r in range(args.repeat):
            order = list(commands.items())
            for name, cmd in order if r % 2 == 0 else order[::-1]:
                runs[name].append(_run(cmd, out))
                print(f"{name}: {runs[name][-1]}", flush=True)
        sizes = {k: (root / f"r.{k}").stat().st_size for k in ("html", "pdf")}

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    m = machine_info(("numpy", "pyarrow", "polars", "fpdf2"))
    lines = [f"- log: {n_events:,} events, seed {args.seed}; as of {AS_OF}; report of 2026-Q2"]
    for name in commands:
        each = ", ".join(f"{r['wall_s']:.1f}" for r in runs[name])
        lines.append(
            f"- `accord {'review ' if name != 'sla' else ''}{name}`, median of {args.repeat}: "
            f"**{med(name, 'wall_s'):.1f} s** wall (runs: {each} s), {med(name, 'cpu_s'):.1f} s "
            f"CPU, peak {_gib(max(r['peak_bytes'] for r in runs[name]))}"
            + (
                ""
                if name == "sla"
                else f"; **{med(name, 'wall_s') / med('sla', 'wall_s'):.2f}×** `accord sla` "
                f"wall, {med(name, 'cpu_s') / med('sla', 'cpu_s'):.2f}× CPU"
            )
        )
    lines += [
        f"- documents: HTML {sizes['html'] / 1024:.0f} KiB, PDF {sizes['pdf'] / 1024:.0f} KiB",
        f"- machine: nproc {m['nproc']}, {m['CPU']}, {m['RAM']} RAM; Python {m['Python']}; "
        f"numpy {m['numpy']}, pyarrow {m['pyarrow']}, polars {m['polars']}; load average at "
        f"the end {os.getloadavg()[0]:.1f}",
        f"- command: `.venv/bin/python bench/bench_review.py --events {args.events} "
        f"--repeat {args.repeat}`",
    ]
    text = "\n".join(lines)
    print("\n" + text)
    if args.doc:
        body = (
            "(written by `bench/bench_review.py`: each command as a user runs it, in a fresh "
            "process on one core, alternating)\n\n" + text + "\n\n" + DESIGN
        )
        replace_section(ROOT / "docs" / "performance.md", "Review", body)
    return 0


DESIGN = """\
Where the time goes: recommended targets compute the records once, estimate per group and
period (Kaplan-Meier over sorted durations, a few milliseconds a group), then replay the
contracts under every recommendation (a second batch run and a comparison, as a what-if). The
report adds the quarter's trend (one group-by over the quarter's clocks), the capacity plan
(arrivals per interval of the week) and the document; the PDF's tables are drawn by fpdf2 in
pure Python, which is why it costs a little more than the HTML. On a shared machine CPU time is
the steadier ratio: wall times move with the load of other work (one run each at 1M events was
measured here with a load average above 10 on 2 cores; 10M was not run)."""


if __name__ == "__main__":
    raise SystemExit(main())
