"""Workload per interval of the week, from metric records: what capacity planning reads.

For one metric (``first_response`` by default) every cycle start is an *arrival*: a contact
that waits for an agent. Arrivals are grouped by the calendar of the policy that applies to
them (its record's ``calendar``) and, optionally, by team or channel, and counted per
interval of the week (Monday 00:00 to Sunday 24:00) in that calendar's zone. Each interval's
*exposure* is the wall time it covered within the range (so a range of four and a half weeks,
or a DST change, averages exactly), and its *open time* the part of that the calendar is open.

An arrival while the calendar is closed is *deferred*: its business clock starts at the next
opening, so it is work for the interval holding that opening (``deferred_in``), arriving there
as a burst; the interval it arrived in keeps it only in ``arrivals``.

Handle time, when not given, comes from the ``agent_work`` records (business seconds a ticket
spends new or open, until solved): the work of the tickets whose ``agent_work`` clocks have all
stopped, divided by their arrivals. Pure: no I/O; ``None`` instants are never "now".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np
import polars as pl

from accord.core.calendar import BusinessCalendar
from accord.core.config.resolved import Configuration
from accord.core.timeutil import (
    MAX_EVENT_INSTANT,
    MIN_EVENT_INSTANT,
    Instant,
    parse_duration,
    parse_instant,
    to_instant,
    zone,
)
from accord.errors import InputError

__all__ = [
    "DAY_NAMES",
    "GroupLoad",
    "IntervalLoad",
    "Range",
    "group_loads",
    "interval_seconds",
    "parse_bound",
    "parse_period",
    "parse_target",
]

WEEK = 7 * 86_400
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GROUPINGS = ("team", "channel")
_STOPPED = ("met", "breached", "cancelled")
_LOOK_AHEAD = 400 * 86_400  # how far past the last arrival openings are compiled at once
# a range at most this long: a few years of hourly intervals stays quick to lay out
MAX_RANGE_DAYS = 3 * 366


def interval_seconds(seconds: int) -> int:
    """``seconds`` if it is a whole number of minutes that divides a day, else an error."""
    if seconds < 60 or seconds % 60 or 86_400 % seconds:
        raise InputError(
            f"an interval of {seconds}s does not divide a day into whole minutes; "
            "use 15m, 30m, 1h, 2h, …"
        )
    return seconds


def parse_period(label: str) -> tuple[date, date]:
    """``2026``, ``2026-Q3``, ``2026-09`` or ``2026-W05`` (ISO week) as local dates
    ``[first, end)``."""
    text = label.strip().upper()
    year, _, part = text.partition("-")
    bad = InputError(
        f"'{label}' is not a period; write a year (2026), a quarter (2026-Q3), a month "
        "(2026-09) or an ISO week (2026-W05)"
    )
    if not (year.isascii() and year.isdigit() and len(year) == 4) or not 1900 <= int(year) < 9000:
        raise bad
    y = int(year)
    try:
        if not part:
            return date(y, 1, 1), date(y + 1, 1, 1)
        if part[:1] == "Q" and part[1:] in ("1", "2", "3", "4"):
            q = int(part[1:])
            first = date(y, 3 * q - 2, 1)
            return first, date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)
        if part[:1] == "W" and part[1:].isascii() and part[1:].isdigit():
            first = date.fromisocalendar(y, int(part[1:]), 1)
            return first, first + timedelta(days=7)
        if part.isascii() and part.isdigit() and len(part) == 2:
            m = int(part)
            first = date(y, m, 1)
            return first, date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    except ValueError:
        raise bad from None
    raise bad


def parse_target(text: str) -> tuple[str, int | None]:
    """``first_response=1h`` as ``("first_response", 3600)``; ``first_response`` alone keeps
    each arrival's own target (``None``)."""
    metric, eq, duration = text.partition("=")
    metric = metric.strip()
    if not metric:
        raise InputError(f"'{text}' names no metric; write it like first_response=1h")
    if not eq:
        return metric, None
    try:
        seconds = parse_duration(duration.strip())
    except ValueError as e:
        raise InputError(f"target '{text}': {e}") from None
    return metric, seconds


