"""The columnar importer's cleaning of cells: the row importer's per-value functions applied
to each column's *distinct* values, the results taken back to the rows by code.

A field's clean values get codes that hold for the whole import (:class:`Values`), so that
"did this field change since the ticket's last row" is a comparison of integers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.engine.batch.columns import dictionary_codes
from accord.core.events import FieldValue

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
T = TypeVar("T")

NONE = -1  # the code of "no value"
NAN = -2  # a float NaN: unequal to everything, itself included (as Python compares it)


class Values:
    """One field's distinct clean values, each with a code; equal values share it."""

    def __init__(self) -> None:
        self._codes: dict[tuple[type, Any], int] = {}
        self.values: list[FieldValue] = []
        self._per_code: dict[str, NDArray[Any]] = {}

    def code(self, v: FieldValue) -> int:
        if v is None:
            return NONE
        if isinstance(v, float) and math.isnan(v):
            return NAN
        key = (v.__class__, v)
        c = self._codes.get(key)
        if c is None:
            c = self._codes[key] = len(self.values)
            self.values.append(v)
        return c

    def per_code(self, key: str, fn: Callable[[FieldValue], Any], dtype: Any) -> NDArray[Any]:
        """``fn`` of each value, indexed by code: computed once a value for the whole import
        (``key`` names ``fn``; it must depend on the value only)."""
        have = self._per_code.get(key)
        start = 0 if have is None else have.size
        if have is None or start < len(self.values):
            more = np.array([fn(v) for v in self.values[start:]], dtype=dtype)
            have = more if have is None else np.concatenate([have, more])
            self._per_code[key] = have
        return have

    def value(self, c: int) -> FieldValue:
        if c == NONE:
            return None
        return math.nan if c == NAN else self.values[c]


def small_unique(small: NDArray[Any]) -> tuple[I64, I64]:
    """``np.unique(small, return_inverse=True)`` for non-negative integers below a few
    million (value codes, ticket numbers): marked in a table of that size instead of
    sorted, which cost about half a second a 2M-row import in field and ticket columns."""
    if not small.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    seen = np.zeros(int(small.max()) + 1, dtype=bool)
    seen[small] = True
    uniq = np.flatnonzero(seen)
    at = np.zeros(seen.size, dtype=np.int64)
    at[uniq] = np.arange(uniq.size, dtype=np.int64)
    return uniq.astype(np.int64, copy=False), at[small]


def per_distinct(col: pa.Array | None, n: int, fn: Callable[[Any], T]) -> tuple[I32, list[T]]:
    """``fn`` of each distinct cell of ``col`` (an absent column: every cell ``None``) and
    each row's index into those results."""
    if col is None:
        return np.zeros(n, dtype=np.int32), [fn(None)]
    codes, values = dictionary_codes(col)
    out = [fn(v) for v in values]
    if (codes < 0).any():  # a null cell (none in CSV): as an absent one
        codes = np.where(codes < 0, np.int32(len(out)), codes).astype(np.int32)
        out.append(fn(None))
    return codes, out


def cells(
    col: pa.Array | None, n: int, missing: frozenset[str], *, text: bool = False
) -> tuple[I32, list[Any]]:
    """Each distinct cell as ``pick`` gives it (``None`` for a missing value, else the cell
    as it is) — with ``text``, as ``text_of(pick(cell))`` gives it — and each row's index.
    The cells with no space around them are judged in columns, the others (and the missing
    ones) by the row importer's own rules."""
    if col is None:
        return np.zeros(n, dtype=np.int32), [None]
    codes, dictionary, odd = cells_arrow(col, missing, text=text)
    values: list[Any] = dictionary.to_pylist()
    for i, v in odd.items():
        values[i] = v
    if (codes >= len(dictionary)).any():  # a null cell
        values.append(None)
    return codes, values


