"""Period grids: the consecutive periods a KPI is evaluated over, as UTC instants.

Calendar periods start at local midnight in the KPI's IANA zone: a day; an ISO week (Monday to
Sunday); a calendar month; a quarter (January, April, July, October). A period is the
half-open span ``[start, end)`` of UTC seconds, so a day of a DST change lasts 23 or 25 hours
and a week containing one 167 or 169. Should local midnight not exist (a zone that changes
its clocks at midnight), the day starts at the first instant it has.

Rolling windows are ``N × 24`` hours long, end at as-of (inclusive) and follow each other
backwards without overlap: the latest is ``(as_of − N days, as_of]``.

The *current* period is the calendar period containing as-of; only it is unfinished. Its
elapsed share is ``(as_of + 1 − start) / (end − start)``: the whole seconds ``start … as_of``
have happened, as-of included, since events at as-of count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from accord.core.kpi.models import PeriodSpec
from accord.core.timeutil import Instant, from_instant, to_instant, zone

DAY = 86400


@dataclass(frozen=True)
class PeriodGrid:
    """``count`` consecutive periods, oldest first; ``bounds[i]`` and ``bounds[i + 1]`` are
    the start and end of period ``i``."""

    bounds: npt.NDArray[np.int64]
    labels: tuple[str, ...]
    days: npt.NDArray[np.float64]  # local days in each period (the whole period)
    current: int | None  # the unfinished period (containing as-of), if any
    elapsed: npt.NDArray[np.float64]  # share of each period that has happened (1 when over)
    as_of: Instant

    @property
    def count(self) -> int:
        return len(self.labels)

    @property
    def starts(self) -> npt.NDArray[np.int64]:
        return self.bounds[:-1]

    @property
    def ends(self) -> npt.NDArray[np.int64]:
        return self.bounds[1:]

    def index(self, t: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """The period of each instant, ``-1`` when it lies in none.

        Not a binary search per instant: the span is cut into buckets no longer than the
        shortest period, so a bucket meets at most two periods; one table look-up and one
        comparison with the next start place each instant (several times faster on
        millions of rows).
        """
        b = self.bounds
        width = int(np.min(np.diff(b)))
        total = int(b[-1] - b[0])
        starts = b[0] + np.arange(total // width + 1, dtype=np.int64) * width
        table = (np.searchsorted(b, starts, side="right") - 1).astype(np.int32)
        off = t - b[0]
        invalid = (off < 0) | (off >= total)
        np.clip(off, 0, total - 1, out=off)  # in place: few passes over big arrays
        small = total < 2**31  # offsets in 32 bits halve the memory traffic (< 68 years)
        rel = off.astype(np.int32) if small else off
        ends = (b[1:] - b[0]).astype(rel.dtype)  # each period's end, relative to the first start
        idx: npt.NDArray[np.int32] = table[rel // width]
        idx += rel >= ends[idx]
        idx[invalid] = -1
        return idx

    def snapshot_ends(self) -> npt.NDArray[np.int64]:
        """The instant each period's end-of-period state is taken at (exclusive): the end, or
        ``as_of + 1`` for the current period."""
        ends = self.ends.copy()
        if self.current is not None:
            ends[self.current] = self.as_of + 1
        return ends


def _period_start(d: date, grain: str) -> date:
    if grain == "day":
        return d
    if grain == "week":
        return d - timedelta(days=d.weekday())
    if grain == "month":
        return d.replace(day=1)
    return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)


def _shift(d: date, grain: str, n: int) -> date:
    if grain == "day":
        return d + timedelta(days=n)
    if grain == "week":
        return d + timedelta(weeks=n)
    months = n * (3 if grain == "quarter" else 1)
    k = d.year * 12 + d.month - 1 + months
    return date(k // 12, k % 12 + 1, 1)


def _label(d: date, grain: str) -> str:
    if grain == "day":
        return d.isoformat()
    if grain == "week":
        y, w, _ = d.isocalendar()
        return f"{y}-W{w:02d}"
    if grain == "month":
        return f"{d.year}-{d.month:02d}"
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def _local_midnight(d: date, tz: str) -> Instant:
    # fold=0 takes the first of two midnights and, for a skipped one, the offset before the
    # change, which lands on the first instant the day has
    return to_instant(datetime(d.year, d.month, d.day, tzinfo=zone(tz)))


def period_grid(spec: PeriodSpec, as_of: Instant, count: int) -> PeriodGrid:
    """The ``count`` periods up to and including the one containing ``as_of``."""
    if count < 1:
        raise ValueError("a period grid needs at least one period")
    if spec.rolling is not None:
        length = spec.rolling * DAY
        bounds = np.array(
            [as_of + 1 - (count - i) * length for i in range(count + 1)], dtype=np.int64
        )
        tzinfo = zone(spec.tz)
        labels = tuple(
            f"{spec.rolling}d to "
            + from_instant(int(b) - 1).astimezone(tzinfo).strftime("%Y-%m-%d %H:%M")
            for b in bounds[1:]
        )
        return PeriodGrid(
            bounds=bounds,
            labels=labels,
            days=np.full(count, float(spec.rolling)),
            current=None,
            elapsed=np.ones(count),
            as_of=as_of,
        )
    local = datetime.fromtimestamp(as_of, UTC).astimezone(zone(spec.tz)).date()
    last = _period_start(local, spec.grain)
    starts = [_shift(last, spec.grain, i - count + 1) for i in range(count + 1)]
    bounds = np.array([_local_midnight(d, spec.tz) for d in starts], dtype=np.int64)
    days = np.array([(b - a).days for a, b in pairwise(starts)], dtype=np.float64)
    elapsed = np.ones(count)
    current = count - 1
    elapsed[current] = (as_of + 1 - bounds[current]) / (bounds[current + 1] - bounds[current])
    return PeriodGrid(
        bounds=bounds,
        labels=tuple(_label(d, spec.grain) for d in starts[:-1]),
        days=days,
        current=current,
        elapsed=elapsed,
        as_of=as_of,
    )
