"""The parameters the two working lists share (``GET /api/v1/tickets`` and
``GET /api/v1/at-risk``): the sort order, the page's offset and the search by ticket id.

``sort`` is a column name, ascending, or the name after ``-``, descending (``-updated``); its
OpenAPI ``pattern`` lists exactly the names each list knows, so what the schema admits is what
is read. Empty values sort last either way; ties keep the list's own order.
"""

from __future__ import annotations

import re
from typing import Any

from accord.errors import InputError
from accord.io.store.base import SortKey

MAX_OFFSET = 10**9
MAX_SEARCH = 200  # characters of a ticket id part: longer ids are rare, and LIKE scans them


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
