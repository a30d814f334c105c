"""The parameters of the review routes (what-if, targets, capacity), read exactly as their
schemas say.

Each value is matched against the pattern its OpenAPI schema publishes before it is parsed,
so that what the schema admits is what the route reads, and anything else answers 400
``input_invalid`` naming the parameter (422 for ``tz``, like the KPI routes):

- ``as_of``: an instant parameter (:mod:`accord.service.params`);
- ``period``: a year (``2026``), a quarter (``2026-Q3``) or a month (``2026-09``); capacity also
  reads an ISO week (``2026-W05``; week 53 only in the years that have one);
- ``from`` / ``to``: a date (a whole local day) or an instant with an offset;
- ``by``: names of the dimensions the route groups by, comma-separated or repeated;
- durations: ``90m``, ``8h``, ``1h30m``, ``2d 4h``, ``45s`` or bare seconds; a grid of targets
  is such durations, comma-separated, each longer than zero.

What no pattern can say is checked after: a window's ``to`` after its ``from``, a period not
given with ``from``/``to``, a handle time the history does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from accord.core.review.window import Window, parse_window
from accord.core.timeutil import Instant, parse_duration
from accord.errors import InputError
from accord.service.kpi_params import TZ_SCHEMA, check_zone
from accord.service.params import (
    DURATION_PATTERN,
    INSTANT_OR_DATE_SCHEMA,
    INSTANT_SCHEMA,
    YEAR_PATTERN,
    instant,
)

_MONTH_OR_QUARTER = "(?:0[1-9]|1[0-2]|[Qq][1-4])"
WINDOW_PERIOD_PATTERN = f"^{YEAR_PATTERN}(?:-{_MONTH_OR_QUARTER})?$"
STAFFING_PERIOD_PATTERN = (
    f"^{YEAR_PATTERN}(?:-(?:{_MONTH_OR_QUARTER}|[Ww](?:0[1-9]|[1-4][0-9]|5[0-3])))?$"
)
# a duration whose parts are not all zero: the first non-zero part decides the alternative
_N, _NZ = "[0-9]+", "0*[1-9][0-9]*"
_POSITIVE_PARTS = (
    f"{_NZ} *[dD](?: *{_N} *[hH])?(?: *{_N} *[mM])?(?: *{_N} *[sS])?",
    f"(?:{_N} *[dD] *)?{_NZ} *[hH](?: *{_N} *[mM])?(?: *{_N} *[sS])?",
    f"(?:{_N} *[dD] *)?(?:{_N} *[hH] *)?{_NZ} *[mM](?: *{_N} *[sS])?",
    f"(?:{_N} *[dD] *)?(?:{_N} *[hH] *)?(?:{_N} *[mM] *)?{_NZ} *[sS]",
)
_POSITIVE = f"(?:{_NZ}|{'|'.join(_POSITIVE_PARTS)})"
POSITIVE_DURATION_PATTERN = f"^ *{_POSITIVE} *$"
GRID_PATTERN = f"^ *{_POSITIVE} *(?:, *{_POSITIVE} *)*$"

_CHECK_WINDOW_PERIOD = re.compile(WINDOW_PERIOD_PATTERN)
_CHECK_STAFFING_PERIOD = re.compile(STAFFING_PERIOD_PATTERN)
_CHECK_DURATION = re.compile(DURATION_PATTERN)
_CHECK_POSITIVE = re.compile(POSITIVE_DURATION_PATTERN)
_CHECK_GRID = re.compile(GRID_PATTERN)
_CHECK_BOUND = [re.compile(s["pattern"]) for s in INSTANT_OR_DATE_SCHEMA["anyOf"]]


def by_pattern(names: Sequence[str]) -> str:
    """Dimension names, comma-separated (``metric,priority``)."""
    one = "(?:" + "|".join(names) + ")"
    return f"^{one}(?:,{one})*$"


def _bad(name: str, value: str, what: str) -> InputError:
    shown = value if len(value) <= 64 else value[:64] + "..."
    return InputError(f"{name}: {shown!r} is not {what}", details=[{"parameter": name}])


def as_of(value: str | None, now: Instant) -> Instant:
    """The instant to judge the clocks at: ``now`` unless given."""
    got = instant(value, "as_of")
    return now if got is None else got


def window(period: str | None, start: str | None, end: str | None, tz: str) -> Window:
    """A what-if's window: clocks started in ``period`` or from ``start`` to ``end``."""
    check_zone(tz)
    if period is not None and not _CHECK_WINDOW_PERIOD.fullmatch(period):
        raise _bad("period", period, "a year (2026), a quarter (2026-Q3) or a month (2026-09)")
    for name, value in (("from", start), ("to", end)):
        bound(value, name)
    return parse_window(period, start, end, tz)


def bound(value: str | None, name: str) -> None:
    """A range bound as its schema admits it: a date or an instant with an offset."""
    if value is not None and not any(c.fullmatch(value) for c in _CHECK_BOUND):
        raise _bad(
            name, value, "a date such as 2026-07-01 or an instant such as 2026-07-01T00:00:00Z"
        )


def staffing_period(value: str | None) -> None:
    if value is not None and not _CHECK_STAFFING_PERIOD.fullmatch(value):
        raise _bad(
            "period",
            value,
            "a year, quarter (2026-Q3), month (2026-09) or ISO week (2026-W05)",
        )


def dimensions(values: Sequence[str] | str | None, names: Sequence[str]) -> list[str]:
    """``by`` as given (a list, or one comma-separated text), each item checked whole."""
    items = [values] if isinstance(values, str) else list(values or ())
    check = re.compile(by_pattern(names))
    for item in items:
        if not check.fullmatch(item):
            raise _bad("by", item, f"dimensions among {', '.join(names)}, comma-separated")
    return items


def duration(value: str | int | None, name: str, *, positive: bool = False) -> int | None:
    """A duration parameter in seconds; ``positive``: longer than zero."""
    if value is None:
        return None
    if isinstance(value, int):
        if value < (1 if positive else 0):
            raise InputError(
                f"{name}: {value} is not a number of seconds {'above' if positive else 'from'} 0",
                details=[{"parameter": name}],
            )
        return value
    check = _CHECK_POSITIVE if positive else _CHECK_DURATION
    if not check.fullmatch(value):
        what = "a duration longer than zero" if positive else "a duration"
        raise _bad(name, value, f"{what} such as '90m', '8h', '1h30m' or '45s'")
    return parse_duration(value)


def grid(value: str | None) -> list[str] | None:
    """Targets to choose from: ``15m,30m,1h``."""
    if value is None:
        return None
    if not _CHECK_GRID.fullmatch(value):
        raise _bad("grid", value, "durations longer than zero, comma-separated, such as 15m,1h,8h")
    return [g for g in value.split(",") if g.strip()]


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """A body field's schema that also admits ``null`` (absent)."""
    branches = schema.get("anyOf", [{"type": "string", **schema}])
    return {"anyOf": [*branches, {"type": "null"}]}


INSTANT = INSTANT_SCHEMA
TZ = TZ_SCHEMA
WINDOW_PERIOD: dict[str, Any] = {"pattern": WINDOW_PERIOD_PATTERN}
STAFFING_PERIOD: dict[str, Any] = {"pattern": STAFFING_PERIOD_PATTERN}
BOUND = INSTANT_OR_DATE_SCHEMA
DURATION: dict[str, Any] = {"pattern": DURATION_PATTERN}
POSITIVE_DURATION: dict[str, Any] = {"pattern": POSITIVE_DURATION_PATTERN}
GRID: dict[str, Any] = {"pattern": GRID_PATTERN}
