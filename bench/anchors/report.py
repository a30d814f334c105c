"""The simple case in ``bench/bench_end_to_end.py`` (``--part anchors``): Accord against the
DuckDB SQL and pandas anchors on one CPU, interleaved, answers checked equal; where Accord's
time goes, stage by stage; and whole processes, start-up included."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from .compare import differences
from .runs import MODES, SIMPLE_CONFIG, process_command, run_process

Run = Callable[[str, Path, int, Sequence[str]], dict[str, Any]]
NAMES = {"simple-accord": "Accord", "simple-duckdb": "DuckDB SQL", "simple-pandas": "pandas"}
GOAL_RATIO = 5.0  # issue 21 goal 2: Accord at least 5x faster than each anchor on one core


def load() -> str:
    return "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())


def _write_log(events: int, seed: int, path: Path) -> tuple[int, int]:
    from gen_events import SIMPLE_END, generate_simple

    log = generate_simple(events, seed=seed)
    pq.write_table(log.table, path)
    return log.table.num_rows, SIMPLE_END


def _check(out: Path, accord_out: Path, what: str) -> None:
    found = differences(pq.read_table(out), pq.read_table(accord_out))
    if found:
        raise AssertionError(f"{what} differs from Accord:\n" + "\n".join(found))


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ranked = sorted(runs, key=lambda r: r["total_s"])
    out = dict(ranked[len(ranked) // 2])
    out["peak_rss"] = max(r["peak_rss"] for r in runs)
    return out


def measure(
    run: Run, events: int, seed: int, repeat: int, tmp: Path, process_events: int
) -> list[str]:
    """Every figure of the simple case as report lines (Markdown bullets)."""
    load_start = load()
    path = tmp / "simple.parquet"
    t0 = time.perf_counter()
    n, as_of = _write_log(events, seed, path)
    print(f"simple log: {n:,} events in {time.perf_counter() - t0:.1f} s", flush=True)
    outs = {m: tmp / f"{m}.parquet" for m in MODES}
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    for m in MODES:  # untimed: the file in the page cache, the kernels loaded once
        run(m, path, 1, [str(as_of), str(outs[m])])
    for _ in range(repeat):
        for m in MODES:
            got = run(m, path, 1, [str(as_of), str(outs[m])])
            runs[m].append(got)
            print(f"{m}: {got['total_s']:.2f} s", flush=True)
    # the last run's answers of each anchor, ticket by ticket, against Accord's records
    for m in MODES[1:]:
        _check(outs[m], outs["simple-accord"], NAMES[m])
    med = {m: _median_run(runs[m]) for m in MODES}
    acc = med["simple-accord"]
    records = pq.read_metadata(outs["simple-accord"]).num_rows

    def rate(r: dict[str, Any]) -> str:
        return f"{n / r['total_s']:,.0f}"

    lines = [
        f"- log: {n:,} events from `bench/gen_events.py` (`generate_simple`, seed {seed}), "
        "30 January to 31 March 2026 in New York: across Presidents' Day and the change to "
        f"summer time on 8 March; configuration `bench/simple_config`; {records:,} records",
        f"- the answers of both anchors equal Accord's `business_elapsed` and `state` for every "
        f"ticket and metric ({records:,} of each): checked in this run",
        f"- Parquet → per-ticket result, one CPU (DuckDB `SET threads=1`), medians of {repeat} "
        "interleaved runs, each in a fresh process after one untimed run of each:",
    ]
    for m in MODES:
        r = med[m]
        every = ", ".join(rate(x) for x in runs[m])
        lines.append(
            f"  - {NAMES[m]}: {r['total_s']:.2f} s = **{rate(r)} events/s** (runs: {every}), "
            f"peak {r['peak_rss'] / 2**30:.2f} GiB"
        )
    ratios = {m: med[m]["total_s"] / acc["total_s"] for m in MODES[1:]}
    lines.append(
        "- ratios (anchor's time / Accord's): "
        + ", ".join(f"{NAMES[m]} **{x:.2f}×**" for m, x in ratios.items())
        + f"; goal ≥ {GOAL_RATIO:.0f}× each: "
        + ("met" if min(ratios.values()) >= GOAL_RATIO else "NOT met")
    )
    lines.append(_stages(acc, n))
    lines.extend(_processes(tmp, seed, process_events, path if process_events == n else None))
    lines.append(f"- load average (1, 5, 15 min): {load_start} at the start, {load()} at the end")
    return lines


def _stages(acc: dict[str, Any], n: int) -> str:
    stages: dict[str, float] = acc["stages"]
    total = acc["total_s"]
    parts = [f"{name} {s * 1e9 / n:,.0f}" for name, s in stages.items()]
    other = total - sum(stages.values())
    return (
        f"- where Accord's time goes (the median run, ns per event; stage marks of "
        f"`accord.core.engine.batch.stages`): {', '.join(parts)}, unmarked {other * 1e9 / n:,.0f}"
        f"; total **{total * 1e9 / n:,.0f} ns/event**"
    )


def _processes(tmp: Path, seed: int, events: int, same: Path | None) -> list[str]:
    """``accord sla`` against the DuckDB script, each as a whole process on one CPU."""
    from gen_events import SIMPLE_END

    if same is not None:
        path, n = same, pq.read_metadata(same).num_rows
    else:
        path = tmp / "simple-process.parquet"
        n, _ = _write_log(events, seed, path)
    as_of = SIMPLE_END
    cpu = sorted(os.sched_getaffinity(0))[0]
    outs = {k: tmp / f"process-{k}.parquet" for k in ("accord", "duckdb")}
    cmds = {k: process_command(k, path, as_of, outs[k]) for k in outs}
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    for k in cmds:  # untimed first
        run_process(cmds[k], cpu)
    for _ in range(3):
        for k in cmds:
            walls[k].append(run_process(cmds[k], cpu))
            print(f"process {k}: {walls[k][-1]:.2f} s", flush=True)
    _check(outs["duckdb"], outs["accord"], "the DuckDB script")
    med = {k: statistics.median(v) for k, v in walls.items()}
    ratio = med["duckdb"] / med["accord"]
    rel = os.path.relpath(SIMPLE_CONFIG, Path.cwd())
    return [
        f"- whole process on {n:,} events, start-up included, one CPU, medians of 3 "
        f"interleaved runs: `accord sla events.parquet -c {rel} -f parquet -o records.parquet "
        f"--jobs 1` **{med['accord']:.2f} s** (runs: "
        + ", ".join(f"{w:.2f}" for w in walls["accord"])
        + f"); the DuckDB query as a script (`python -c`, writing Parquet with `COPY`) "
        f"**{med['duckdb']:.2f} s** (runs: "
        + ", ".join(f"{w:.2f}" for w in walls["duckdb"])
        + f"); Accord's time / DuckDB's = **{1 / ratio:.2f}×**; their outputs agree; goal "
        "(Accord faster): " + ("met" if med["accord"] < med["duckdb"] else "NOT met"),
    ]
