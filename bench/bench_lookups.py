"""Look-ups benchmark (issue 3): elapsed business time and due instants, in bulk.

Accord's ``BusinessCalendar.elapsed_many`` / ``due_many`` against

* the anchor: plain numpy ``searchsorted`` over the same compiled interval table (extracted
  once), i.e. the least work a binary-search look-up can do;
* pandas ``CustomBusinessHour`` with the same hours and holidays;
* ``businesstimedelta`` (``WorkDayRule`` + ``HolidayRule`` in the New York zone);
* a pure-Python day walk (per pair: walk the local days, intersect with the window, skip
  holidays).

The workload is seeded: pairs over two years (2024-2025) on a Mon-Fri 09:00-17:00
America/New_York calendar with US public holidays. The three alternatives are per-pair Python
loops, so they are timed on a subsample and their cost per look-up is extrapolated to the full
set. Agreement is the share of subsample pairs where an alternative's answer equals Accord's
to the second; the anchor is checked on every pair.

Run:  .venv/bin/python bench/bench_lookups.py                 (1,000,000 pairs)
      .venv/bin/python bench/bench_lookups.py --pairs 100000 --sample 300
      .venv/bin/python bench/bench_lookups.py --write-doc     (also rewrites the "Look-ups"
                                                              section of docs/performance.md)
"""

from __future__ import annotations

import argparse
import math
import sys
import time as _time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import businesstimedelta as btd
import holidays
import numpy as np
import pandas as pd
import pytz
from numpy.typing import NDArray

from _common import (
    Case,
    fmt_count,
    fmt_rate,
    fmt_ratio,
    fmt_seconds,
    machine_info,
    markdown_table,
    replace_section,
    text_table,
    time_interleaved,
    wrap,
)
from accord.core.calendar import BusinessCalendar

Int64Array = NDArray[np.int64]

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
DOC_SECTION = "Look-ups"

TZ_NAME = "America/New_York"
TZ = ZoneInfo(TZ_NAME)
OPEN, CLOSE = time(9), time(17)
OPEN_H, CLOSE_H = 9, 17
CALENDAR = {
    "tz": TZ_NAME,
    "hours": {"mon-fri": [["09:00", "17:00"]]},
    "holidays": [{"country": "US"}],
}
SPAN_FROM = datetime(2024, 1, 1, tzinfo=TZ)
SPAN_TO = datetime(2026, 1, 1, tzinfo=TZ)
MINUTE, HOUR, DAY = 60, 3600, 86400
# Elapsed spans: log-uniform from a minute to 60 days, as ticket clocks run.
SPAN_MIN, SPAN_MAX = MINUTE, 60 * DAY
# Due targets: half the usual SLA targets (whole business hours), half arbitrary seconds.
COMMON_TARGETS_H = (1, 2, 4, 8, 16, 24, 40)
TARGET_MIN, TARGET_MAX = MINUTE, 80 * HOUR

GOAL_ANCHOR = 1.5
GOAL_PANDAS = 1000.0


# ---------------------------------------------------------------------- workload


@dataclass(frozen=True, slots=True)
class Workload:
    starts: Int64Array  # elapsed from here, and due from here
    ends: Int64Array  # elapsed to here (always >= starts)
    targets: Int64Array  # business seconds for due (all > 0)


def _log_uniform(rng: np.random.Generator, lo: int, hi: int, n: int) -> Int64Array:
    return np.exp(rng.uniform(math.log(lo), math.log(hi), n)).astype(np.int64)


def make_workload(n: int, seed: int) -> Workload:
    rng = np.random.default_rng(seed)
    lo, hi = int(SPAN_FROM.timestamp()), int(SPAN_TO.timestamp())
    starts = rng.integers(lo, hi, size=n, dtype=np.int64)
    span = _log_uniform(rng, SPAN_MIN, SPAN_MAX, n)
    # A pair that would run past the two years is laid to end at its drawn instant instead, so
    # every instant stays inside the span without piling up at its edge.
    late = starts + span > hi
    ends = np.where(late, starts, starts + span)
    starts = np.where(late, starts - span, starts)
    common = rng.choice(np.array(COMMON_TARGETS_H, dtype=np.int64) * HOUR, n)
    arbitrary = _log_uniform(rng, TARGET_MIN, TARGET_MAX, n)
    targets = np.where(rng.random(n) < 0.5, common, arbitrary)
    return Workload(starts, ends, targets)


