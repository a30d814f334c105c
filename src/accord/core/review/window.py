"""The span of clocks a review looks at.

A review judges the clocks that **started** in its window, as the compliance explorer places a
clock in the period it started in; a clock is judged at as-of wherever it ends. The window is
a named period in a time zone (UTC unless given), local midnight to local midnight as the
contract and KPI periods are:

- ``2026-11`` a month, ``2026-Q3`` a quarter (January, April, July, October), ``2026`` a year;
- or ``--from`` / ``--to``: a date means that whole local day (``--to 2026-09-30`` includes the
  30th), an instant with an offset is exact (``--to`` is exclusive then).

No window: every clock, whenever it started.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from accord.core.timeutil import Instant, iso, parse_instant, to_instant, zone
from accord.errors import InputError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
PERIOD_HINT = "write a month such as 2026-11, a quarter such as 2026-Q3, or a year such as 2026"


@dataclass(frozen=True)
class Window:
    """Clocks that started in ``[start, end)`` (``None``: unbounded on that side)."""

    start: Instant | None = None
    end: Instant | None = None
    label: str | None = None
    tz: str = "UTC"

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "from": iso(self.start), "to": iso(self.end), "tz": self.tz}

    def describe(self) -> str:
        """Which clocks: ``clocks started in 2026-Q3``."""
        if self.label is not None:
            return f"clocks started in {self.label}"
        if not self.bounded:
            return "every clock"
        return f"clocks started from {iso(self.start) or 'the first'} to {iso(self.end) or 'as-of'}"


def _midnight(d: date, tz: str) -> Instant:
    return to_instant(datetime(d.year, d.month, d.day, tzinfo=zone(tz)))


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_window(label: str, tz: str = "UTC") -> Window:
    """The window of a period label; :class:`InputError` for anything else."""
    text = label.strip()
    try:
        if m := _MONTH.match(text):
            y, mo = int(m.group(1)), int(m.group(2))
            if not 1 <= mo <= 12:
                raise ValueError
            first, nxt = date(y, mo, 1), _month_start(y, mo + 1)
        elif m := _QUARTER.match(text):
            y, q = int(m.group(1)), int(m.group(2))
            first, nxt = date(y, 3 * q - 2, 1), _month_start(y, 3 * q + 1)
            text = f"{y}-Q{q}"
        elif m := _YEAR.match(text):
            y = int(m.group(1))
            first, nxt = date(y, 1, 1), date(y + 1, 1, 1)
        else:
            raise ValueError
        if first.year < 1970:
            raise ValueError
    except ValueError:
        raise InputError(f"'{label}' is not a period; {PERIOD_HINT}") from None
    return Window(_midnight(first, tz), _midnight(nxt, tz), text, tz)


def _bound(value: str, tz: str, name: str, *, end: bool) -> Instant:
    text = value.strip()
    try:
        d = date.fromisoformat(text)
    except ValueError:
        d = None
    if d is not None:
        return _midnight(d + timedelta(days=1) if end else d, tz)
    try:
        return to_instant(parse_instant(text))
    except (ValueError, OverflowError) as exc:
        raise InputError(
            f"{name}: '{value}' is neither a date (2026-07-01) nor an instant with an offset "
            f"(2026-07-01T00:00:00Z): {exc}"
        ) from None


def parse_window(
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    tz: str = "UTC",
) -> Window:
    """The window of ``--period`` or of ``--from`` / ``--to`` (not both kinds)."""
    try:
        zone(tz)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if period is not None and (start is not None or end is not None):
        raise InputError("give either a period or --from/--to, not both")
    if period is not None:
        return period_window(period, tz)
    lo = _bound(start, tz, "--from", end=False) if start is not None else None
    hi = _bound(end, tz, "--to", end=True) if end is not None else None
    if lo is not None and hi is not None and hi <= lo:
        raise InputError(f"the window is empty: --to ({end}) is not after --from ({start})")
    return Window(lo, hi, None, tz)
