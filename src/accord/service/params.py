"""Instants and periods the API reads from its callers, each bounded, with its schema.

An *instant parameter* (``as_of``, ``due_before``, a snooze's ``until``) is an RFC 3339
date-time with an offset, ``2026-03-02T09:15:00Z`` or ``2026-03-02T10:15:00.250+01:00`` (a
fraction of a second is dropped: clocks count whole seconds), written in the years
:data:`FIRST_YEAR` to :data:`LAST_YEAR`. Whatever its offset, such an instant lies inside the
span of event instants (1900 to 9000, :data:`~accord.core.timeutil.MIN_EVENT_INSTANT`), where
every calendar is defined; the upper bound is much nearer than the calendars' end because
judging a clock at an instant walks its calendar up to that instant, so an instant millennia
ahead would cost a read seconds of work for nothing. The OpenAPI schema says exactly this
(``format: date-time`` and :data:`INSTANT_PATTERN`), so what the schema admits is what the
server reads; anything else answers 400 ``input_invalid`` naming the parameter.

A configuration's ``effective_from`` may also be a date (``2026-06-01``: 00:00 UTC), and a
statement's ``period`` is a month or quarter, in the same years.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import Query

from accord.core.timeutil import Instant, to_instant
from accord.errors import InputError

FIRST_YEAR = 1901
LAST_YEAR = 2199

# [0-9], not \d: JSON Schema patterns are ECMA-262, where \d is ASCII only
YEAR_PATTERN = "(?:190[1-9]|19[1-9][0-9]|20[0-9]{2}|21[0-9]{2})"  # FIRST_YEAR to LAST_YEAR
_DATE = YEAR_PATTERN + "-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?"
_OFFSET = "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
INSTANT_PATTERN = f"^{_DATE}[Tt]{_TIME}{_OFFSET}$"
DATE_PATTERN = f"^{_DATE}$"

_INSTANT_RE = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$"
)
_CHECK_INSTANT = re.compile(INSTANT_PATTERN)
_CHECK_DATE = re.compile(DATE_PATTERN)

_WHAT = (
    f"an RFC 3339 instant with an offset, such as 2026-03-02T09:15:00Z, in the years "
    f"{FIRST_YEAR} to {LAST_YEAR}"
)

INSTANT_SCHEMA: dict[str, Any] = {
    "format": "date-time",
    "pattern": INSTANT_PATTERN,
}
"""The schema of an instant parameter, added to the parameter's ``str`` schema."""

INSTANT_OR_DATE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN},
        {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    ]
}


def _invalid(name: str, value: str, what: str) -> InputError:
    shown = value if len(value) <= 64 else value[:64] + "..."
    return InputError(f"{name}: {shown!r} is not {what}", details=[{"parameter": name}])


def instant(value: str | None, name: str) -> Instant | None:
    """An instant parameter (module doc) in whole seconds; ``None`` stays ``None``."""
    if value is None:
        return None
    m = _INSTANT_RE.fullmatch(value) if _CHECK_INSTANT.fullmatch(value) else None
    if m is None:
        raise _invalid(name, value, _WHAT)
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    offset = UTC
    if m.group(8):
        minutes = int(m.group(9)) * 60 + int(m.group(10))
        offset = timezone(timedelta(minutes=minutes if m.group(8) == "+" else -minutes))
    try:
        when = datetime(year, month, day, hour, minute, second, tzinfo=offset)
    except ValueError as e:  # a day the month does not have
        raise _invalid(name, value, f"{_WHAT} ({e})") from None
    return to_instant(when)


def instant_or_date(value: str, name: str) -> Instant:
    """An instant parameter, or a date meaning 00:00 UTC of that day, in the same years."""
    if _CHECK_DATE.fullmatch(value):
        try:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError as e:
            raise _invalid(name, value, f"a date such as 2026-06-01 ({e})") from None
        return to_instant(day)
    if not _CHECK_INSTANT.fullmatch(value):
        raise _invalid(name, value, f"a date such as 2026-06-01 or {_WHAT}")
    got = instant(value, name)
    assert got is not None
    return got


# parse_duration's grammar (days, hours, minutes, seconds in that order, at least one; or
# bare seconds), in ASCII: JSON Schema patterns are ECMA-262
_S = "[0-9]+ *[sS]"
_M = f"[0-9]+ *[mM](?: *{_S})?"
_H = f"[0-9]+ *[hH](?: *{_M}| *{_S})?"
_D = f"[0-9]+ *[dD](?: *{_H}| *{_M}| *{_S})?"
DURATION_PATTERN = f"^ *(?:[0-9]+|{_D}|{_H}|{_M}|{_S}) *$"
"""A duration parameter: ``90m``, ``8h``, ``1h30m``, ``2d 4h``, ``45s`` or bare seconds."""

PERIOD_PATTERN = f"^(?:current|previous|{YEAR_PATTERN}-(?:0[1-9]|1[0-2])|{YEAR_PATTERN}-Q[1-4])$"
_CHECK_PERIOD = re.compile(PERIOD_PATTERN)
PERIOD_SCHEMA: dict[str, Any] = {"pattern": PERIOD_PATTERN}
"""A statement's period: a month (``2026-10``), a quarter (``2026-Q4``), ``current`` or
``previous``, in the years of instants."""


def period(value: str | None, name: str = "period") -> str | None:
    """A statement's period parameter (``name``), checked; ``None`` stays ``None``
    (``current``)."""
    if value is not None and not _CHECK_PERIOD.fullmatch(value):
        raise _invalid(
            name,
            value,
            f"a period such as 2026-10, 2026-Q4, current or previous (years {FIRST_YEAR} to "
            f"{LAST_YEAR})",
        )
    return value


# the query parameters several routes share, declared once (schema and description)
ContractPeriod = Annotated[
    str | None,
    Query(
        description="2026-10, 2026-Q4, current or previous (default: current)",
        json_schema_extra=PERIOD_SCHEMA,
    ),
]
AsOf = Annotated[
    str | None,
    Query(description="Judge the clocks at this instant", json_schema_extra=INSTANT_SCHEMA),
]