def us_holidays() -> list[date]:
    """The holiday dates the Accord calendar uses (``holidays: [{country: US}]``: the public
    holidays and their observed days), with a year of margin each side."""
    years = range(SPAN_FROM.year - 1, SPAN_TO.year + 2)
    return sorted(holidays.country_holidays("US", years=years).keys())


# ---------------------------------------------------------------------- Accord and the anchor


class Anchor:
    """Plain numpy over the compiled table: B(t) = cum[i] - starts[i] + min(t, ends[i]) with
    i the last interval starting at or before t; due is the first interval whose cumulative end
    reaches B(start) + seconds. No checks, no copies: the floor for a look-up by binary
    search."""

    def __init__(self, cal: BusinessCalendar, lo: int, hi: int) -> None:
        ci = cal.compiled(lo, hi)
        self.starts = np.ascontiguousarray(ci.starts, dtype=np.int64)
        self.ends = np.ascontiguousarray(ci.ends, dtype=np.int64)
        self.cs = ci.cum - self.starts
        self.ce = ci.cum + (self.ends - self.starts)

    def _b(self, t: Int64Array) -> Int64Array:
        i = np.searchsorted(self.starts, t, side="right") - 1
        return self.cs[i] + np.minimum(t, self.ends[i])

    def elapsed(self, a: Int64Array, b: Int64Array) -> Int64Array:
        return self._b(b) - self._b(a)

    def due(self, a: Int64Array, seconds: Int64Array) -> Int64Array:
        target = self._b(a) + seconds
        j = np.searchsorted(self.ce, target, side="left")
        return target - self.cs[j]


# ---------------------------------------------------------------------- pandas


class PandasCBH:
    """pandas ``CustomBusinessHour``. pandas has no zone-aware business hours, so instants are
    converted to New York wall time, worked on there, and converted back.

    ``CustomBusinessHour`` moves by whole hours only, so to the second:

    * elapsed: roll both ends forward into business time, find the largest ``k`` with
      ``a + k·CBH <= b`` by bisection (about log2 of the span in hours offset steps), then add
      the part of an hour left, which may straddle one closing time;
    * due: roll forward, add ``h·CBH`` for the whole hours, then the remaining seconds, stepping
      over the closing time as pandas does (a result at closing time moves to the next opening).
    """

    def __init__(self, holiday_dates: Sequence[date]) -> None:
        self._holidays = list(holiday_dates)
        self._offsets: dict[int, pd.offsets.CustomBusinessHour] = {}
        self.one = self._cbh(1)

    def _cbh(self, n: int) -> pd.offsets.CustomBusinessHour:
        # Building an offset re-reads the holiday list, so each multiple is built once.
        off = self._offsets.get(n)
        if off is None:
            off = pd.offsets.CustomBusinessHour(
                n=n, start=f"{OPEN_H:02d}:00", end=f"{CLOSE_H:02d}:00", holidays=self._holidays
            )
            self._offsets[n] = off
        return off

    @staticmethod
    def _to_local(xs: Int64Array) -> list[pd.Timestamp]:
        idx = pd.to_datetime(xs, unit="s", utc=True).tz_convert(TZ_NAME).tz_localize(None)
        return list(idx)

    @staticmethod
    def _from_local(ts: Sequence[pd.Timestamp]) -> Int64Array:
        # Business instants lie within 09:00-17:00, never in a DST gap or repeated hour.
        idx = pd.DatetimeIndex(list(ts)).tz_localize(TZ_NAME).tz_convert("UTC")
        return np.asarray(idx.as_unit("s").asi8, dtype=np.int64)

    def _one_elapsed(self, a: pd.Timestamp, b: pd.Timestamp) -> int:
        a = self.one.rollforward(a)
        b = self.one.rollforward(b)
        if b <= a:
            return 0
        lo, hi = 0, max(1, math.ceil((b - a) / pd.Timedelta(hours=1)) + 1)
        while hi - lo > 1:  # invariant: a + lo·CBH <= b < a + hi·CBH
            mid = (lo + hi) // 2
            if a + self._cbh(mid) <= b:
                lo = mid
            else:
                hi = mid
        p = a + self._cbh(lo) if lo else a
        if p.normalize() == b.normalize():
            rest = b - p
        else:  # a closing time lies between p and b: count back from p's next hour instead
            rest = pd.Timedelta(hours=1) - (p + self.one - b)
        return lo * HOUR + int(rest.total_seconds())

    def elapsed(self, a: Int64Array, b: Int64Array) -> Int64Array:
        la, lb = self._to_local(a), self._to_local(b)
        pairs = zip(la, lb, strict=True)
        return np.array([self._one_elapsed(x, y) for x, y in pairs], dtype=np.int64)

    def _one_due(self, a: pd.Timestamp, seconds: int) -> pd.Timestamp:
        h, r = divmod(seconds, HOUR)
        p = a + self._cbh(h) if h else self.one.rollforward(a)
        if r == 0:
            return p
        close = p.normalize() + pd.Timedelta(hours=CLOSE_H)
        step = pd.Timedelta(seconds=r)
        if p + step < close:
            return p + step
        # The remainder runs past closing: land in the next business hour.
        return p + self.one - pd.Timedelta(seconds=HOUR - r)

    def due(self, a: Int64Array, seconds: Int64Array) -> Int64Array:
        la = self._to_local(a)
        return self._from_local(
            [self._one_due(x, s) for x, s in zip(la, seconds.tolist(), strict=True)]
        )


