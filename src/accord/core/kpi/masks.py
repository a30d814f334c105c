"""Filter masks of the KPI evaluation: one boolean per row of a source, for one column test.

A measure's filter is the AND of its tests (each test's absent value counting as a miss), so
each test is computed once per evaluation and shared by every measure that names it; the
catalog's measures repeat a few tests (``state in [met, breached]``, ``has_target``) over
many metrics. A test on a categorical column (a Polars ``Enum``) or a flag column is answered
by a lookup table over the column's codes (:func:`mask_of_test`), a single gather; any other
test, by the Polars expression :func:`expr_of_test`, which the lookup equals (property tests in
``tests/core/kpi/test_masks.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from accord.core.kpi.models import ColumnTest

Bool = npt.NDArray[np.bool_]


def mask_of_test(
    column: pl.Series, test: ColumnTest, coded: tuple[npt.NDArray[Any], list[Any]] | None = None
) -> Bool:
    """The rows of ``column`` that pass ``test`` (an absent value passes only a negated
    equality test: ``ne`` / ``not_in``, as :func:`expr_of_test`). ``coded``: the column's
    :func:`coded_column` form, when the caller keeps it for several tests."""
    if coded is None:
        coded = coded_column(column)
    if coded is not None and _lookup_applies(test):
        codes, values = coded
        return lookup_mask(codes, values, column.dtype, test)
    return expr_mask(column, test)


def expr_mask(column: pl.Series, test: ColumnTest) -> Bool:
    """``test`` by its Polars expression (the straightforward computation)."""
    frame = pl.DataFrame([column.alias("c")])
    got = frame.select(expr_of_test(pl.col("c"), column.dtype, test).fill_null(False))
    out = got.to_series().to_numpy()
    if len(out) != len(column):
        # the test folded to a literal (e.g. a value outside an Enum's categories): Polars
        # returns one row, which stands for every row
        out = np.broadcast_to(out, (len(column),))
    return np.ascontiguousarray(out, dtype=np.bool_)


def lookup_mask(codes: npt.NDArray[Any], values: list[Any], dtype: Any, test: ColumnTest) -> Bool:
    """``test`` over a column given as ``codes`` into ``values`` (the code ``len(values)``
    standing for an absent value): the test decided once per distinct value, then gathered."""
    table = np.ones(len(values) + 1, dtype=np.bool_)
    is_flag = dtype == pl.Boolean
    if test.exists is not None:
        present = np.ones(len(values) + 1, dtype=np.bool_)
        present[-1] = False
        table &= present if test.exists else ~present

    def any_of(vs: Sequence[Any]) -> Bool:
        hit = np.zeros(len(values) + 1, dtype=np.bool_)  # an absent value equals nothing
        if is_flag:
            wanted: set[Any] = {flag_of(v) for v in vs} - {None}
        else:
            wanted = {str(v) for v in vs}
        for i, v in enumerate(values):
            hit[i] = v in wanted
        return hit

    if test.eq is not None:
        table &= any_of([test.eq])
    if test.ne is not None:
        table &= ~any_of([test.ne])
    if test.in_ is not None:
        table &= any_of(test.in_)
    if test.not_in is not None:
        table &= ~any_of(test.not_in)
    out: Bool = table[codes]
    return out


def _lookup_applies(test: ColumnTest) -> bool:
    # the bounds compare numbers: only the equality and presence tests have a lookup
    return all(b is None for b in (test.gt, test.ge, test.lt, test.le))


def coded_column(column: pl.Series) -> tuple[npt.NDArray[Any], list[Any]] | None:
    """The column as codes into its distinct values (absent: ``len(values)``), for an Enum
    or a flag column; ``None`` for any other."""
    if isinstance(column.dtype, pl.Enum):
        values: list[Any] = list(column.dtype.categories.to_list())
        phys = column.to_physical().cast(pl.Int64)
    elif column.dtype == pl.Boolean:
        values = [False, True]
        phys = column.cast(pl.Int64)
    else:
        return None
    codes = phys.fill_null(len(values)).to_numpy()
    return codes, values


def flag_of(v: Any) -> bool | None:
    """A filter value as a flag (``true``/``false`` in any case), ``None`` if it is not one."""
    if isinstance(v, bool):
        return v
    return {"true": True, "false": False}.get(str(v).strip().lower())


def number_of(v: Any) -> float | None:
    """A filter value as a number (booleans are not numbers), ``None`` if it is not one."""
    if isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def expr_of_test(col: pl.Expr, dtype: pl.DataType, test: ColumnTest) -> pl.Expr:
    """A filter test on one column, with the configuration's equality rules: text compares
    as text, flags as true/false, numbers as numbers; an absent value equals nothing."""
    parts: list[pl.Expr] = []
    is_list = isinstance(dtype, pl.List)
    if test.exists is not None:
        if dtype == pl.String:
            present = col.is_not_null() & (col != "")
        elif is_list:
            present = col.is_not_null() & (col.list.len() > 0)
        else:
            present = col.is_not_null()
        parts.append(present.fill_null(False) if test.exists else ~present.fill_null(False))

    def any_of(vs: Sequence[Any]) -> pl.Expr:
        if is_list:
            hits = [col.list.contains(str(v)).fill_null(False) for v in vs]
            return pl.any_horizontal(hits) if hits else pl.lit(False)
        if dtype == pl.Boolean:
            flags = {flag_of(v) for v in vs} - {None}
            return col.is_in(list(flags)).fill_null(False) if flags else pl.lit(False)
        if dtype.is_numeric():
            numbers = [x for x in (number_of(v) for v in vs) if x is not None]
            return col.is_in(numbers).fill_null(False) if numbers else pl.lit(False)
        texts = [str(v) for v in vs]
        if isinstance(dtype, pl.Enum):
            # compared on the codes, without turning the column into text; a value that is
            # not a category matches no row
            known = set(dtype.categories.to_list())
            texts = [t for t in texts if t in known]
            if not texts:
                return pl.lit(False)
        elif dtype != pl.String:
            col_text = col.cast(pl.String)
            return col_text.is_in(texts).fill_null(False)
        return col.is_in(texts).fill_null(False)

    if test.eq is not None:
        parts.append(any_of([test.eq]))
    if test.ne is not None:
        parts.append(~any_of([test.ne]))
    if test.in_ is not None:
        parts.append(any_of(test.in_))
    if test.not_in is not None:
        parts.append(~any_of(test.not_in))
    num = col.cast(pl.Float64, strict=False) if not dtype.is_numeric() else col
    for bound, op in ((test.gt, "gt"), (test.ge, "ge"), (test.lt, "lt"), (test.le, "le")):
        if bound is None:
            continue
        cmp = {"gt": num > bound, "ge": num >= bound, "lt": num < bound, "le": num <= bound}[op]
        parts.append(cmp.fill_null(False))
    return pl.all_horizontal(parts) if parts else pl.lit(True)
