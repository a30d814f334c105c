"""The length of a calendar's business day: how long business durations read in business
days ("3 business days 3 h" on a 9-hour calendar, docs/dashboard.md).

A business day is the most common length of the open days of the weekly hours in force on a
local date (Mon-Thu 9 h and Fri 6 h: 9 h; a tie goes to the longer length). A day's length is
the union of its windows, an overnight window counted whole on the day it starts. Holidays,
closed dates, special hours and closures are exceptions to the week, not its shape: they do
not change the length. A calendar open around the clock (its week covers every second) and one
with no open day have no business day (``None``): their durations read as plain durations.

Pure: the local date is an argument.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from accord.core.config.models import CalendarSpec, WeeklyHours, Window

__all__ = ["business_day_seconds", "day_lengths", "hours_on"]

_DAY = 86400
_WEEK = 7 * _DAY


def _union(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(p for p in pairs if p[1] > p[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _pairs(windows: Iterable[Window]) -> list[tuple[int, int]]:
    return [(w.open, w.close) for w in windows]


def day_lengths(hours: WeeklyHours) -> tuple[int, ...]:
    """Open seconds of each weekday (Monday first): the union of its own windows."""
    return tuple(sum(e - s for s, e in _union(_pairs(day))) for day in hours.days)


def _around_the_clock(hours: WeeklyHours) -> bool:
    spans: list[tuple[int, int]] = []
    for i, day in enumerate(hours.days):
        for s, e in _pairs(day):
            start, end = i * _DAY + s, i * _DAY + e
            spans.append((start, min(end, _WEEK)))
            if end > _WEEK:  # Sunday's overnight window runs into Monday
                spans.append((0, end - _WEEK))
    return _union(spans) == [(0, _WEEK)]


def hours_on(spec: CalendarSpec, on: date) -> WeeklyHours:
    """The weekly hours in force on local date ``on`` (the last version from before it that
    sets hours, else the calendar's own)."""
    hours = spec.hours
    for v in spec.versions:  # sorted by effective_from
        if v.effective_from > on:
            break
        if v.hours is not None:
            hours = v.hours
    return hours


def business_day_seconds(spec: CalendarSpec, on: date) -> int | None:
    """The business day of ``spec`` on local date ``on`` in seconds (see the module's text),
    or ``None`` when its durations read plain (open around the clock, or never open)."""
    hours = hours_on(spec, on)
    if _around_the_clock(hours):
        return None
    counts = Counter(n for n in day_lengths(hours) if n > 0)
    if not counts:
        return None
    # most common first, then the longer of equally common lengths
    return max(counts, key=lambda n: (counts[n], n))