# ---------------------------------------------------------------------- businesstimedelta


class BusinessTimeDelta:
    """``businesstimedelta``: a 09:00-17:00 Mon-Fri ``WorkDayRule`` and a ``HolidayRule``, both
    in the New York zone (pytz, the only kind of zone it takes)."""

    def __init__(self, holiday_dates: Sequence[date]) -> None:
        tz = pytz.timezone(TZ_NAME)
        work = btd.WorkDayRule(start_time=OPEN, end_time=CLOSE, working_days=[0, 1, 2, 3, 4], tz=tz)
        # A set, not the holidays object: the rule tests `date in holidays` day by day.
        hol = btd.HolidayRule(frozenset(holiday_dates), tz=tz)
        self.rules = btd.Rules([work, hol])

    def elapsed(self, a: Int64Array, b: Int64Array) -> Int64Array:
        out = []
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            d = self.rules.difference(
                datetime.fromtimestamp(x, UTC), datetime.fromtimestamp(y, UTC)
            )
            out.append(int(d.timedelta.total_seconds()))
        return np.array(out, dtype=np.int64)

    def due(self, a: Int64Array, seconds: Int64Array) -> Int64Array:
        out = []
        for x, s in zip(a.tolist(), seconds.tolist(), strict=True):
            t = datetime.fromtimestamp(x, UTC) + btd.BusinessTimeDelta(self.rules, seconds=s)
            out.append(int(t.timestamp()))
        return np.array(out, dtype=np.int64)


# ---------------------------------------------------------------------- a pure-Python day walk


class DayWalk:
    """What one writes without a library: per pair, walk the local days from the start's to the
    end's, skip weekends and holidays, and intersect each day's window (its bounds converted to
    UTC with zoneinfo) with the pair."""

    def __init__(self, holiday_dates: Sequence[date]) -> None:
        self.holidays = frozenset(holiday_dates)

    def _window(self, d: date) -> tuple[int, int] | None:
        if d.weekday() >= 5 or d in self.holidays:
            return None
        o = datetime.combine(d, OPEN, TZ).timestamp()
        c = datetime.combine(d, CLOSE, TZ).timestamp()
        return int(o), int(c)

    def _one_elapsed(self, a: int, b: int) -> int:
        d = datetime.fromtimestamp(a, TZ).date()
        last = datetime.fromtimestamp(b, TZ).date()
        total = 0
        while d <= last:
            w = self._window(d)
            if w is not None:
                total += max(0, min(b, w[1]) - max(a, w[0]))
            d += timedelta(days=1)
        return total

    def _one_due(self, a: int, seconds: int) -> int:
        d = datetime.fromtimestamp(a, TZ).date()
        left = seconds
        while True:
            w = self._window(d)
            if w is not None and w[1] > a:
                lo = max(a, w[0])
                if w[1] - lo >= left:  # reaching the target exactly at closing ends there
                    return lo + left
                left -= w[1] - lo
            d += timedelta(days=1)

    def elapsed(self, a: Int64Array, b: Int64Array) -> Int64Array:
        pairs = zip(a.tolist(), b.tolist(), strict=True)
        return np.array([self._one_elapsed(x, y) for x, y in pairs], dtype=np.int64)

    def due(self, a: Int64Array, seconds: Int64Array) -> Int64Array:
        pairs = zip(a.tolist(), seconds.tolist(), strict=True)
        return np.array([self._one_due(x, s) for x, s in pairs], dtype=np.int64)