def parse_bound(text: str, *, end: bool) -> date | Instant:
    """A range bound: a date (``2026-07-01``: local midnight in each calendar's zone; as an
    end, the whole day is included) or an instant with an offset."""
    value = text.strip()
    if len(value) == 10:
        try:
            d = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if not 1900 <= d.year < 9000:
                raise InputError(f"'{text}' lies outside the years 1900 to 8999")
            return d + timedelta(days=1) if end else d
    try:
        t = to_instant(parse_instant(value))
    except (ValueError, OverflowError):
        raise InputError(
            f"'{text}' is neither a date (2026-07-01) nor an instant with an offset "
            "(2026-07-01T00:00:00Z)"
        ) from None
    if not MIN_EVENT_INSTANT <= t < MAX_EVENT_INSTANT:
        raise InputError(f"'{text}' lies outside the years 1900 to 8999")
    return t


@dataclass(frozen=True, slots=True)
class Range:
    """The history to read: from ``start`` to ``end`` (exclusive), each a local date (midnight
    in each calendar's zone) or an instant; ``None``: the first (last) arrival's day."""

    start: date | Instant | None = None
    end: date | Instant | None = None


@dataclass(frozen=True, slots=True)
class IntervalLoad:
    """One interval of the week, summed over the range (divide by ``occurrences`` for the
    average week)."""

    slot: int
    exposure: int  # wall seconds of this interval within the range
    open_seconds: int  # of those, seconds the calendar is open
    openings: int  # instants the calendar opens (after being closed) within this interval
    arrivals: int  # arrivals in this interval, open or closed
    live: int  # of those, arrived while the calendar was open
    deferred_in: int  # arrived while closed, picked up at an opening in this interval
    targets: Mapping[int, int]  # target seconds → work picked up in this interval held to it
    untargeted: int  # work picked up here with no target


@dataclass(frozen=True, slots=True)
class GroupLoad:
    """The workload of one group (a team or channel, or everything) on one calendar."""

    group: str | None
    calendar: str
    tz: str
    start: Instant
    end: Instant
    interval: int
    intervals: tuple[IntervalLoad, ...]
    work_seconds: int  # agent_work business seconds of the tickets whose clocks all stopped
    work_tickets: int  # those tickets
    work_arrivals: int  # their arrivals
    never_open: int  # arrivals while closed whose calendar never opens again
    notes: tuple[str, ...] = field(default=())

    @property
    def aht_seconds(self) -> float | None:
        """Handle time per arrival from agent_work; ``None`` without a finished clock."""
        return self.work_seconds / self.work_arrivals if self.work_arrivals else None

    @property
    def arrivals(self) -> int:
        return sum(i.arrivals for i in self.intervals)

    @property
    def deferred(self) -> int:
        return sum(i.arrivals - i.live for i in self.intervals)


def group_loads(
    records: pl.DataFrame,
    config: Configuration,
    *,
    metric: str = "first_response",
    by: Literal["team", "channel"] | None = None,
    interval: int = 3600,
    span: Range = Range(),
    target: int | None = None,
) -> list[GroupLoad]:
    """The workload per interval of the week of each group (see the module doc).

    ``records`` is a records frame (:mod:`accord.core.kpi.frames`); ``target`` replaces every
    arrival's own target (business seconds) when given. Groups come sorted by name, then
    calendar; a group with no arrival in the range is left out.
    """
    interval_seconds(interval)
    if by is not None and by not in GROUPINGS:
        raise InputError(f"capacity groups by {' or '.join(GROUPINGS)}, not '{by}'")
    if metric not in config.metric_names() and metric not in config.metrics:
        raise InputError(
            f"no policy measures '{metric}'; the metrics are {', '.join(config.metric_names())}"
        )
    key = [by] if by else []
    cols = ["ticket_id", "metric", "calendar", "start", "target", "state", "business_elapsed"]
    frame = records.select([*cols, *key]).with_columns(
        pl.col(c).cast(pl.String) for c in ("metric", "calendar", "state", *key)
    )
    arrivals = frame.filter(pl.col("metric") == metric)
    work = frame.filter(pl.col("metric") == "agent_work")
    out: list[GroupLoad] = []
    placed = arrivals.filter(pl.col("calendar").is_not_null())
    if placed.height == 0:
        return []
    # the default range is the whole log's (in each zone), so that a quiet group's week is
    # averaged over the same weeks as a busy one's
    seen = placed.get_column("start").to_numpy()
    first_last = (int(seen.min()), int(seen.max()))
    groups = placed.partition_by([*key, "calendar"], as_dict=True, maintain_order=False)
    for group_key in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        part = groups[group_key]
        group = None if not by else group_key[0]
        cal_name = str(group_key[-1])
        cal = config.calendars.get(cal_name)
        if not isinstance(cal, BusinessCalendar):
            continue  # a record names a calendar the configuration lacks: cannot happen
        name = None if group is None else str(group)
        load = _group(part, work, cal, name, interval, span, first_last, target)
        if load is not None:
            out.append(load)
    return out


