"""The parameters of ``GET /api/v1/kpis/values``, read exactly as their schemas say.

``grain`` is ``day``, ``week``, ``month``, ``quarter`` or rolling days ``1d`` to ``366d``;
``tz`` an IANA zone of this server's time zone database; ``by`` a dimension (or
``field.<name>``); ``periods`` 1 to 366; ``as_of`` an instant parameter
(:mod:`accord.service.params`). Each schema is what the check below it accepts, and a bad value
answers 422 ``request_invalid`` (400 for ``as_of``, like every instant parameter).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast
from zoneinfo import available_timezones

from fastapi.exceptions import RequestValidationError

from accord.core.kpi.columns import (
    CUSTOM_PREFIX,
    GROUPING_KINDS,
    canonical,
    column_kind,
    known_columns,
)
from accord.core.kpi.models import GRAINS, Grain
from accord.core.timeutil import Instant
from accord.service.params import instant as instant_param

GRAIN_HINT = "use day, week, month, quarter, or a rolling window of days such as 28d"
# A year of days, or 366 weeks: enough for any report, and it bounds the work of one request.
MAX_PERIODS = 366
MAX_ROLLING_DAYS = 366
_ROLLING = "(?:[1-9]|[1-9][0-9]|[12][0-9]{2}|3[0-5][0-9]|36[0-6])d"  # 1d to MAX_ROLLING_DAYS
_GRAIN_PATTERN = f"^(?:{'|'.join(GRAINS)}|{_ROLLING})$"
_GRAIN_RE = re.compile(_GRAIN_PATTERN)
GRAIN_SCHEMA: dict[str, Any] = {"pattern": _GRAIN_PATTERN}
_ZONES = frozenset(available_timezones())
# the zones as one alternation rather than an enum: the same set, but tools that try each value
# of an enum (schemathesis' coverage phase) do not send 600 requests ('+' is the only
# character of zone names special in a pattern)
_TZ_PATTERN = "^(?:" + "|".join(z.replace("+", "\\+") for z in sorted(_ZONES)) + ")$"
TZ_SCHEMA: dict[str, Any] = {"pattern": _TZ_PATTERN}
DIMENSION_NAMES = sorted(
    {
        c
        for source in ("records", "tickets")
        for c in known_columns(source)
        if column_kind(c, source) in GROUPING_KINDS
    }
)
BY_SCHEMA: dict[str, Any] = {
    "items": {
        "type": "string",
        "anyOf": [
            {"enum": DIMENSION_NAMES},
            {"pattern": f"^{re.escape(CUSTOM_PREFIX)}[^\\x00]+$"},
        ],
    }
}


def invalid(param: str, message: str) -> RequestValidationError:
    # the shape FastAPI gives its own 422s, so every bad parameter reads the same
    return RequestValidationError(
        [{"loc": ("query", param), "msg": message, "type": "value_error"}]
    )


def read_grain(value: str | None) -> tuple[Grain | None, int | None]:
    if value is None:
        return None, None
    if not _GRAIN_RE.fullmatch(value):
        raise invalid("grain", f"'{value[:64]}' is not a grain; {GRAIN_HINT}")
    if value in GRAINS:
        return cast(Grain, value), None
    return None, int(value[:-1])


def read_as_of(value: str | None, now: Instant) -> Instant:
    when = instant_param(value, "as_of")
    return now if when is None else when


def read_dims(by: Sequence[str] | None) -> list[str] | None:
    if not by:
        return None
    dims: dict[str, str] = {}  # canonical -> as asked: `agent` and `assignee` are one column
    for d in by:
        if not any(column_kind(d, s) in GROUPING_KINDS for s in ("records", "tickets")):
            raise invalid("by", f"'{d}' is not a dimension; see the catalog's 'dimensions'")
        dims.setdefault(canonical(d), d)
    return list(dims.values())


def check_zone(tz: str | None) -> None:
    if tz is not None and tz not in _ZONES:
        raise invalid("tz", f"'{tz[:64]}' is not an IANA time zone (e.g. 'Europe/Berlin')")