# ---------------------------------------------------------------------- agreement


def _local(t: int) -> str:
    return datetime.fromtimestamp(t, TZ).strftime("%a %Y-%m-%d %H:%M:%S %Z")


def explain(
    cal: BusinessCalendar,
    kind: str,
    w: Workload,
    accord: Int64Array,
    other: Int64Array,
) -> list[str]:
    """Sort the disagreements into causes, each with a count and one example."""
    causes: Counter[str] = Counter()
    example: dict[str, str] = {}
    for k in np.flatnonzero(accord != other).tolist():
        a, mine, theirs = int(w.starts[k]), int(accord[k]), int(other[k])
        if kind == "due" and cal.elapsed(min(mine, theirs), max(mine, theirs)) == 0:
            # Same business position, different instant: which end of the closed gap.
            close_first = mine < theirs
            cause = (
                "end of day: Accord answers the closing time, this one the next opening"
                if close_first
                else "end of day: Accord answers the next opening, this one the closing time"
            )
        elif kind == "due":
            cause = "due differs by business time"
        elif _offset(a) != _offset(int(w.ends[k])):
            cause = "elapsed differs on a pair that spans a DST change"
        else:
            cause = "elapsed differs"
        causes[cause] += 1
        if cause not in example:
            arg = f"{_local(int(w.ends[k]))}" if kind == "elapsed" else f"{int(w.targets[k])} s"
            example[cause] = (
                f"from {_local(a)}, {arg}: Accord {_show(kind, mine)}, this {_show(kind, theirs)}"
            )
    return [f"{n} × {cause} (e.g. {example[cause]})" for cause, n in causes.most_common()]


def _offset(t: int) -> timedelta | None:
    return datetime.fromtimestamp(t, TZ).utcoffset()


def _show(kind: str, v: int) -> str:
    return f"{v} s" if kind == "elapsed" else _local(v)


# ---------------------------------------------------------------------- the run


class Alternative(Protocol):
    def elapsed(self, a: Int64Array, b: Int64Array) -> Int64Array: ...

    def due(self, a: Int64Array, seconds: Int64Array) -> Int64Array: ...


ACCORD = {"elapsed": "Accord elapsed_many", "due": "Accord due_many"}
ANCHOR = "numpy searchsorted (anchor)"
PANDAS = "pandas CustomBusinessHour"
KINDS = ("elapsed", "due")


@dataclass(frozen=True, slots=True)
class Row:
    kind: str  # "elapsed" or "due"
    name: str
    timed_on: int  # pairs in one timed run
    per_lookup: float  # seconds, best run
    per_lookup_median: float  # seconds, median run
    agreement: str


@dataclass(frozen=True, slots=True)
class Result:
    args: argparse.Namespace
    command: str
    machine: dict[str, str]
    first_call: float
    intervals: int
    rows: list[Row]
    notes: list[str]

    def row(self, kind: str, name: str) -> Row:
        return next(r for r in self.rows if r.kind == kind and r.name == name)

    def ratio(self, kind: str, name: str, *, median: bool = False) -> float:
        """Cost per look-up of ``name`` over the anchor's (> 1: slower than the anchor)."""
        r, a = self.row(kind, name), self.row(kind, ANCHOR)
        if median:
            return r.per_lookup_median / a.per_lookup_median
        return r.per_lookup / a.per_lookup

    def speedup(self, kind: str, name: str) -> float:
        """How many times faster Accord is than ``name``."""
        return self.row(kind, name).per_lookup / self.row(kind, ACCORD[kind]).per_lookup