def _bounds(span: Range, tz: str, first_last: tuple[int, int]) -> tuple[Instant, Instant]:
    def local(d: date) -> Instant:
        return to_instant(datetime(d.year, d.month, d.day, tzinfo=zone(tz)))

    def day_of(t: int) -> date:
        return datetime.fromtimestamp(t, zone(tz)).date()

    if span.start is None:
        start = local(day_of(first_last[0]))
    else:
        start = span.start if isinstance(span.start, int) else local(span.start)
    if span.end is None:
        end = local(day_of(first_last[1]) + timedelta(days=1))
    else:
        end = span.end if isinstance(span.end, int) else local(span.end)
    if end <= start:
        raise InputError("the range ends before it starts")
    if end - start > MAX_RANGE_DAYS * 86_400:
        raise InputError(f"a range of more than {MAX_RANGE_DAYS} days is too long to lay out")
    return start, end


def _slots(ts: np.ndarray, tz: str, interval: int) -> np.ndarray:
    """The interval of the week (0 = Monday 00:00) each instant falls in, in zone ``tz``."""
    if ts.size == 0:
        return np.zeros(0, dtype=np.int64)
    utc = pl.Series("t", ts * 1000, dtype=pl.Int64).cast(pl.Datetime("ms", "UTC"))
    local = utc.dt.convert_time_zone(tz)
    day = local.dt.weekday().cast(pl.Int64).to_numpy() - 1
    secs = (
        local.dt.hour().cast(pl.Int64) * 3600
        + local.dt.minute().cast(pl.Int64) * 60
        + local.dt.second().cast(pl.Int64)
    ).to_numpy()
    per_day = 86_400 // interval
    return np.asarray(day * per_day + secs // interval, dtype=np.int64)


def _layout(
    cal: BusinessCalendar, start: Instant, end: Instant, interval: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per interval of the week: wall seconds, open seconds and openings in ``[start, end)``."""
    tz = cal.tz
    per_day = 86_400 // interval
    slots = 7 * per_day
    first = datetime.fromtimestamp(start, tz).date()
    last = datetime.fromtimestamp(end - 1, tz).date()
    lo: list[int] = []
    hi: list[int] = []
    slot: list[int] = []
    d = first
    while d <= last:
        base = d.weekday() * per_day
        bounds = [
            to_instant(datetime(d.year, d.month, d.day, *_hms(k * interval), tzinfo=tz))
            for k in range(per_day)
        ]
        nxt = d + timedelta(days=1)
        bounds.append(to_instant(datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)))
        for k in range(per_day):
            a, b = max(bounds[k], start), min(bounds[k + 1], end)
            if b > a:
                lo.append(a)
                hi.append(b)
                slot.append(base + k)
        d = nxt
    los, his, idx = (np.asarray(v, dtype=np.int64) for v in (lo, hi, slot))
    exposure = np.bincount(idx, weights=his - los, minlength=slots)
    opened = np.bincount(idx, weights=cal.elapsed_many(los, his), minlength=slots)
    # openings: starts of open intervals after closed time (not the range's own start)
    starts = np.asarray(
        [s for s, _ in cal.open_intervals(start, end) if not cal.is_open(s - 1)], np.int64
    )
    openings = np.bincount(_slots(starts, str(tz), interval), minlength=slots)
    return exposure.astype(np.int64), opened.astype(np.int64), openings.astype(np.int64)


def _hms(seconds: int) -> tuple[int, int, int]:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return h, m, s


def _pickups(cal: BusinessCalendar, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each instant is open, and the instant its work can start (the next opening;
    -1 when the calendar never opens again)."""
    lo, hi = int(ts.min()), int(ts.max()) + _LOOK_AHEAD
    c = cal.compiled(lo, hi)
    n = c.starts.size
    if n == 0:
        is_open = np.zeros(ts.size, dtype=bool)
        pickup = np.full(ts.size, -2, dtype=np.int64)
    else:
        k = np.searchsorted(c.ends, ts, side="right")  # the first interval ending after t
        nxt = c.starts[np.minimum(k, n - 1)]
        inside = k < n
        is_open = inside & (nxt <= ts)
        # an opening past the compiled span may miss one before it: ask the calendar (-2)
        pickup = np.where(is_open, ts, np.where(inside & (nxt <= hi), nxt, -2))
    for i in np.flatnonzero(pickup == -2):
        got = cal.next_open(int(ts[i]))
        pickup[i] = -1 if got is None else got
    return is_open, pickup.astype(np.int64)


def _group(
    part: pl.DataFrame,
    work: pl.DataFrame,
    cal: BusinessCalendar,
    group: str | None,
    interval: int,
    span: Range,
    first_last: tuple[int, int],
    target: int | None,
) -> GroupLoad | None:
    tz = cal.spec.tz
    start, end = _bounds(span, tz, first_last)
    part = part.filter((pl.col("start") >= start) & (pl.col("start") < end))
    if part.height == 0:
        return None
    ts = part.get_column("start").to_numpy().astype(np.int64)
    targets = (
        np.full(ts.size, target, dtype=np.int64)
        if target is not None
        else part.get_column("target").fill_null(-1).to_numpy().astype(np.int64)
    )
    exposure, opened, openings = _layout(cal, start, end, interval)
    slots = exposure.size
    arrived = _slots(ts, tz, interval)
    is_open, pickup = _pickups(cal, ts)
    reached = pickup >= 0
    picked = np.full(ts.size, -1, dtype=np.int64)
    picked[reached] = _slots(pickup[reached], tz, interval)
    counts = np.bincount(arrived, minlength=slots)
    live = np.bincount(arrived[is_open], minlength=slots)
    deferred = np.bincount(picked[~is_open & reached], minlength=slots)
    per_slot: list[Counter[int]] = [Counter() for _ in range(slots)]
    for s, t in zip(picked[reached].tolist(), targets[reached].tolist(), strict=True):
        per_slot[s][t] += 1
    intervals = tuple(
        IntervalLoad(
            slot=k,
            exposure=int(exposure[k]),
            open_seconds=int(opened[k]),
            openings=int(openings[k]),
            arrivals=int(counts[k]),
            live=int(live[k]),
            deferred_in=int(deferred[k]),
            targets={t: c for t, c in sorted(per_slot[k].items()) if t >= 0},
            untargeted=per_slot[k].get(-1, 0),
        )
        for k in range(slots)
    )
    seconds, tickets, handled = _handle_time(part, work)
    notes: list[str] = []
    never = int((~reached).sum())
    if never:
        notes.append(f"{never} arrival(s) came after the calendar's last opening: left out")
    return GroupLoad(
        group=group,
        calendar=cal.name,
        tz=tz,
        start=start,
        end=end,
        interval=interval,
        intervals=intervals,
        work_seconds=seconds,
        work_tickets=tickets,
        work_arrivals=handled,
        never_open=never,
        notes=tuple(notes),
    )


def _handle_time(part: pl.DataFrame, work: pl.DataFrame) -> tuple[int, int, int]:
    """Business seconds of ``agent_work`` of the group's tickets whose ``agent_work`` clocks
    have all stopped, how many tickets those are, and their arrivals."""
    ids = part.get_column("ticket_id").unique()
    mine = work.filter(pl.col("ticket_id").is_in(ids.implode()))
    per_ticket = mine.group_by("ticket_id").agg(
        pl.col("business_elapsed").sum().alias("work"),
        pl.col("state").is_in(_STOPPED).all().alias("done"),
    )
    done = per_ticket.filter(pl.col("done"))
    if done.height == 0:
        return 0, 0, 0
    handled = part.filter(pl.col("ticket_id").is_in(done.get_column("ticket_id").implode()))
    return int(done.get_column("work").sum()), done.height, handled.height


def occurrences(load: IntervalLoad, interval: int) -> float:
    """How many times this interval of the week occurred in the range (wall time / length)."""
    return load.exposure / interval


def label(slot: int, interval: int) -> tuple[str, str, str]:
    """``(day, from, to)`` of an interval of the week: ``("Mon", "09:00", "10:00")``."""
    per_day = 86_400 // interval
    day, k = divmod(slot, per_day)
    a, b = k * interval, (k + 1) * interval
    return DAY_NAMES[day], _clock(a), _clock(b)


def _clock(seconds: int) -> str:
    h, m, _ = _hms(seconds)
    return f"{h:02d}:{m:02d}"


def weights(load: IntervalLoad) -> list[tuple[float, float]]:
    """``(count, target seconds)`` pairs of the work picked up in an interval."""
    return [(float(c), float(t)) for t, c in load.targets.items()]
