"""KPI benchmark (issue 5): 10,000,000 metric records → 10 KPIs by team by week.

Accord's :func:`accord.core.kpi.evaluate.evaluate` against the same computation written in
plain pandas (group-by over local-week keys), in the same run, on one core (Polars is held to
one thread; numpy and pandas use one anyway). Both start from the records already in memory as
columns (Accord: a Polars frame; pandas: a DataFrame of the same arrays) and end with the value
of each KPI per team per week; Accord also works out previous values, change, bands and the
forecast of the current week, which the pandas version skips.

The records are synthesised, seeded: 13 weeks of cycles of five metrics over 25 teams, with
targets, met / breached / running / cancelled states and open cycles. The weeks are local weeks
in America/New_York, so one of them holds the change to daylight saving time (2026-03-08).

The KPIs: median and p90 business first response, median calendar first response, median
and p90 resolution, median time to own, SLA compliance overall and for first response and
resolution, breaches. Both versions must give the same value for every team and week (to
1e-9, relative); the run fails otherwise.

Run:  .venv/bin/python bench/bench_kpis.py                  (10,000,000 records, Accord best of
      5 runs, pandas best of 3)
      .venv/bin/python bench/bench_kpis.py --records 1000000 --repeat 2 --pandas-repeat 1
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"  # one core: set before Polars starts its pool

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from accord.core.kpi.evaluate import evaluate
from accord.core.kpi.library import builtin_kpis

AS_OF = int(datetime(2026, 3, 11, 12, tzinfo=UTC).timestamp())
TZ = "America/New_York"
PERIODS = 12
KPIS = (
    "first_response_median",
    "first_response_p90",
    "first_response_median_calendar",
    "resolution_median",
    "resolution_p90",
    "time_to_own_median",
    "sla_compliance",
    "sla_compliance_first_response",
    "sla_compliance_resolution",
    "breaches",
)
METRICS = ["first_response", "next_reply", "requester_wait", "resolution", "time_to_own"]
METRIC_SHARE = [0.30, 0.20, 0.10, 0.25, 0.15]
TARGETS = {  # business seconds: the choices of target per metric
    "first_response": [1800, 3600, 14400],
    "next_reply": [3600, 14400],
    "requester_wait": [86400, 172800],
    "resolution": [28800, 86400, 172800],
    "time_to_own": [900, 3600],
}
STATES = ["breached", "cancelled", "met", "paused", "running"]


def synthesise(n: int, seed: int) -> dict[str, Any]:
    """Columns of ``n`` metric records as numpy arrays (codes for the text columns)."""
    rng = np.random.default_rng(seed)
    metric = rng.choice(len(METRICS), size=n, p=METRIC_SHARE).astype(np.int8)
    team = rng.integers(0, 25, size=n).astype(np.int8)
    target = np.zeros(n, dtype=np.int64)
    for code, name in enumerate(METRICS):
        rows = np.flatnonzero(metric == code)
        target[rows] = rng.choice(TARGETS[name], size=len(rows))
    has_target = rng.random(n) >= 0.05
    start = AS_OF - rng.integers(0, 13 * 7 * 86400, size=n)
    # business elapsed: log-normal around a third of the target; calendar: 1-4× that
    business = (target * rng.lognormal(-1.1, 1.0, size=n)).astype(np.int64)
    calendar = (business * rng.uniform(1.0, 4.0, size=n)).astype(np.int64)
    stop = start + calendar
    open_ = stop > AS_OF
    calendar = np.where(open_, AS_OF - start, calendar)
    late = business > target
    cancelled = ~open_ & (rng.random(n) < 0.03)
    paused = open_ & (rng.random(n) < 0.2)
    state = np.where(
        has_target & late,
        0,  # breached, stopped or still open
        np.where(cancelled, 1, np.where(~open_, 2, np.where(paused, 3, 4))),
    ).astype(np.int8)
    breached_at = np.where(
        state == 0, start + (calendar * (target / np.maximum(business, 1))).astype(np.int64), 0
    )
    return {
        "metric": metric,
        "team": team,
        "state": state,
        "target": target,
        "has_target": has_target,
        "start": start,
        "stop": stop,
        "open": open_,
        "breached_at": breached_at,
        "business_elapsed": business,
        "calendar_elapsed": calendar,
    }


def accord_frame(cols: dict[str, Any]) -> pl.DataFrame:
    teams = [f"team-{i:02d}" for i in range(25)]

    def enum(name: str, codes: Any, cats: list[str]) -> pl.Series:
        # picking categories by code builds the Enum column without going through text
        return pl.Series(name, cats, dtype=pl.Enum(cats)).gather(codes.astype(np.int64))

    return pl.DataFrame(
        [
            enum("metric", cols["metric"], METRICS),
            enum("team", cols["team"], teams),
            enum("state", cols["state"], STATES),
            pl.Series("target", cols["target"]).set(pl.Series(~cols["has_target"]), None),
            pl.Series("start", cols["start"]),
            pl.Series("stop", cols["stop"]).set(pl.Series(cols["open"]), None),
            pl.Series("breached_at", cols["breached_at"]).set(pl.Series(cols["state"] != 0), None),
            pl.Series("business_elapsed", cols["business_elapsed"]),
            pl.Series("calendar_elapsed", cols["calendar_elapsed"]),
        ]
    )


def pandas_frame(frame: pl.DataFrame) -> pd.DataFrame:
    # the same columns as a pandas user would hold them: categories and nullable integers
    out = pd.DataFrame(
        {
            name: frame.get_column(name).to_numpy()
            for name in ("start", "business_elapsed", "calendar_elapsed")
        }
    )
    for name in ("metric", "team", "state"):
        out[name] = pd.Categorical(frame.get_column(name).cast(pl.String).to_numpy())
    for name in ("target", "stop", "breached_at"):
        out[name] = pd.array(frame.get_column(name).to_numpy(), dtype="Int64")
    return out


def run_accord(frame: pl.DataFrame) -> pl.DataFrame:
    return evaluate(
        builtin_kpis(METRICS),
        AS_OF,
        records=frame,
        kpis=KPIS,
        by=["team"],
        grain="week",
        tz=TZ,
        periods=PERIODS,
    )


def _local_monday(seconds: pd.Series) -> pd.Series:
    """The local Monday (a naive date-time at midnight) of each instant; wall-clock arithmetic,
    so the week holding a DST change is right."""
    local = pd.to_datetime(seconds, unit="s", utc=True).dt.tz_convert(TZ).dt.tz_localize(None)
    return local.dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D")


def run_pandas(df: pd.DataFrame) -> pd.DataFrame:
    """The 10 KPIs by team and local week, in plain pandas."""
    first = pd.Timestamp(
        datetime.fromtimestamp(AS_OF, UTC).astimezone(pd.Timestamp(0, tz=TZ).tzinfo).date()
    )
    first = first - pd.Timedelta(days=first.weekday() + 7 * (PERIODS - 1))
    out: list[pd.DataFrame] = []
    judged_state = df["state"].isin(["met", "breached"])

    stopped = df[df["stop"].notna()]
    week = _local_monday(stopped["stop"].astype("int64"))
    stopped = stopped.assign(week=week)[week >= first]
    judged = stopped[stopped["state"].isin(["met", "breached"])]

    def order_stat(metric: str, col: str, q: float, name: str) -> None:
        rows = judged[judged["metric"] == metric]
        g = rows.groupby(["team", "week"], observed=True)[col]
        s = g.median() if q == 0.5 else g.quantile(q)
        out.append(s.rename("value").reset_index().assign(kpi=name))

    order_stat("first_response", "business_elapsed", 0.5, "first_response_median")
    order_stat("first_response", "business_elapsed", 0.9, "first_response_p90")
    order_stat("first_response", "calendar_elapsed", 0.5, "first_response_median_calendar")
    order_stat("resolution", "business_elapsed", 0.5, "resolution_median")
    order_stat("resolution", "business_elapsed", 0.9, "resolution_p90")
    order_stat("time_to_own", "business_elapsed", 0.5, "time_to_own_median")

    # judged: at the stop, or at the breach while a breached cycle is still open
    judged_at = df["stop"].fillna(df["breached_at"].where(df["state"] == "breached"))
    withj = df[judged_at.notna() & judged_state & df["target"].notna()]
    withj = withj.assign(week=_local_monday(judged_at[withj.index].astype("int64")))
    withj = withj[withj["week"] >= first]
    met = (withj["state"] == "met").astype("float64")
    for metric, name in ((None, "sla_compliance"),
                         ("first_response", "sla_compliance_first_response"),
                         ("resolution", "sla_compliance_resolution")):  # fmt: skip
        rows = withj if metric is None else withj[withj["metric"] == metric]
        s = met[rows.index].groupby([rows["team"], rows["week"]], observed=True).mean()
        out.append(s.rename("value").reset_index().assign(kpi=name))
    breached = withj[withj["state"] == "breached"]
    s = breached.groupby(["team", "week"], observed=True).size().astype("float64")
    out.append(s.rename("value").reset_index().assign(kpi="breaches"))
    return pd.concat(out, ignore_index=True)


def compare(accord: pl.DataFrame, pandas_out: pd.DataFrame) -> tuple[int, int]:
    """Cells compared and cells that differ; every pandas cell must have Accord's value, and
    every Accord cell with rows behind it must be among pandas' cells."""
    label = pandas_out["week"].map(lambda d: f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}")
    theirs = pl.DataFrame(
        {
            "kpi": pandas_out["kpi"].astype(str).to_numpy(),
            "period": label.to_numpy().astype(str),
            "team": pandas_out["team"].astype(str).to_numpy(),
            "theirs": pandas_out["value"].to_numpy().astype(float),
        }
    )
    ours = accord.filter(pl.col("n") > 0).select("kpi", "period", "team", "value")
    both = ours.join(theirs, on=["kpi", "period", "team"], how="full", coalesce=True)
    scale = pl.max_horizontal(pl.col("theirs").abs(), pl.lit(1.0))
    diff = both.filter(
        pl.col("value").is_null()
        | pl.col("theirs").is_null()
        | ((pl.col("value") - pl.col("theirs")).abs() > 1e-9 * scale)
    )
    return len(both), len(diff)


