"""Working time and local time for many instants at once (the demo generator's clocks).

:class:`WorkTable` holds one calendar's working intervals (weekday hours in a zone, public
holidays off) between two instants, with the working seconds before each, so that "``s``
working seconds after ``t``" is two binary searches over the whole array of tickets.
:class:`LocalTime` holds a zone's UTC offset hour by hour, which is exact for the zones the demo
uses (their offsets change on whole hours).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from accord.core.timeutil import Instant

I64 = NDArray[np.int64]
HOUR = 3600
DAY = 86400


class WorkTable:
    """Working intervals ``[opens[i], closes[i])`` in time order, with ``before[i]`` the
    working seconds from the first one up to ``opens[i]``."""

    def __init__(self, opens: I64, closes: I64) -> None:
        self.opens = opens
        self.lengths = closes - opens
        self.before = np.concatenate(([0], np.cumsum(self.lengths)[:-1])).astype(np.int64)
        self.after = self.before + self.lengths  # working seconds up to each close

    @classmethod
    def build(
        cls,
        zone: str,
        hours: tuple[int, int],
        closed: frozenset[date],
        first: Instant,
        last: Instant,
    ) -> WorkTable:
        """The weekday hours ``[open, close)`` in ``zone``, days in ``closed`` off, from the
        day of ``first`` to the day of ``last``."""
        tz = ZoneInfo(zone)
        day = datetime.fromtimestamp(first, tz).date() - timedelta(days=1)
        stop = datetime.fromtimestamp(last, tz).date() + timedelta(days=1)
        opens: list[int] = []
        closes: list[int] = []
        while day <= stop:
            if day.weekday() < 5 and day not in closed:
                opens.append(int(datetime.combine(day, time(hours[0]), tzinfo=tz).timestamp()))
                closes.append(int(datetime.combine(day, time(hours[1]), tzinfo=tz).timestamp()))
            day += timedelta(days=1)
        return cls(np.array(opens, dtype=np.int64), np.array(closes, dtype=np.int64))

    def add(self, t: I64, seconds: I64) -> I64:
        """The instant ``seconds`` of working time after each ``t`` (0 seconds: ``t`` itself
        when it is working time, else the next opening); beyond the table, plain seconds."""
        n = self.opens.size
        i = np.searchsorted(self.opens, t, side="right") - 1
        ic = np.clip(i, 0, n - 1)
        done = np.where(
            i < 0, 0, self.before[ic] + np.clip(t - self.opens[ic], 0, self.lengths[ic])
        )
        goal = done + seconds
        # the first interval that ends after the goal (at it, for a positive amount: a reply
        # due at the close is sent at the close, not the next morning)
        j = np.where(
            seconds > 0,
            np.searchsorted(self.after, goal, side="left"),
            np.searchsorted(self.after, goal, side="right"),
        )
        jc = np.clip(j, 0, n - 1)
        out: I64 = np.where(j < n, self.opens[jc] + (goal - self.before[jc]), t + seconds)
        return out


class LocalTime:
    """A zone's local wall time for instants in ``[first, last]`` (clamped outside)."""

    def __init__(self, zone: str, first: Instant, last: Instant) -> None:
        tz = ZoneInfo(zone)
        self.base = first - first % HOUR
        hours = (last - self.base) // HOUR + 2
        self.offsets = np.array(
            [
                int(datetime.fromtimestamp(self.base + h * HOUR, tz).utcoffset().total_seconds())  # type: ignore[union-attr]
                for h in range(hours)
            ],
            dtype=np.int64,
        )

    def offset(self, t: I64) -> I64:
        """The UTC offset in seconds at each instant."""
        h = np.clip((t - self.base) // HOUR, 0, self.offsets.size - 1)
        out: I64 = self.offsets[h]
        return out

    def local(self, t: I64) -> I64:
        """Local wall time as seconds since 1970-01-01 00:00 local."""
        out: I64 = t + self.offset(t)
        return out

    def utc(self, local: I64) -> I64:
        """The instant of a local wall time (the offset taken an offset earlier, which is
        right except inside the hour a transition skips or repeats)."""
        guess = local - self.offset(local)
        out: I64 = local - self.offset(guess)
        return out


def hour_of(local: I64) -> I64:
    out: I64 = (local // HOUR) % 24
    return out


def weekday_of(local: I64) -> I64:
    """Monday 0 … Sunday 6 (1970-01-01 was a Thursday)."""
    out: I64 = (local // DAY + 3) % 7
    return out
