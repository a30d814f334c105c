"""Durations and instants.

Inside the core an *instant* is an ``int``: whole seconds since the Unix epoch, UTC. Clocks are
judged in whole seconds (DESIGN §3), so every figure the engine produces is an ``int``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Instant = int  # seconds since 1970-01-01T00:00:00Z

_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION_RE = re.compile(
    r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$"
)


def parse_duration(value: object) -> int:
    """Parse a duration into whole seconds.

    Accepts an ``int`` (seconds), or text made of day / hour / minute / second parts in that
    order: ``"90m"``, ``"8h"``, ``"1h30m"``, ``"3630s"``, ``"2d 4h"``. A bare number in text is
    seconds. Raises ``ValueError`` with a readable reason otherwise.
    """
    if isinstance(value, bool):
        raise ValueError("a duration cannot be true/false")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return value
    if isinstance(value, float):
        if value < 0 or not value.is_integer():
            raise ValueError("a duration in seconds must be a whole, non-negative number")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as '90m' or '8h', got {type(value).__name__}")
    text = value.strip().lower()
    if text.isdigit():
        return int(text)
    m = _DURATION_RE.match(text)
    if not text or not m or not any(m.groups()):
        raise ValueError(
            f"'{value}' is not a duration; write it like '90m', '8h', '1h30m' or '45s'"
        )
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


# alert rounds render the same few targets and thresholds for every clock
@lru_cache(maxsize=4096)
def format_duration(seconds: int | None) -> str:
    """Render seconds for people: ``5400 -> '1h30m'``, ``3630 -> '1h0m30s'``, ``0 -> '0s'``."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    s = abs(int(seconds))
    if s == 0:
        return "0s"
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    parts = []
    if d:
        parts.append(f"{d}d")
    if h or (d and (m or sec)):
        parts.append(f"{h}h")
    if m or ((d or h) and sec):
        parts.append(f"{m}m")
    if sec:
        parts.append(f"{sec}s")
    return sign + "".join(parts)


def parse_instant(value: object, default_tz: tzinfo | None = None) -> datetime:
    """Parse an ISO 8601 instant into an aware UTC ``datetime``.

    A value without an offset is rejected unless ``default_tz`` (the source's zone) is given.
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("the timestamp is empty")
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"'{value}' is not an ISO 8601 instant such as 2026-03-02T09:15:00Z"
            ) from None
    else:
        raise ValueError(f"expected an ISO 8601 instant, got {type(value).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        if default_tz is None:
            raise ValueError(
                f"'{value}' has no UTC offset; add one (e.g. 'Z' or '+01:00') "
                "or name the source's time zone in the import"
            )
        dt = dt.replace(tzinfo=default_tz)
    return dt.astimezone(UTC)


def to_instant(dt: datetime) -> Instant:
    """Whole seconds since the epoch (floored: clocks are judged in whole seconds)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    return int(dt.timestamp() // 1)


def from_instant(t: Instant) -> datetime:
    return datetime.fromtimestamp(t, UTC)


# the date part of each day already written by iso(), by day number since the epoch:
# formatting the date costs five times the time of day, and instants crowd into few days
_ISO_DAYS: dict[int, str] = {}


def iso(t: Instant | None) -> str | None:
    """``1709546400 -> '2024-03-04T10:00:00Z'``; ``None`` stays ``None``."""
    if t is None:
        return None
    if not isinstance(t, int):  # a float or numpy number: rounded as datetime rounds it
        return from_instant(t).strftime("%Y-%m-%dT%H:%M:%SZ")
    day, second = divmod(t, 86400)
    date = _ISO_DAYS.get(day)
    if date is None:
        if len(_ISO_DAYS) >= 8192:
            _ISO_DAYS.clear()
        date = _ISO_DAYS[day] = from_instant(day * 86400).strftime("%Y-%m-%dT")
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return f"{date}{hour:02d}:{minute:02d}:{second:02d}Z"


def parse_as_of(value: str) -> Instant:
    return to_instant(parse_instant(value))


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ``ValueError`` naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not an IANA time zone (e.g. 'Europe/Berlin')") from None


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a date such as 2026-12-24") from None
    raise ValueError(f"expected a date such as 2026-12-24, got {type(value).__name__}")


ONE_DAY = timedelta(days=1)

# The span of instants an event may carry: wide enough for any helpdesk's history, and well
# inside the years calendars can compile (2 to 9998), so a clock never runs off their edge.
MIN_EVENT_INSTANT: Instant = -2208988800  # 1900-01-01T00:00:00Z
MAX_EVENT_INSTANT: Instant = 221845392000  # 9000-01-01T00:00:00Z (exclusive)