def best_of(
    runs: dict[str, tuple[Callable[[], object], int]],
) -> dict[str, list[tuple[float, float]]]:
    """Interleaved runs: each round runs each case at most once, a case with fewer repeats
    spread over the rounds, so a burst of load from elsewhere slows both alike. Each run
    gives its wall-clock time and the CPU time of this process (every thread)."""
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
    rounds = max(rep for _, rep in runs.values())
    for r in range(rounds):
        for name, (fn, rep) in runs.items():
            if (r + 1) * rep // rounds == r * rep // rounds:
                continue
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - t0, time.process_time() - c0))
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5, help="runs of Accord")
    ap.add_argument("--pandas-repeat", type=int, default=3, help="runs of pandas")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)

    versions = {p: metadata.version(p) for p in ("polars", "numpy", "pandas")}
    print(
        f"machine: nproc {os.cpu_count()}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; Polars threads: {pl.thread_pool_size()}"
    )
    t0 = time.perf_counter()
    frame = accord_frame(synthesise(args.records, args.seed))
    df = pandas_frame(frame)
    print(f"synthesised {len(frame):,} records in {time.perf_counter() - t0:.1f} s (not timed)")

    result: dict[str, Any] = {}

    def accord() -> None:
        result["accord"] = run_accord(frame)

    def pandas_() -> None:
        result["pandas"] = run_pandas(df)

    times = best_of({"accord": (accord, args.repeat), "pandas": (pandas_, args.pandas_repeat)})
    cells, differ = compare(result["accord"], result["pandas"])
    (a, a_cpu), (p, p_cpu) = min(times["accord"]), min(times["pandas"])
    print(f"{len(KPIS)} KPIs by team by week ({PERIODS} weeks, {TZ}), best run of each:")
    for label, best, cpu, key in (("Accord", a, a_cpu, "accord"), ("pandas", p, p_cpu, "pandas")):
        runs = ", ".join(f"{t:.3f}" for t, _ in times[key])
        print(f"  {label}  {best:8.3f} s wall, {cpu:7.3f} s CPU   (wall of each run: {runs})")
    print(f"  pandas / Accord = {p / a:.1f}× (wall), {p_cpu / a_cpu:.1f}× (CPU)")
    print(f"  Accord goal < 2 s: {'met' if a < 2 else 'MISSED'}; load average {os.getloadavg()}")
    print(f"  values: {cells:,} cells compared, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
