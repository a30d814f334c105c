"""Breach drivers: where the breached clocks' business time went, compared with the met ones.

The clocks looked at are the SLA clocks (never an internal agreement's) with a target that
**started** in the review's window (:mod:`.window`), judged at as-of: ``met`` or ``breached``
(a running clock past its target is breached; running clocks within their target and
cancelled ones are left out), optionally of one customer and one metric.

Each clock's **business elapsed** time (the time its target is measured against; paused time
is not) is split by its *holder* in force during each counted stretch, along each dimension:

- ``team``, ``assignee``, ``channel`` or any ticket field: its value after the event that
  opened the stretch (``None``: the ticket had none);
- ``status``: the status category (``new``, ``open``, …);
- ``hour``: the hour of day (``00`` … ``23``) and ``weekday`` (``Mon`` … ``Sun``) in the zone
  of the clock's own calendar, the stretch cut at each local hour.

For every dimension and value, a row says how much of the breached clocks' time that holder
accounts for (``breached_seconds``, and ``contribution``: its share of all breached clocks'
business time, in percent), the same of the met clocks (``met_seconds``, ``met_share``), and
``excess``: ``contribution − met_share``, in percentage points (a holder with much more of
the breached time than of the met time drives breaches). ``breached_clocks`` and
``met_clocks`` count the clocks in which that holder counted any time: the rows
:func:`clocks_behind` lists. Rows are in the dimensions' order, each dimension's by
contribution (highest first), then excess, then value.

Pure: no clock, no I/O; the caller computes the clocks and their counted stretches
(:func:`accord.core.engine.reference.counted`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from accord.core.agreements.models import is_internal
from accord.core.engine.accounting import Piece
from accord.core.engine.attribution import holder_value
from accord.core.records import MetricRecord, State
from accord.core.review.window import Window
from accord.core.timeutil import iso
from accord.errors import InputError

__all__ = [
    "DEFAULT_DIMENSIONS",
    "TIME_DIMENSIONS",
    "BehindRow",
    "DriverRow",
    "Drivers",
    "check_driver_dimensions",
    "clock_parts",
    "clocks_behind",
    "drivers",
    "select_clocks",
]

DEFAULT_DIMENSIONS = ("team", "assignee", "status", "channel", "hour", "weekday")
TIME_DIMENSIONS = ("hour", "weekday")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_JUDGED = (State.MET, State.BREACHED)

Counted = tuple[MetricRecord, Sequence[Piece]]
Key = tuple[str, str | None]  # (dimension, value)


def check_driver_dimensions(dimensions: Sequence[str]) -> tuple[str, ...]:
    """The dimensions as a tuple; :class:`InputError` naming one that cannot be used."""
    dims = tuple(dimensions)
    if not dims:
        raise InputError("name at least one dimension, e.g. team")
    for d in dims:
        if not d or d != d.strip():
            raise InputError(f"{d!r} is not a dimension: use a field name such as team")
        if d == "tags":
            raise InputError("'tags' holds several values at once; use a field with one value")
    dup = sorted({d for d in dims if dims.count(d) > 1})
    if dup:
        raise InputError(f"the dimension '{dup[0]}' is given twice")
    return dims


def select_clocks(
    counted: Iterable[Counted],
    window: Window,
    *,
    customer: str | None = None,
    metric: str | None = None,
) -> list[Counted]:
    """The clocks the drivers look at (see the module docstring), in the given order."""
    out: list[Counted] = []
    for rec, pieces in counted:
        if is_internal(rec.metric) or rec.target is None or rec.state not in _JUDGED:
            continue
        if customer is not None and rec.customer != customer:
            continue
        if metric is not None and rec.metric != metric:
            continue
        if window.start is not None and rec.start < window.start:
            continue
        if window.end is not None and rec.start >= window.end:
            continue
        out.append((rec, pieces))
    return out


def clock_parts(pieces: Sequence[Piece], dimensions: Sequence[str]) -> dict[Key, int]:
    """One clock's business elapsed seconds by (dimension, value); each dimension's parts
    sum to the clock's business elapsed."""
    parts: dict[Key, int] = defaultdict(int)
    for p in pieces:
        if p.paused or p.seconds <= 0:
            continue
        for d in dimensions:
            if d in TIME_DIMENSIONS:
                continue
            parts[(d, holder_value(p.after, d))] += p.seconds
        if any(d in TIME_DIMENSIONS for d in dimensions):
            for (hour, weekday), secs in _local_hours(p).items():
                if "hour" in dimensions:
                    parts[("hour", f"{hour:02d}")] += secs
                if "weekday" in dimensions:
                    parts[("weekday", _WEEKDAYS[weekday])] += secs
    return dict(parts)


def _local_hours(p: Piece) -> dict[tuple[int, int], int]:
    """The piece's business seconds by (local hour, local weekday) of its calendar's zone."""
    # a calendar without a zone or open intervals (none such today) counts as UTC, always open
    tz: tzinfo = getattr(p.calendar, "tz", UTC)
    spans = (
        p.calendar.open_intervals(p.start, p.end)
        if hasattr(p.calendar, "open_intervals")
        else [(p.start, p.end)]
    )
    out: dict[tuple[int, int], int] = defaultdict(int)
    for a, b in spans:
        t = a
        while t < b:
            local = datetime.fromtimestamp(t, tz)
            # to the next local hour boundary (offsets change on hour boundaries)
            nxt = min(b, t + 3600 - (local.minute * 60 + local.second))
            out[(local.hour, local.weekday())] += nxt - t
            t = nxt
    return out


