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


NOTES = """\
What is compared: the anchors (`bench/anchors`, written from the definitions in
[metrics.md](metrics.md)) compute only `business_elapsed` and `state` of two clocks with one
cycle each, reading six columns; Accord validates every column of every row (quarantining
what is wrong), and builds 28-column records with cycles, due instants, breach instants,
warnings, policy versions and the ticket's fields, for any configuration. The DuckDB query is
written as the dbt_zendesk SLA models are: a calendar table of working intervals per local day
(holidays removed, each bound converted from New York time to UTC, so DST is right) joined
with the stretches between each ticket's events in which a clock runs, summing the overlaps.
The pandas version finds the same stretches with group-bys and counts their business seconds
with a `searchsorted` over the cumulative working intervals. `tests/bench/test_anchors.py`
checks both against Accord on a log of 20,000 events across the DST change.

The stages (marks in the engine, `accord.core.engine.batch.stages`: a listener reads the
clock; without one a mark is a global look-up, a few per partition): *reading* the Parquet
file decoded into columns (dictionary codes kept); *validation* every column checked, the
events table built, duplicates found; *regrouping* the tickets cut into partitions and each
column regrouped by ticket; *layout* each partition's timeline (events ordered within each
ticket, fields and statuses carried forward, the policy in force); *calendar* the business
seconds of every stretch between two events; *kernel* every metric's cycles run and judged;
*assembly* the records table.
"""


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
        cpus = ", ".join(f"{x['cpu_s']:.2f}" for x in runs[m])
        lines.append(
            f"  - {NAMES[m]}: {r['total_s']:.2f} s = **{rate(r)} events/s** (runs: {every}); "
            f"CPU time {statistics.median(x['cpu_s'] for x in runs[m]):.2f} s (runs: {cpus}); "
            f"peak {r['peak_rss'] / 2**30:.2f} GiB"
        )
    ratios = {m: med[m]["total_s"] / acc["total_s"] for m in MODES[1:]}
    cpu_acc = statistics.median(x["cpu_s"] for x in runs["simple-accord"])
    cpu_ratios = {m: statistics.median(x["cpu_s"] for x in runs[m]) / cpu_acc for m in MODES[1:]}
    lines.append(
        "- ratios (anchor's time / Accord's): "
        + ", ".join(f"{NAMES[m]} **{x:.2f}×**" for m, x in ratios.items())
        + " (in CPU time: "
        + ", ".join(f"{NAMES[m]} {x:.2f}×" for m, x in cpu_ratios.items())
        + f"); goal ≥ {GOAL_RATIO:.0f}× each: "
        + ("met" if min(ratios.values()) >= GOAL_RATIO else "NOT met")
    )
    lines.append(_stages(acc, n))
    if process_events > 0:
        same = path if process_events == events else None
        lines.extend(_processes(tmp, seed, process_events, same))
    lines.append(f"- load average (1, 5, 15 min): {load_start} at the start, {load()} at the end")
    return lines


def _stages(acc: dict[str, Any], n: int) -> str:
    stages: dict[str, list[float]] = acc["stages"]

    def per_event(i: int, total: float) -> str:
        parts = [f"{name} {v[i] * 1e9 / n:,.0f}" for name, v in stages.items()]
        other = total - sum(v[i] for v in stages.values())
        return f"{', '.join(parts)}, unmarked {other * 1e9 / n:,.0f}; total {total * 1e9 / n:,.0f}"

    floors = ", ".join(
        f"{k} {v[0] * 1e9 / n:,.0f} wall, {v[1] * 1e9 / n:,.0f} CPU"
        for k, v in acc["floors"].items()
    )
    return (
        "- where Accord's time goes (the median run, **ns per event**; stage marks of "
        f"`accord.core.engine.batch.stages`): wall time {per_event(0, acc['total_s'])}; "
        f"CPU time {per_event(1, acc['cpu_s'])}. The floor of the reading stage, pyarrow "
        f"decoding the same file on one thread in the same process, best of 3 (ns per event): "
        f"{floors}\n" + _floor_table(acc, n)
    )