def measure(args: argparse.Namespace) -> Result:
    n, sample = args.pairs, min(args.sample, args.pairs)
    machine = machine_info(("numpy", "pandas", "businesstimedelta", "holidays"))
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()), flush=True)
    w = make_workload(n, args.seed)
    sub = Workload(w.starts[:sample], w.ends[:sample], w.targets[:sample])

    cal = BusinessCalendar.from_dict("bench", CALENDAR)
    t0 = _time.perf_counter()
    # The first calls compile the years they need (and compute their holidays): a one-off
    # cost, reported apart from the steady-state figures.
    acc = {"elapsed": cal.elapsed_many(w.starts, w.ends), "due": cal.due_many(w.starts, w.targets)}
    first_call = _time.perf_counter() - t0
    anchor = Anchor(cal, int(w.starts.min()), max(int(w.ends.max()), int(acc["due"].max())))
    hol = us_holidays()
    alternatives: dict[str, Alternative] = {
        PANDAS: PandasCBH(hol),
        "businesstimedelta": BusinessTimeDelta(hol),
        "pure-Python day walk": DayWalk(hol),
    }

    def job(alt: Alternative, kind: str, wl: Workload) -> Callable[[], Int64Array]:
        if kind == "elapsed":
            return lambda: alt.elapsed(wl.starts, wl.ends)
        return lambda: alt.due(wl.starts, wl.targets)

    jobs: dict[tuple[str, str], tuple[Callable[[], Int64Array], Workload, int]] = {}
    for kind in KINDS:
        jobs[(kind, ACCORD[kind])] = (job(cal_as_alternative(cal), kind, w), w, args.repeat)
        jobs[(kind, ANCHOR)] = (job(anchor, kind, w), w, args.repeat)
        for name, alt in alternatives.items():
            jobs[(kind, name)] = (job(alt, kind, sub), sub, args.alt_repeat)

    # Agreement first (these runs also warm every path up); the anchor is checked on every
    # pair, the alternatives on the subsample.
    agreement: dict[tuple[str, str], str] = {}
    notes: list[str] = []
    for (kind, name), (fn, wl, _) in jobs.items():
        if name == ACCORD[kind]:
            agreement[(kind, name)] = "-"
            continue
        want = acc[kind][: wl.starts.size]
        got = fn()
        share = float(np.mean(got == want)) * 100
        agreement[(kind, name)] = f"{share:.2f} % of {fmt_count(want.size)}"
        notes += [f"{name}, {kind}: {line}" for line in explain(cal, kind, wl, want, got)]
        print(f"  agreement, {kind}, {name}: {agreement[(kind, name)]}", flush=True)

    print(
        f"Timing: {args.repeat} runs of each array look-up on {fmt_count(n)} pairs and "
        f"{args.alt_repeat} of each alternative on {fmt_count(sample)}, interleaved ...",
        flush=True,
    )
    cases = {f"{k}|{nm}": Case(fn, rep) for (k, nm), (fn, _, rep) in jobs.items()}
    timings = time_interleaved(cases)
    rows = [
        Row(
            kind=kind,
            name=name,
            timed_on=wl.starts.size,
            per_lookup=timings[f"{kind}|{name}"].best / wl.starts.size,
            per_lookup_median=timings[f"{kind}|{name}"].median / wl.starts.size,
            agreement=agreement[(kind, name)],
        )
        for (kind, name), (_, wl, _) in jobs.items()
    ]
    shown = [a for a in sys.argv[1:] if a != "--write-doc"]
    command = " ".join([".venv/bin/python", "bench/bench_lookups.py", *shown])
    intervals = int(anchor.starts.size)
    return Result(args, command, machine, first_call, intervals, rows, notes)


class _CalendarLookups:
    """Accord behind the same two-method face as the alternatives."""

    def __init__(self, cal: BusinessCalendar) -> None:
        self.cal = cal

    def elapsed(self, a: Int64Array, b: Int64Array) -> Int64Array:
        return self.cal.elapsed_many(a, b)

    def due(self, a: Int64Array, seconds: Int64Array) -> Int64Array:
        return self.cal.due_many(a, seconds)