def cells_arrow(
    col: pa.Array, missing: frozenset[str], *, text: bool = False, distinct: bool = False
) -> tuple[I32, pa.Array, dict[int, Any]]:
    """:func:`cells` with the distinct cells left in Arrow: ``(codes, dictionary, odd)``,
    where ``odd`` holds the cells :func:`cells` gives otherwise than as they are (missing
    ones, or with spaces around them); a null cell's code is ``len(dictionary)``.

    With ``distinct`` (a column whose cells nearly all differ: event ids, instants), a
    column of texts without nulls is its own "dictionary", code ``i`` for row ``i``: the
    values repeat in it, which every caller allows, and no hash table is built (about a
    tenth of a second a million cells)."""
    from accord.core.engine.batch.columns import dictionary_array
    from accord.io.columnar_cells import _PADDED

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if distinct and pa.types.is_string(col.type) and not col.null_count:
        codes, dictionary = np.arange(len(col), dtype=np.int32), col
    else:
        codes, dictionary = dictionary_array(col)
    odd: dict[int, Any] = {}
    if len(dictionary):
        strs = dictionary if pa.types.is_string(dictionary.type) else dictionary.cast(pa.string())
        flags = pc.or_(
            pc.match_substring_regex(strs, _PADDED),
            pc.is_in(strs, value_set=pa.array(sorted(missing), pa.string())),
        )
        at = np.flatnonzero(np.asarray(flags.fill_null(True).to_numpy(zero_copy_only=False)))
        for i, v in zip(at.tolist(), dictionary.take(at).to_pylist(), strict=True):
            if v is None or v in missing or v.strip() in missing:
                odd[i] = None
            elif text:
                odd[i] = str(v).strip() or None
    if (codes < 0).any():
        codes = np.where(codes < 0, np.int32(len(dictionary)), codes).astype(np.int32)
    return codes, dictionary, odd


class Problems:
    """Each row's first problem, as an index into :attr:`reasons` (-1: none yet)."""

    def __init__(self, n: int) -> None:
        self.at: I32 = np.full(n, -1, dtype=np.int32)
        self.reasons: list[tuple[str, str]] = []
        self._index: dict[tuple[str, str], int] = {}

    def index(self, problem: tuple[str, str]) -> int:
        got = self._index.get(problem)
        if got is None:
            got = self._index[problem] = len(self.reasons)
            self.reasons.append(problem)
        return got

    def add(self, codes: I32, per_code: list[tuple[str, str] | None]) -> None:
        """Rows whose distinct result has a problem get it, unless they have one already."""
        if per_code.count(None) == len(per_code):  # the common case, without a Python loop
            return
        table = np.array([-1 if p is None else self.index(p) for p in per_code], dtype=np.int32)
        if not (table >= 0).any():
            return
        got = table[codes]
        free = self.at < 0
        self.at[free] = got[free]

    def set(self, mask: BoolArray, problem: tuple[str, str]) -> None:
        where = mask & (self.at < 0)
        if where.any():
            self.at[where] = self.index(problem)


def first_in_group(groups: I64) -> BoolArray:
    """For rows sorted by group: whether each row starts its group."""
    out = np.ones(groups.size, dtype=bool)
    if groups.size > 1:
        out[1:] = groups[1:] != groups[:-1]
    return out


def group_starts(starts: BoolArray) -> I64:
    """For rows sorted by group: the position of each row's group start."""
    pos = np.where(starts, np.arange(starts.size, dtype=np.int64), 0)
    return np.maximum.accumulate(pos) if pos.size else pos


def exclusive_count(flags: BoolArray, starts: BoolArray) -> I64:
    """How many rows before each row, in its group, have ``flags`` set."""
    c = np.cumsum(flags, dtype=np.int64) - flags
    return c - c[group_starts(starts)]


def last_before(flags: BoolArray, starts: BoolArray) -> I64:
    """The position of the last row before each row, in its group, with ``flags`` set (-1)."""
    n = flags.size
    pos = np.where(flags, np.arange(n, dtype=np.int64), -1)
    upto = np.maximum.accumulate(pos) if n else pos
    prev = np.empty(n, dtype=np.int64)
    if n:
        prev[0] = -1
        prev[1:] = upto[:-1]
    return np.where(prev >= group_starts(starts), prev, -1)


def prefix_max_before(values: I64, starts: BoolArray) -> I64:
    """The largest of ``values`` (all >= 0) before each row in its group (0 when none)."""
    n = values.size
    if n == 0:
        return values
    gid = np.cumsum(starts) - 1
    big = int(values.max()) + 1
    keyed = gid * big + values
    upto = np.maximum.accumulate(keyed)
    prev = np.empty(n, dtype=np.int64)
    prev[0] = -1
    prev[1:] = upto[:-1]
    prev = np.where(starts, -1, prev)
    return np.where(prev < 0, 0, prev - gid * big)