def _floor_table(acc: dict[str, Any], n: int) -> str:
    """Each stage's CPU time per event beside its floor (``bench/anchors/floors.py``; reading:
    pyarrow decoding every column), as a Markdown table."""
    stages: dict[str, list[float]] = acc["stages"]
    floors: dict[str, list[float]] = {
        "reading": acc["floors"]["every column"],
        **acc.get("stage_floors", {}),
    }
    rows = [
        "- each stage's CPU time beside its floor (ns per event; the floor the least "
        "numpy / pyarrow work yielding the stage's output, best of 3 in the same process, "
        "`bench/anchors/floors.py`):",
        "",
        "  | stage | Accord | floor | Accord / floor |",
        "  | --- | ---: | ---: | ---: |",
    ]
    total = floor_total = 0.0
    for name, v in stages.items():
        got = v[1] * 1e9 / n
        total += got
        f = floors.get(name)
        if f is None:
            rows.append(f"  | {name} | {got:,.0f} | not measured | |")
            continue
        low = f[1] * 1e9 / n
        floor_total += low
        rows.append(f"  | {name} | {got:,.0f} | {low:,.0f} | {got / max(low, 1e-9):.2f}× |")
    for name, f in floors.items():
        if name not in stages and name != "reading":
            rows.append(f"  | ({name}) | | {f[1] * 1e9 / n:,.0f} | |")
    rows.append(f"  | total | {total:,.0f} | {floor_total:,.0f} | {total / floor_total:.2f}× |")
    return "\n".join(rows)


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
    # start-up: the same commands on a log of a thousand events
    tiny = tmp / "simple-tiny.parquet"
    _write_log(1000, seed, tiny)
    big = _interleaved({k: process_command(k, path, as_of, outs[k]) for k in outs}, cpu)
    _check(outs["duckdb"], outs["accord"], "the DuckDB script")
    small = _interleaved({k: process_command(k, tiny, as_of, outs[k]) for k in outs}, cpu)
    rel = os.path.relpath(SIMPLE_CONFIG, Path.cwd())

    def median(runs: list[tuple[float, float]], i: int) -> float:
        return statistics.median(r[i] for r in runs)

    def said(k: str, runs: dict[str, list[tuple[float, float]]]) -> str:
        walls = ", ".join(f"{w:.2f}" for w, _ in runs[k])
        return f"**{median(runs[k], 0):.2f} s** (runs: {walls}; CPU {median(runs[k], 1):.2f} s)"

    ratio = median(big["accord"], 0) / median(big["duckdb"], 0)
    cpu_ratio = median(big["accord"], 1) / median(big["duckdb"], 1)
    return [
        f"- whole process on {n:,} events, start-up included, one CPU, medians of 3 "
        f"interleaved runs after one untimed run of each: `accord sla events.parquet -c {rel} "
        f"-f parquet -o records.parquet --jobs 1` {said('accord', big)}; the DuckDB query as "
        f"a script (`python -c`, writing Parquet with `COPY`) {said('duckdb', big)}; Accord's "
        f"time / DuckDB's = **{ratio:.2f}×** (CPU time {cpu_ratio:.2f}×); their outputs agree; "
        "goal (Accord faster): " + ("met" if ratio < 1 else "NOT met"),
        f"- the same two commands on a log of 1,000 events (start-up, imports and writing "
        f"nearly alone): `accord sla` {said('accord', small)}, the DuckDB script "
        f"{said('duckdb', small)}",
    ]


def _interleaved(cmds: dict[str, list[str]], cpu: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of 3 runs of each command, interleaved, after one untimed run."""
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    for k in cmds:
        run_process(cmds[k], cpu)
    for _ in range(3):
        for k in cmds:
            runs[k].append(run_process(cmds[k], cpu))
            print(f"process {k}: {runs[k][-1][0]:.2f} s", flush=True)
    return runs
