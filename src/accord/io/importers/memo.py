"""Per distinct source value, what a conversion that depends on that value only gives: the
JSON importers read the same status names, codes, user ids and instants on thousands of
records, and convert each distinct one once an import.

A memo keeps successes only: a value that fails is converted (and fails) again each time,
so its error is raised exactly where and as the row importer raises it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from accord.io.importers.base import RowError
from accord.io.importers.mapping import ImportMapping

MEMO = 1 << 16  # distinct values remembered at most (then forgotten and counted afresh)
T = TypeVar("T")
_LIST = object()  # marks a list in a key (a list of one text is not that text)


def exact_key(value: Any) -> Hashable | None:
    """A key equal for two source values only when every conversion reads them alike:
    ``None``, texts, integers and booleans (with their class: ``1 == True``), lists of texts.
    Others have none (``-0.0 == 0.0`` print differently, NaN is unequal to itself)."""
    cls = value.__class__
    if value is None or cls is str or cls is int or cls is bool:
        return (cls, value)
    if cls is list and all(x.__class__ is str for x in value):
        return (_LIST, *value)
    return None


def remembered(memo: dict[Any, T], key: Hashable | None, make: Callable[[], T]) -> T:
    """``memo[key]``, made by ``make()`` and kept when it succeeds (``key`` None: made)."""
    if key is None:
        return make()
    got = memo.get(key)
    if got is None:
        got = make()
        if len(memo) >= MEMO:
            memo.clear()
        memo[key] = got
    return got


class InstantTexts:
    """The mapping's reading of each distinct instant text (``parse_ts``), as a ``RowError``
    naming ``where`` when it does not read."""

    def __init__(self, mapping: ImportMapping) -> None:
        self.mapping = mapping
        self._memo: dict[str, datetime] = {}

    def parse(self, value: Any, where: str) -> datetime:
        if value.__class__ is str:
            got = self._memo.get(value)
            if got is not None:
                return got
        try:
            got = self.mapping.parse_ts(value)
        except ValueError as e:
            raise RowError(where, str(e)) from None
        if value.__class__ is str:
            if len(self._memo) >= MEMO:
                self._memo.clear()
            self._memo[value] = got
        return got