@dataclass(frozen=True, slots=True)
class DriverRow:
    dimension: str
    value: str | None
    breached_seconds: int
    contribution: float | None  # % of all breached clocks' business time
    breached_clocks: int
    met_seconds: int
    met_share: float | None  # % of all met clocks' business time
    met_clocks: int
    excess: float | None  # contribution - met_share, in percentage points

    def to_json(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "value": self.value,
            "breached_seconds": self.breached_seconds,
            "contribution": self.contribution,
            "breached_clocks": self.breached_clocks,
            "met_seconds": self.met_seconds,
            "met_share": self.met_share,
            "met_clocks": self.met_clocks,
            "excess": self.excess,
        }


@dataclass(frozen=True)
class Drivers:
    """The drivers of one selection of clocks."""

    dimensions: tuple[str, ...]
    breached_clocks: int
    met_clocks: int
    breached_seconds: int
    met_seconds: int
    rows: list[DriverRow] = field(default_factory=list)
    # the calendars of the clocks behind each row and of all clocks: a reader tells the
    # business time in business days only when they share one (not part of the JSON)
    calendars: Mapping[Key, frozenset[str | None]] = field(default_factory=dict)
    all_calendars: frozenset[str | None] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {
            "dimensions": list(self.dimensions),
            "breached_clocks": self.breached_clocks,
            "met_clocks": self.met_clocks,
            "breached_seconds": self.breached_seconds,
            "met_seconds": self.met_seconds,
            "rows": [r.to_json() for r in self.rows],
        }


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def drivers(selected: Sequence[Counted], dimensions: Sequence[str]) -> Drivers:
    """The drivers of ``selected`` (from :func:`select_clocks`) along ``dimensions``."""
    dims = check_driver_dimensions(dimensions)
    seconds: dict[State, dict[Key, int]] = {s: defaultdict(int) for s in _JUDGED}
    clocks: dict[State, dict[Key, int]] = {s: defaultdict(int) for s in _JUDGED}
    totals = dict.fromkeys(_JUDGED, 0)
    counts = dict.fromkeys(_JUDGED, 0)
    calendars: dict[Key, set[str | None]] = defaultdict(set)
    for rec, pieces in selected:
        st = rec.state
        counts[st] += 1
        totals[st] += rec.business_elapsed
        for key, secs in clock_parts(pieces, dims).items():
            seconds[st][key] += secs
            clocks[st][key] += 1
            calendars[key].add(rec.calendar)
    keys = set(seconds[State.BREACHED]) | set(seconds[State.MET])
    rows: list[DriverRow] = []
    for key in keys:
        b, m = seconds[State.BREACHED].get(key, 0), seconds[State.MET].get(key, 0)
        contribution = _pct(b, totals[State.BREACHED])
        met_share = _pct(m, totals[State.MET])
        excess = (
            round((contribution or 0.0) - (met_share or 0.0), 2)
            if contribution is not None or met_share is not None
            else None
        )
        rows.append(
            DriverRow(
                key[0],
                key[1],
                b,
                contribution,
                clocks[State.BREACHED].get(key, 0),
                m,
                met_share,
                clocks[State.MET].get(key, 0),
                excess,
            )
        )
    order = {d: i for i, d in enumerate(dims)}
    rows.sort(
        key=lambda r: (
            order[r.dimension],
            -r.breached_seconds,
            -(r.excess if r.excess is not None else 0.0),
            r.value is None,
            r.value or "",
        )
    )
    return Drivers(
        dims,
        counts[State.BREACHED],
        counts[State.MET],
        totals[State.BREACHED],
        totals[State.MET],
        rows,
        {k: frozenset(v) for k, v in calendars.items()},
        frozenset(rec.calendar for rec, _ in selected),
    )


@dataclass(frozen=True, slots=True)
class BehindRow:
    """One clock behind a driver row, and the business time the holder counted in it."""

    record: MetricRecord
    seconds: int

    def to_json(self) -> dict[str, Any]:
        r = self.record
        return {
            "ticket_id": r.ticket_id,
            "metric": r.metric,
            "cycle": r.cycle,
            "state": r.state.value,
            "customer": r.customer,
            "priority": r.priority,
            "policy": r.policy,
            "start": iso(r.start),
            "target": r.target,
            "business_elapsed": r.business_elapsed,
            "seconds": self.seconds,
        }


def clocks_behind(
    selected: Sequence[Counted],
    dimension: str,
    value: str | None,
    *,
    state: State | None = None,
) -> list[BehindRow]:
    """The clocks in which ``dimension`` = ``value`` counted business time (of ``state``
    only, if given: met or breached), breached first, then by ticket, metric and cycle;
    their number is the row's ``breached_clocks`` + ``met_clocks``."""
    out: list[BehindRow] = []
    for rec, pieces in selected:
        if state is not None and rec.state is not state:
            continue
        secs = clock_parts(pieces, (dimension,)).get((dimension, value), 0)
        if secs > 0:
            out.append(BehindRow(rec, secs))
    out.sort(key=lambda x: (x.record.state is not State.BREACHED, x.record.ticket_id,
                            x.record.metric, x.record.cycle))  # fmt: skip
    return out


def parts_by_dimension(parts: Mapping[Key, int], dimension: str) -> dict[str | None, int]:
    """One dimension's parts of :func:`clock_parts` (for checks that they sum up)."""
    return {v: s for (d, v), s in parts.items() if d == dimension}