def cal_as_alternative(cal: BusinessCalendar) -> Alternative:
    return _CalendarLookups(cal)


# ---------------------------------------------------------------------- the report


def _table_rows(res: Result) -> list[list[str]]:
    n = res.args.pairs
    out = []
    for r in res.rows:
        extrapolated = r.timed_on != n
        out.append(
            [
                r.kind,
                r.name,
                fmt_count(r.timed_on) + (" (extrapolated)" if extrapolated else ""),
                fmt_seconds(r.per_lookup * n),
                fmt_seconds(r.per_lookup),
                fmt_rate(1 / r.per_lookup),
                fmt_ratio(res.ratio(r.kind, r.name)),
                r.agreement,
            ]
        )
    return out


HEADERS = [
    "look-up",
    "method",
    "pairs timed",
    "time, all pairs",
    "per look-up",
    "look-ups/s",
    "× anchor",
    "agrees with Accord",
]


def goals(res: Result) -> list[str]:
    out = []
    for kind in KINDS:
        ratio = res.ratio(kind, ACCORD[kind])
        median = res.ratio(kind, ACCORD[kind], median=True)
        verdict = "met" if ratio <= GOAL_ANCHOR else "NOT MET"
        faster = f", i.e. {1 / ratio:.1f}× faster" if ratio < 1 else ""
        out.append(
            f"{kind}: Accord takes {ratio:.2f}× the anchor's time{faster} (median run "
            f"{median:.2f}×); goal ≤ {GOAL_ANCHOR}×: {verdict}"
        )
    for kind in KINDS:
        speed = res.speedup(kind, PANDAS)
        verdict = "met" if speed >= GOAL_PANDAS else "NOT MET"
        out.append(
            f"{kind}: Accord is {speed:,.0f}× faster than pandas CustomBusinessHour; "
            f"goal ≥ {GOAL_PANDAS:,.0f}×: {verdict}"
        )
    return out


METHOD_NOTES = [
    "Accord beats the anchor because it does not binary-search: each compiled calendar gets a "
    "small table over time buckets of a power-of-two width (and one over business seconds), "
    "sized so that a bucket holds at most a few interval bounds, so a look-up is a shift, a "
    "table read and a comparison or two, run over cache-sized blocks of the input. The answers "
    "are those of `searchsorted` (checked on every pair against the anchor); calendars whose "
    "bounds are too unevenly spaced for a small table fall back to `searchsorted`.",
    "The anchor is numpy `searchsorted` on the calendar's own compiled arrays (extracted once "
    "with `BusinessCalendar.compiled`): two searches and a little arithmetic for elapsed, a "
    "search for the start's position plus one on the cumulative ends for due, with no checks.",
    "pandas has no zone-aware business hours: instants are converted to New York wall time, "
    "worked on there and converted back. `CustomBusinessHour` moves in whole hours, so elapsed "
    "rolls both ends forward and bisects for the largest whole number of offset hours (about "
    "log2 of the span in hours offset steps) and adds the part-hour left; due adds the whole "
    "hours with one offset and then the remaining seconds. Offsets for each multiple are built "
    "once and reused. pandas never answers a closing time: a result landing exactly on 17:00 "
    "moves to the next opening (Monday 09:00 + 8 business hours gives Tuesday 09:00), while "
    "Accord, businesstimedelta and the day walk answer the closing time, the earliest instant "
    "by which the target has run. That is the one cause of the due disagreements above: the "
    "same business time, a different instant.",
    "businesstimedelta takes pytz zones; its `WorkDayRule` localizes 09:00 and 17:00 of each day "
    "with pytz, so windows follow DST. Its holidays are a set of dates.",
    "The day walk converts each day's 09:00 and 17:00 to UTC with zoneinfo, so it follows DST.",
    "DST: the 09:00–17:00 windows never contain New York's 02:00 switch, so wall-clock seconds "
    "inside a window are real seconds and working in wall time (pandas) loses nothing here; a "
    "calendar open across 02:00 (24×7, overnight shifts) would be off by an hour on the two "
    "switch days in such a wall-time approach, while Accord counts real seconds.",
]


