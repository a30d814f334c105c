"""Business calendars: when the business clock runs (DESIGN §1, §3).

A :class:`BusinessCalendar` turns a :class:`~accord.core.config.models.CalendarSpec` into sorted,
disjoint UTC intervals of open time, with the business seconds that come before each interval,
so that elapsed business time and due instants are array look-ups. This module is pure: no I/O,
and it never reads the system clock. Instants are ``int`` seconds since the epoch, UTC
(:data:`accord.core.timeutil.Instant`).

Semantics, per local date ``D`` of the calendar's IANA zone (``spec.tz``):

1. **Closed dates** (``closed_dates``) beat everything: ``D`` has no open time.
2. Otherwise **special hours** on ``D`` replace the weekly windows of ``D`` (``hours: []`` closes
   the day). Special hours beat public holidays: opening on a holiday for special hours is the
   point of special hours.
3. Otherwise a **public holiday** on ``D`` (from the ``holidays`` package, for each
   :class:`~accord.core.config.models.HolidaySource` of the version in force on ``D``) closes it.
   Holidays are computed per year on demand; an observed day moved across New Year counts on
   the day it is observed. Outside the years the package covers (it stops at 2100 today), no
   public holidays apply.
4. Otherwise ``D`` has the **weekly windows** of its weekday from the version in force on ``D``.
5. Then **closures** on ``D`` (``from``/``to``, local seconds of ``D``) are cut out of ``D``'s
   windows. Like everything else on ``D`` they act on the windows that belong to ``D``: they do
   not cut the tail of the previous day's overnight window.

An **overnight window** (``close > 24:00``) ends on the next local day and belongs to the day it
starts: that day's closed date, holiday, special hours and version decide whether it runs.

**Versions** (``spec.versions``, sorted by ``effective_from``, a local date): from that date on,
the version's ``hours`` and/or ``holidays`` replace the previous value; keys left out keep it.
The version in force on ``D`` decides ``D``'s windows, including overnight windows starting on
``D``. Version 1 is the base (the top-level ``hours`` and ``holidays``).

**Time zones and DST.** Each window bound is a wall time (``D`` plus seconds after midnight,
so ``24:00`` is the next day's midnight) converted to UTC with ``zoneinfo``'s default
``fold=0``: a bound inside a DST gap is read with the offset in force before the gap (New York
02:30 on a spring-forward day is 07:30Z, i.e. 03:30 EDT), and a bound inside a repeated hour
means its first occurrence. A window whose bounds convert to an empty or negative span is
dropped. Because days meet at local midnight, ``00:00–24:00`` every day gives contiguous time and
a 24×7 calendar counts real elapsed seconds (a 23 h spring-forward day, a 25 h fall-back day).

Overlapping or adjacent intervals (e.g. an overnight window running into the next day's opening)
are merged, so no second is counted twice.

**No horizon.** Intervals are compiled lazily by whole local years in both directions as
look-ups need them (extending backwards rebuilds the cumulative sums from the new origin).
Look-ups never loop forever: when the last version's weekly template has no open time and no
dated item (special hours, version) lies ahead, ``due`` returns ``None`` (``due_many``:
:data:`NEVER`). The supported span is local
years 2 to 9998; instants outside it raise ``ValueError``, and a due instant beyond it is
``None``.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from accord.core.config.models import WEEKDAYS, CalendarSpec, HolidaySource, WeeklyHours, Window
from accord.core.timeutil import from_instant, to_instant, zone

__all__ = [
    "NEVER",
    "BusinessCalendar",
    "CompiledIntervals",
    "due_after",
    "elapsed_between",
]

NEVER: int = int(np.iinfo(np.int64).max)
"""``due_many``'s answer for a target that can never be reached."""

_DAY = 86400
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_MIN_YEAR = 2
_MAX_YEAR = 9998
# Offsets in tzdata (LMT included) stay within ±16 h, so a window of local date D (at most
# 48 h of wall time from D's midnight) lies within these margins of D's wall-clock span.
_MARGIN_BEFORE = 2 * _DAY
_MARGIN_AFTER = _DAY
# More business seconds than the whole supported span holds can never be reached.
_MAX_SPAN = (date(_MAX_YEAR + 1, 1, 1).toordinal() - date(_MIN_YEAR, 1, 1).toordinal()) * _DAY

