"""The parameters the two working lists share (``GET /api/v1/tickets`` and
``GET /api/v1/at-risk``): the sort order, the page's offset and the search by ticket id; and
what their answers share: the count of the filtered list, capped at :data:`COUNT_CAP`.

``sort`` is a column name, ascending, or the name after ``-``, descending (``-updated``); its
OpenAPI ``pattern`` lists exactly the names each list knows, so what the schema admits is what
is read. Empty values sort last either way; ties keep the list's own order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from accord.errors import InputError
from accord.io.store.base import SortKey

MAX_OFFSET = 10**9
MAX_SEARCH = 200  # characters of a ticket id part: longer ids are rare, and LIKE scans them
# Counting stops past this many rows: an exact count of a broad filter reads every matching
# row (hundreds of thousands with a million tickets), and "more than 10,000" is what a person
# reads anyway. Read at each request (tests lower it).
COUNT_CAP = 10_000


class Total(NamedTuple):
    """``total`` and ``total_capped`` of a list's answer."""

    value: int  # the filtered list's length, or COUNT_CAP when capped
    capped: bool  # more than COUNT_CAP rows match


def count_at_most() -> int:
    """What the store is asked to count up to: one past the cap tells "more" from "exactly"."""
    return COUNT_CAP + 1


def total_of(counted: int) -> Total:
    """The answer's total from the store's count up to :func:`count_at_most`."""
    return Total(min(counted, COUNT_CAP), counted > COUNT_CAP)


def page_total(
    found: int, limit: int, offset: int, after: object, count: Callable[[], int]
) -> Total:
    """The total of a list whose page query found ``found`` rows (it asks for ``limit`` + 1):
    a first page (no offset, no cursor) with room to spare holds the whole filtered list, so
    it counts itself; otherwise the store counts (``count``). The store's count of the same
    filter would read the same rows again: on a polled list with few matches (an agent's own
    queue, a new ticket waited for), about a fifth of the read's CPU."""
    if offset == 0 and after is None and found <= limit:
        return total_of(found)
    return total_of(count())


NO_ROWS = Total(0, False)


def list_responses(item: str) -> dict[str, Any]:
    """The 200 answer of a working list: JSON (the page, ``total`` and whether it is capped)
    or CSV (``X-Total-Count``, ``X-Total-Capped``)."""
    page = {
        "type": "object",
        "required": ["items", "next_cursor", "total", "total_capped", "offset", "as_of"],
        "properties": {
            "items": {"type": "array", "items": {"type": "object"}, "description": item},
            "next_cursor": {"type": ["string", "null"]},
            "total": {
                "type": "integer",
                "minimum": 0,
                "maximum": COUNT_CAP,
                "description": (
                    f"Rows the filters select, counted up to {COUNT_CAP:,}: with "
                    f"total_capped, more than {COUNT_CAP:,} match"
                ),
            },
            "total_capped": {
                "type": "boolean",
                "description": f"More than {COUNT_CAP:,} rows match (total is then {COUNT_CAP})",
            },
            "offset": {"type": "integer", "minimum": 0},
            "as_of": {"type": "string", "format": "date-time"},
        },
    }
    count = "total as in the JSON answer"
    return {
        "content": {
            "application/json": {"schema": page},
            "text/csv": {"schema": {"type": "string"}},
        },
        "headers": {
            "X-Total-Count": {"schema": {"type": "integer"}, "description": count},
            "X-Total-Capped": {
                "schema": {"type": "string", "enum": ["true", "false"]},
                "description": "total_capped as in the JSON answer",
            },
        },
    }


def sort_schema(keys: tuple[str, ...]) -> dict[str, Any]:
    return {"pattern": f"^-?(?:{'|'.join(keys)})$", "examples": [keys[0], f"-{keys[-1]}"]}


def sort_key(value: str | None, keys: tuple[str, ...]) -> SortKey | None:
    """``sort`` read against ``keys`` (checked here as well as by the schema: a request that
    bypasses validation is still refused with the parameter named)."""
    if value is None:
        return None
    name = value[1:] if value.startswith("-") else value
    if name not in keys or not re.fullmatch("[a-z]+", name):
        raise InputError(
            f"sort: {value[:64]!r} is not one of {', '.join(keys)} (with '-' before it for "
            "the descending order)",
            details=[{"parameter": "sort"}],
        )
    return SortKey(name, descending=value.startswith("-"))