def render_text(res: Result) -> str:
    a = res.args
    lines = [
        "",
        f"Command: {res.command}",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in res.machine.items()),
        f"Workload: seed {a.seed}, {fmt_count(a.pairs)} pairs; alternatives timed on the first "
        f"{fmt_count(min(a.sample, a.pairs))} and extrapolated per look-up; best of "
        f"{a.repeat} (arrays) / {a.alt_repeat} (alternatives) interleaved runs.",
        f"First call (compiles {res.intervals:,} intervals and their holidays, not in the "
        f"table): {fmt_seconds(res.first_call)}",
        "",
        text_table(HEADERS, _table_rows(res), left=2),
        "",
        "Goals:",
        *(f"  {g}" for g in goals(res)),
        "",
        "Disagreements:" if res.notes else "Disagreements: none",
        *(f"  {x}" for x in res.notes),
    ]
    return "\n".join(lines)


def render_markdown(res: Result) -> str:
    a = res.args
    sample = min(a.sample, a.pairs)
    machine = "; ".join(f"{k} {v}" for k, v in res.machine.items())
    intro = (
        f"Machine: {machine}. The machine is shared, so each figure is the best of {a.repeat} "
        f"runs (array look-ups) or {a.alt_repeat} runs (alternatives), all interleaved in one "
        "process."
    )
    workload = (
        f"**Workload** (seed {a.seed}): {fmt_count(a.pairs)} pairs with starts uniform over "
        "2024–2025 on a Mon–Fri 09:00–17:00 America/New_York calendar with US public holidays "
        "(`holidays: [{country: US}]`). Elapsed: ends 1 minute to 60 days after the start "
        "(log-uniform). Due: half the targets are usual SLA targets (1, 2, 4, 8, 16, 24 or 40 "
        "business hours), half arbitrary seconds from 1 minute to 80 hours (log-uniform). "
        "pandas, businesstimedelta and the day walk are per-pair Python loops: they are timed "
        f"on the first {fmt_count(sample)} pairs and their time per look-up is extrapolated to "
        f"all {fmt_count(a.pairs)}. Agreement is the share of those pairs where the answer "
        "equals Accord's to the second (the anchor: all pairs)."
    )
    first = (
        f"The first call, which compiles the calendar ({res.intervals:,} intervals) and its "
        f"holidays, took {fmt_seconds(res.first_call)} and is not in the table."
    )
    parts = [
        "Written by `bench/bench_lookups.py --write-doc` from one run of",
        "",
        f"    {res.command}",
        "",
        wrap(intro),
        "",
        wrap(workload),
        "",
        markdown_table(HEADERS, _table_rows(res), left=2),
        "",
        wrap(first),
        "",
        "**Goals**",
        "",
        *(wrap(g, bullet="- ") for g in goals(res)),
        "",
        "**Disagreements**",
        "",
        *([wrap(x, bullet="- ") for x in res.notes] or ["- none"]),
        "",
        "**How each was used**",
        "",
        *(wrap(x, bullet="- ") for x in METHOD_NOTES),
    ]
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pairs", type=int, default=1_000_000, help="pairs per look-up (1,000,000)")
    p.add_argument("--sample", type=int, default=2_000, help="pairs timed for the alternatives")
    p.add_argument("--seed", type=int, default=3, help="workload seed (3)")
    p.add_argument("--repeat", type=int, default=15, help="runs of each array look-up (15)")
    p.add_argument("--alt-repeat", type=int, default=5, help="runs of each alternative (5)")
    p.add_argument(
        "--write-doc", action="store_true", help=f"rewrite the {DOC_SECTION} section of {DOC}"
    )
    args = p.parse_args(argv)
    if args.pairs < 1 or args.sample < 1 or args.repeat < 1 or args.alt_repeat < 1:
        p.error("--pairs, --sample, --repeat and --alt-repeat must be at least 1")
    res = measure(args)
    print(render_text(res))
    if args.write_doc:
        replace_section(DOC, DOC_SECTION, render_markdown(res))
        print(f"\nWrote the {DOC_SECTION} section of {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