Pair = tuple[int, int]
Int64Array = NDArray[np.int64]


def _day_number(d: date) -> int:
    return d.toordinal() - _EPOCH_ORD


def _day_date(n: int) -> date:
    return date.fromordinal(n + _EPOCH_ORD)


def _year_start(year: int) -> int:
    return _day_number(date(year, 1, 1))


def _windows(ws: Iterable[Window]) -> tuple[Pair, ...]:
    out: list[Pair] = []
    for w in ws:
        if not (0 <= w.open < _DAY and w.open < w.close <= w.open + _DAY):
            raise ValueError(
                f"window {w.open}-{w.close}s must open before 24:00 and last at most 24 hours"
            )
        out.append((w.open, w.close))
    return tuple(out)


def _weekly(hours: WeeklyHours) -> tuple[tuple[Pair, ...], ...]:
    days = tuple(_windows(ws) for ws in hours.days)
    if len(days) != 7:
        raise ValueError("weekly hours need exactly seven days (Monday first)")
    return days


def _cut(windows: Sequence[Pair], cuts: Sequence[Pair]) -> tuple[Pair, ...]:
    """``windows`` minus the ``cuts`` (all in local seconds of one day)."""
    out = list(windows)
    for f, t in cuts:
        kept: list[Pair] = []
        for o, c in out:
            if t <= o or c <= f:
                kept.append((o, c))
                continue
            if o < f:
                kept.append((o, f))
            if t < c:
                kept.append((t, c))
        out = kept
    return tuple(out)


def _merge(starts: Int64Array, ends: Int64Array) -> tuple[Int64Array, Int64Array]:
    """Sorted, disjoint union of ``[starts, ends)``; touching intervals are joined."""
    keep = ends > starts
    s, e = starts[keep], ends[keep]
    if s.size == 0:
        return s, e
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)
    head = np.empty(s.size, dtype=bool)
    head[0] = True
    head[1:] = s[1:] > reach[:-1]
    first = np.flatnonzero(head)
    last = np.append(first[1:] - 1, s.size - 1)
    return s[first], reach[last]


def _offset(tz: tzinfo, wall: datetime) -> int:
    """UTC offset in seconds of a naive wall time (``fold=0``)."""
    off = tz.utcoffset(wall)
    if off is None:  # zoneinfo always answers; this keeps the type honest
        raise ValueError("time zone without a UTC offset")
    return off // _ONE_SECOND


def _clock(seconds: int) -> str:
    extra = ""
    if seconds > _DAY:
        seconds -= _DAY
        extra = "+1"
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    text = f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")
    return text + extra


def _readonly(a: Int64Array) -> Int64Array:
    a.flags.writeable = False
    return a


# Array look-ups run in blocks of this many elements so that their temporaries stay in the
# CPU cache: the work is a handful of cheap passes, and memory traffic would dominate them.
_BLOCK = 1 << 14
# A bucket table may hold this many entries per key (or _TABLE_MIN), and a bucket this many
# keys; past that a calendar's keys are too unevenly spaced and binary search is used instead.
_TABLE_PER_KEY = 4
_TABLE_MIN = 4096
_MAX_PROBES = 4
_PAD = np.iinfo(np.int64).max


@dataclass(frozen=True, slots=True)
class _Index:
    """``np.searchsorted`` over sorted int64 ``keys`` in constant time per query.

    Binary search over a few thousand keys costs a dozen dependent, badly predicted steps per
    query. Here the query axis from ``base`` is cut into buckets of ``2**shift`` (a shift, not a
    division, finds the bucket); ``table[g]`` holds the answer at the start of bucket ``g`` and
    each bucket holds at most ``probes`` keys, so the answer is that entry plus ``probes``
    comparisons against the next keys. The shift is chosen per calendar so that the table stays
    small (cache-resident) and the probes few; if no such shift exists, ``table`` is ``None``
    and queries fall back to ``np.searchsorted``. The answers are identical either way.

    ``right`` picks the side: ``True`` counts keys ``<= x``, ``False`` keys ``< x``. Queries
    must be ``>= base``; queries past the last bucket are clamped to it, which stays exact
    because the last bucket holds the last key.
    """

    keys: Int64Array  # sorted, then _MAX_PROBES copies of _PAD (never counted) for the probes
    n: int  # the real keys
    base: int
    shift: int
    probes: int
    table: Int64Array | None
    right: bool

    @staticmethod
    def build(keys: Int64Array, base: int, top: int, right: bool) -> _Index:
        """An index for queries in ``[base, top]`` (larger ones clamp); ``keys >= base``."""
        n = int(keys.size)
        side: Literal["left", "right"] = "right" if right else "left"
        top = max(top, int(keys[-1])) if n else top
        rel = keys - base
        span = max(top - base, 1)
        limit = max(_TABLE_MIN, _TABLE_PER_KEY * n)
        best: tuple[int, int] | None = None  # (shift, keys in the fullest bucket)
        # From one bucket down, halve the buckets until each holds at most one key or the
        # table would grow too large; keep the fewest probes (then the smallest table).
        for shift in range(span.bit_length(), -1, -1):
            if (span >> shift) + 1 > limit:
                break
            fullest = int(np.bincount(rel >> shift).max()) if n else 0
            if best is None or fullest < best[1]:
                best = (shift, fullest)
            if fullest <= 1:
                break
        padded = np.concatenate([keys, np.full(_MAX_PROBES, _PAD, dtype=np.int64)])
        if best is None or best[1] > _MAX_PROBES:
            return _Index(_readonly(padded), n, base, 0, 0, None, right)
        shift, fullest = best
        edges = base + (np.arange((span >> shift) + 1, dtype=np.int64) << shift)
        table = np.searchsorted(keys, edges, side=side).astype(np.int64)
        return _Index(_readonly(padded), n, base, shift, max(fullest, 1), _readonly(table), right)

    def count(self, x: Int64Array, out: Int64Array, scratch: Int64Array) -> Int64Array:
        """``np.searchsorted(keys, x, side)`` into ``out`` (``scratch``: same size, clobbered).

        ``x`` must be ``>= base``; ``out`` and ``scratch`` must not overlap ``x``.
        """
        if self.table is None:
            out[...] = np.searchsorted(
                self.keys[: self.n], x, side="right" if self.right else "left"
            )
            return out
        np.subtract(x, self.base, out=scratch)
        np.right_shift(scratch, self.shift, out=scratch)
        # mode="clip" clamps queries past the table (see the class docstring) and skips the
        # bounds check; every other index here is in range by construction.
        np.take(self.table, scratch, out=out, mode="clip")
        hit = np.less_equal if self.right else np.less
        for _ in range(self.probes):
            np.take(self.keys, out, out=scratch, mode="clip")
            out += hit(scratch, x)
        return out


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One immutable snapshot of the compiled intervals (swapped whole, so readers never see a
    half-built state). Index 0 of every array is a zero-length sentinel before all intervals,
    so a look-up inside the valid span always finds an interval at or before it."""

    lo_day: int  # first compiled local date (days since the epoch)
    hi_day: int  # one past the last compiled local date
    valid_lo: int  # the arrays equal the true open time on [valid_lo, valid_hi)
    valid_hi: int
    starts: Int64Array
    ends: Int64Array
    cum: Int64Array  # business seconds before each interval
    cs: Int64Array  # cum - starts: B(t) = cs[i] + min(t, ends[i])
    ce: Int64Array  # cum + length: business seconds at each interval's end
    starts_l: list[int]
    ends_l: list[int]
    cs_l: list[int]
    ce_l: list[int]
    by_time: _Index  # over starts (side right): the interval in force at an instant
    by_work: _Index  # over ce (side left): the interval in which a business total is reached

    @staticmethod
    def build(lo_day: int, hi_day: int, starts: Int64Array, ends: Int64Array) -> _Compiled:
        sentinel = lo_day * _DAY - 3 * _DAY
        s = np.concatenate([np.array([sentinel], dtype=np.int64), starts])
        e = np.concatenate([np.array([sentinel], dtype=np.int64), ends])
        lengths = e - s
        ce = np.cumsum(lengths, dtype=np.int64)
        cum = ce - lengths
        cs = cum - s
        return _Compiled(
            lo_day=lo_day,
            hi_day=hi_day,
            valid_lo=lo_day * _DAY + _MARGIN_BEFORE,
            valid_hi=hi_day * _DAY - _MARGIN_AFTER,
            starts=_readonly(s),
            ends=_readonly(e),
            cum=_readonly(cum),
            cs=_readonly(cs),
            ce=_readonly(ce),
            starts_l=s.tolist(),
            ends_l=e.tolist(),
            cs_l=cs.tolist(),
            ce_l=ce.tolist(),
            # Queries are instants in the compiled days (after the sentinel) and business
            # totals from 0 (the sentinel's) on.
            by_time=_Index.build(s, sentinel, hi_day * _DAY, right=True),
            by_work=_Index.build(ce, 0, int(ce[-1]), right=False),
        )

    def b(self, t: int) -> int:
        """Business seconds from the compiled origin to ``t``."""
        i = bisect_right(self.starts_l, t) - 1
        return self.cs_l[i] + min(t, self.ends_l[i])

    def _b_into(self, t: Int64Array, out: Int64Array, i: Int64Array, tmp: Int64Array) -> None:
        """``out = B(t)`` for one block; ``i`` and ``tmp`` are scratch of the same size."""
        self.by_time.count(t, i, tmp)
        i -= 1  # the last interval starting at or before t (the sentinel at worst)
        # i is in range by construction; mode="clip" spares the bounds check and the buffered
        # copy that the default mode makes when given `out`.
        np.take(self.ends, i, out=tmp, mode="clip")
        np.minimum(tmp, t, out=tmp)
        np.take(self.cs, i, out=out, mode="clip")
        out += tmp

    def elapsed_many(self, a: Int64Array, b: Int64Array) -> Int64Array:
        """``B(b) - B(a)`` for 1-D arrays inside the valid span."""
        out = np.empty(a.size, dtype=np.int64)
        w = np.empty((3, min(a.size, _BLOCK)), dtype=np.int64)
        for lo in range(0, a.size, _BLOCK):
            hi = min(lo + _BLOCK, a.size)
            ba, i, tmp = w[0, : hi - lo], w[1, : hi - lo], w[2, : hi - lo]
            self._b_into(a[lo:hi], ba, i, tmp)
            o = out[lo:hi]
            self._b_into(b[lo:hi], o, i, tmp)
            o -= ba
        return out

    def due_many(self, a: Int64Array, seconds: Int64Array) -> tuple[Int64Array, Int64Array]:
        """For 1-D arrays (``a`` inside the valid span, ``seconds > 0``): the candidate due
        instants and the index ``j`` of the interval reaching each target; ``j == ce.size``
        means beyond the compiled intervals, and there the instant is meaningless."""
        out = np.empty(a.size, dtype=np.int64)
        js = np.empty(a.size, dtype=np.int64)
        w = np.empty((2, min(a.size, _BLOCK)), dtype=np.int64)
        for lo in range(0, a.size, _BLOCK):
            hi = min(lo + _BLOCK, a.size)
            i, tmp = w[0, : hi - lo], w[1, : hi - lo]
            target, j = out[lo:hi], js[lo:hi]
            self._b_into(a[lo:hi], target, i, tmp)
            target += seconds[lo:hi]
            self.by_work.count(target, j, tmp)
            # clip: a j past the end marks "not reached"; its instant is discarded.
            np.take(self.cs, j, out=tmp, mode="clip")
            target -= tmp
        return out, js


@dataclass(frozen=True, slots=True)
class CompiledIntervals:
    """The open intervals of a calendar over a span, for batch work.

    ``starts``/``ends`` are sorted, disjoint ``[start, end)`` UTC instants; ``cum[i]`` is the
    business seconds before interval ``i`` (relative to the first one, so only differences mean
    something). The arrays are exact for instants in ``[valid_from, valid_until)``; outside that
    span they may miss open time. The arrays are read-only.
    """

    starts: Int64Array
    ends: Int64Array
    cum: Int64Array
    valid_from: int
    valid_until: int


class BusinessCalendar:
    """A business calendar in its own IANA zone; see the module docstring for the rules.

    All look-ups are exact to the second and take and return ``int`` instants. Intervals are
    ``[start, end)``: a calendar open 09:00–17:00 is open at 09:00:00 and closed at 17:00:00.
    Compilation is lazy and cached; the object may be shared between threads (a snapshot is
    swapped whole, so a concurrent look-up sees either the old or the new one).
    """

    def __init__(self, name: str, spec: CalendarSpec) -> None:
        self.name = name
        self.spec = spec
        self.tz = zone(spec.tz)

        # Versions: index 0 is the base, k is spec.versions[k - 1].
        self._v_dates: list[date] = [v.effective_from for v in spec.versions]
        days = _weekly(spec.hours)
        sources = spec.holidays
        self._v_days: list[tuple[tuple[Pair, ...], ...]] = [days]
        self._v_sources: list[tuple[HolidaySource, ...]] = [sources]
        for v in spec.versions:
            if v.hours is not None:
                days = _weekly(v.hours)
            if v.holidays is not None:
                sources = v.holidays
            self._v_days.append(days)
            self._v_sources.append(sources)
        # Each distinct holiday list gets a small id, so the per-day check hashes an int.
        hol_ids: dict[tuple[HolidaySource, ...], int] = {}
        self._v_hol: list[int] = []
        for src in self._v_sources:
            self._v_hol.append(hol_ids.setdefault(src, len(hol_ids)) if src else -1)
        self._hol_lists: list[tuple[HolidaySource, ...]] = list(hol_ids)
        self._hol_raw: dict[tuple[int, int], frozenset[date]] = {}
        self._described: dict[int, str] = {}  # version index -> describe()'s line
        self._hol_year: dict[tuple[int, int], frozenset[date]] = {}

        self._closed: frozenset[date] = frozenset(c.date for c in spec.closed_dates)
        special: dict[date, tuple[Pair, ...]] = {}
        for sh in spec.special_hours:
            # Two entries for one date: their windows are united.
            special[sh.date] = special.get(sh.date, ()) + _windows(sh.hours)
        self._special = special
        closures: dict[date, list[Pair]] = {}
        for cl in spec.closures:
            if not 0 <= cl.from_ < cl.to <= _DAY:
                raise ValueError(f"calendar '{name}': a closure must lie within 00:00-24:00")
            closures.setdefault(cl.date, []).append((cl.from_, cl.to))
        self._closures = closures

        dated = [*self._v_dates, *special]
        self._last_dated_day = _day_number(max(dated)) if dated else None
        self._tail_empty = not any(self._v_days[-1])

        self._c: _Compiled | None = None
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[BusinessCalendar], tuple[str, CalendarSpec]]:
        # The compiled arrays are a cache and the lock cannot be pickled: another process
        # rebuilds both from the name and the spec, which is all a calendar is.
        return (BusinessCalendar, (self.name, self.spec))

    def compiled_state(self) -> tuple[int, int, Int64Array, Int64Array] | None:
        """What has been compiled so far (local days ``[lo, hi)`` and their merged intervals),
        for another process to :meth:`adopt_compiled_state` instead of compiling it again
        (the Spark engine broadcasts it to its executors); ``None`` before any look-up."""
        c = self._c
        if c is None:
            return None
        return c.lo_day, c.hi_day, np.asarray(c.starts[1:]), np.asarray(c.ends[1:])

    def adopt_compiled_state(self, state: tuple[int, int, Int64Array, Int64Array]) -> None:
        """Take what :meth:`compiled_state` gave of a calendar with the same spec; look-ups
        outside those days compile more as usual."""
        lo_day, hi_day, starts, ends = state
        with self._lock:
            self._c = _Compiled.build(lo_day, hi_day, starts, ends)

    @classmethod
    def from_dict(cls, name: str, mapping: Mapping[str, Any]) -> BusinessCalendar:
        """Build from the YAML mapping of one calendar (validated by ``CalendarSpec``)."""
        return cls(name, CalendarSpec.model_validate(mapping))

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, tz={self.spec.tz!r})"

    # ------------------------------------------------------------------ local rules

    def _holidays(self, hid: int, year: int) -> frozenset[date]:
        """Holiday dates falling in ``year`` for the holiday list ``hid``."""
        key = (hid, year)
        got = self._hol_year.get(key)
        if got is None:
            # An observed day can move across New Year (US: 2021-12-31 for 2022-01-01), so
            # the neighbouring years' lists are consulted too.
            dates: set[date] = set()
            for y in (year - 1, year, year + 1):
                dates.update(d for d in self._holidays_raw(hid, y) if d.year == year)
            got = self._hol_year[key] = frozenset(dates)
        return got

    def _holidays_raw(self, hid: int, year: int) -> frozenset[date]:
        from accord.core.holiday_sets import country_holidays

        key = (hid, year)
        got = self._hol_raw.get(key)
        if got is None:
            dates: set[date] = set()
            for src in self._hol_lists[hid]:
                kwargs: dict[str, Any] = {"subdiv": src.subdivision, "years": year}
                if src.categories:
                    kwargs["categories"] = src.categories
                dates.update(country_holidays(src.country, **kwargs).keys())
            got = self._hol_raw[key] = frozenset(dates)
        return got

    def _version_index(self, d: date) -> int:
        return bisect_right(self._v_dates, d)

    def _local_windows(self, d: date) -> tuple[Pair, ...]:
        """The windows belonging to local date ``d``, in local seconds after its midnight."""
        if d in self._closed:
            return ()
        wins = self._special.get(d)
        if wins is None:
            v = self._version_index(d)
            hid = self._v_hol[v]
            if hid >= 0 and d in self._holidays(hid, d.year):
                return ()
            wins = self._v_days[v][d.weekday()]
        cuts = self._closures.get(d)
        if cuts and wins:
            wins = _cut(wins, cuts)
        return wins

    def _compile_days(self, lo_day: int, hi_day: int) -> tuple[Int64Array, Int64Array]:
        tz = self.tz
        starts: list[int] = []
        ends: list[int] = []
        d = _day_date(lo_day)
        for day in range(lo_day, hi_day):
            wins = self._local_windows(d)
            if wins:
                midnight = datetime(d.year, d.month, d.day)
                base = day * _DAY
                for o, c in wins:
                    # Naive wall time: zoneinfo reads it with fold=0 (see module docstring).
                    wo = midnight + timedelta(seconds=o)
                    wc = midnight + timedelta(seconds=c)
                    s = base + o - _offset(tz, wo)
                    e = base + c - _offset(tz, wc)
                    if e > s:
                        starts.append(s)
                        ends.append(e)
            d += _ONE_DAY
        return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)

    # ------------------------------------------------------------------ lazy compilation

    def _ensure(self, lo_t: int, hi_t: int) -> _Compiled:
        """A snapshot exact on ``[lo_t, hi_t]`` (compiling whole years as needed)."""
        c = self._c
        if c is not None and c.valid_lo <= lo_t and hi_t <= c.valid_hi:
            return c
        need_lo = (lo_t - _MARGIN_BEFORE) // _DAY
        need_hi = -(-(hi_t + _MARGIN_AFTER) // _DAY)
        lo_year = _year_for_day(need_lo)
        hi_year = _year_for_day(need_hi - 1) + 1
        if lo_year < _MIN_YEAR or hi_year > _MAX_YEAR + 1:
            raise ValueError(
                f"calendar '{self.name}': instants must lie in the years {_MIN_YEAR} to {_MAX_YEAR}"
            )
        return self._grow(_year_start(lo_year), _year_start(hi_year))

    def _grow(self, lo_day: int, hi_day: int) -> _Compiled:
        with self._lock:
            c = self._c
            if c is None:
                s, e = self._compile_days(lo_day, hi_day)
            else:
                if c.lo_day <= lo_day and hi_day <= c.hi_day:
                    return c
                lo_day, hi_day = min(lo_day, c.lo_day), max(hi_day, c.hi_day)
                parts_s, parts_e = [c.starts[1:]], [c.ends[1:]]
                for a, b in ((lo_day, c.lo_day), (c.hi_day, hi_day)):
                    if a < b:
                        ps, pe = self._compile_days(a, b)
                        parts_s.append(ps)
                        parts_e.append(pe)
                s, e = np.concatenate(parts_s), np.concatenate(parts_e)
            # The cumulative sums are rebuilt from scratch: extending backwards moves the origin.
            ms, me = _merge(s, e)
            c = _Compiled.build(lo_day, hi_day, ms, me)
            self._c = c
            return c

    def _forward_exact(self, c: _Compiled) -> bool:
        """True when no open time can exist beyond what ``c`` holds (so it is exact onwards)."""
        return self._tail_empty and (
            self._last_dated_day is None or c.hi_day > self._last_dated_day
        )

    def _grow_forward(self, c: _Compiled, years: int) -> _Compiled | None:
        """Compile ``years`` more years ahead; ``None`` at the end of the supported span."""
        year = _day_date(c.hi_day).year
        if year > _MAX_YEAR:
            return None
        return self._grow(c.lo_day, _year_start(min(year + years, _MAX_YEAR + 1)))

    def compiled(self, start: int, end: int) -> CompiledIntervals:
        """The compiled intervals, exact at least over ``[start, end]`` (for batch engines)."""
        c = self._ensure(min(start, end), max(start, end))
        return CompiledIntervals(
            starts=c.starts[1:],
            ends=c.ends[1:],
            cum=c.cum[1:],
            valid_from=c.valid_lo,
            valid_until=c.valid_hi,
        )

    # ------------------------------------------------------------------ scalar look-ups

    def elapsed(self, start: int, end: int) -> int:
        """Business seconds in ``[start, end)``.

        Defined as ``B(end) - B(start)`` with ``B`` the cumulative business time, so it is
        negative when ``end < start`` and additive: ``elapsed(a, c) == elapsed(a, b) +
        elapsed(b, c)`` for any ``a``, ``b``, ``c``.
        """
        c = self._ensure(min(start, end), max(start, end))
        return c.b(end) - c.b(start)

    def due(self, start: int, seconds: int) -> int | None:
        """The earliest instant ``t >= start`` with ``elapsed(start, t) == seconds``.

        ``seconds == 0`` gives ``start``. When the target runs out exactly at closing time the
        due instant is that closing time, not the next opening. ``None`` when the target can
        never be reached (no open time ahead, or beyond the supported span).
        """
        if seconds < 0:
            raise ValueError("a business duration cannot be negative")
        if seconds == 0:
            return start
        c: _Compiled | None = self._ensure(start, start)
        years = 1
        while c is not None:
            target = c.b(start) + seconds
            j = bisect_left(c.ce_l, target)
            exact = self._forward_exact(c)
            if j < len(c.ce_l):
                t = target - c.cs_l[j]
                # Beyond valid_hi later years may add open time before t: compile them first.
                if t <= c.valid_hi or exact:
                    return t
            elif exact:
                return None
            c = self._grow_forward(c, years)
            years *= 2
        return None

    def is_open(self, t: int) -> bool:
        """Whether the calendar is open at ``t`` (intervals are ``[start, end)``)."""
        c = self._ensure(t, t + 1)
        i = bisect_right(c.starts_l, t) - 1
        return t < c.ends_l[i]

    def next_open(self, t: int) -> int | None:
        """The first open instant at or after ``t`` (``t`` itself when open); ``None`` if none."""
        c: _Compiled | None = self._ensure(t, t + 1)
        years = 1
        while c is not None:
            k = bisect_right(c.ends_l, t)  # first interval ending after t
            exact = self._forward_exact(c)
            if k < len(c.ends_l):
                s = c.starts_l[k]
                if s <= t:
                    return t
                if s <= c.valid_hi or exact:
                    return s
            elif exact:
                return None
            c = self._grow_forward(c, years)
            years *= 2
        return None

    def open_intervals(self, start: int, end: int) -> list[tuple[int, int]]:
        """The open intervals clipped to ``[start, end)``, in order; empty if ``end <= start``."""
        if end <= start:
            return []
        c = self._ensure(start, end)
        out: list[tuple[int, int]] = []
        k = bisect_right(c.ends_l, start)
        n = len(c.starts_l)
        while k < n and c.starts_l[k] < end:
            out.append((max(start, c.starts_l[k]), min(end, c.ends_l[k])))
            k += 1
        return out

    # ------------------------------------------------------------------ array look-ups

    def elapsed_many(self, starts: ArrayLike, ends: ArrayLike) -> Int64Array:
        """``elapsed`` element-wise over two int64 arrays of the same shape."""
        a = np.asarray(starts, dtype=np.int64)
        b = np.asarray(ends, dtype=np.int64)
        if a.shape != b.shape:
            raise ValueError("starts and ends must have the same shape")
        if a.size == 0:
            return np.zeros(a.shape, dtype=np.int64)
        fa, fb = a.ravel(), b.ravel()
        c = self._ensure(min(int(fa.min()), int(fb.min())), max(int(fa.max()), int(fb.max())))
        return c.elapsed_many(fa, fb).reshape(a.shape)

    def due_many(self, starts: ArrayLike, seconds: ArrayLike) -> Int64Array:
        """``due`` element-wise; :data:`NEVER` where the target can never be reached."""
        a = np.asarray(starts, dtype=np.int64)
        sec = np.asarray(seconds, dtype=np.int64)
        if a.shape != sec.shape:
            raise ValueError("starts and seconds must have the same shape")
        if a.size == 0:
            return np.full(a.shape, NEVER, dtype=np.int64)
        fa, fs = a.ravel(), sec.ravel()
        s_min, s_max = int(fs.min()), int(fs.max())
        if s_min < 0:
            raise ValueError("a business duration cannot be negative")
        first = self._ensure(int(fa.min()), int(fa.max()))
        if s_min > 0 and s_max <= _MAX_SPAN:
            # The common case: one pass over the whole arrays, with no gathering and scattering
            # by position, answers everything unless some target lies beyond the compiled span
            # (then the general loop below compiles further and starts over).
            t, j = first.due_many(fa, fs)
            reached = int(j.max()) < first.ce.size
            if reached and (int(t.max()) <= first.valid_hi or self._forward_exact(first)):
                return t.reshape(a.shape)
        out = np.full(fa.shape, NEVER, dtype=np.int64)
        zero = fs == 0
        out[zero] = fa[zero]
        pending = np.flatnonzero(~zero & (fs <= _MAX_SPAN))
        c: _Compiled | None = first
        years = 1
        while c is not None and pending.size:
            t, j = c.due_many(fa[pending], fs[pending])
            found = j < c.ce.size
            exact = self._forward_exact(c)
            # Beyond valid_hi later years may add open time before t: compile them first.
            ok = found if exact else found & (t <= c.valid_hi)
            out[pending[ok]] = t[ok]
            if exact:
                break
            pending = pending[~ok]
            if pending.size:
                c = self._grow_forward(c, years)
                years *= 2
        return out.reshape(a.shape)

    # ------------------------------------------------------------------ explanations

    def version_on(self, d: date) -> int:
        """The calendar version in force on local date ``d`` (1 = the base version)."""
        return self._version_index(d) + 1

    def describe(self, on: date | None = None) -> str:
        """One line: zone and weekly hours (of the version in force ``on``; default the base),
        e.g. ``"Europe/Berlin: mon-fri 09:00-17:00; sat-sun closed; holidays DE-BY"``."""
        v = 0 if on is None else self._version_index(on)
        text = self._described.get(v)
        if text is None:
            # a version's line never changes: the engine writes it into every clock's start
            text = self._described[v] = self._describe_version(v)
        return text

    def _describe_version(self, v: int) -> str:
        days = self._v_days[v]
        groups: list[str] = []
        i = 0
        while i < 7:
            j = i
            while j + 1 < 7 and days[j + 1] == days[i]:
                j += 1
            label = WEEKDAYS[i] if i == j else f"{WEEKDAYS[i]}-{WEEKDAYS[j]}"
            wins = ", ".join(f"{_clock(o)}-{_clock(c)}" for o, c in days[i]) or "closed"
            groups.append(f"{label} {wins}")
            i = j + 1
        text = f"{self.spec.tz}: " + "; ".join(groups)
        sources = self._v_sources[v]
        if sources:
            names = ", ".join(
                s.country + (f"-{s.subdivision}" if s.subdivision else "") for s in sources
            )
            text += f"; holidays {names}"
        if len(self._v_days) > 1:
            text += f" (version {v + 1} of {len(self._v_days)})"
        return text


def _year_for_day(n: int) -> int:
    """The year of day number ``n``, clamped to the range ``date`` can represent."""
    lo, hi = _day_number(date(1, 1, 1)), _day_number(date(9999, 12, 31))
    if n < lo:
        return 0
    if n > hi:
        return 10000
    return _day_date(n).year


# ---------------------------------------------------------------------- conveniences


def elapsed_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Business time between two aware datetimes (each floored to the second)."""
    return timedelta(seconds=cal.elapsed(to_instant(a), to_instant(b)))


def due_after(cal: BusinessCalendar, a: datetime, d: timedelta) -> datetime | None:
    """The due instant (UTC) of business duration ``d`` from ``a``; ``None`` when unreachable.

    ``a`` is floored to the second and ``d`` rounded up to the second, so the answer is the
    earliest whole second by which at least ``d`` of business time has passed.
    """
    if d < timedelta(0):
        raise ValueError("a business duration cannot be negative")
    t = cal.due(to_instant(a), -(-d // _ONE_SECOND))
    return None if t is None else from_instant(t)
