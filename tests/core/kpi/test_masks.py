"""A filter test by the lookup over a column's codes equals its Polars expression, for Enum
and flag columns with absent values and every equality and presence test."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.kpi.masks import expr_mask, mask_of_test
from accord.core.kpi.models import ColumnTest

CATS = ["breached", "met", "paused", "running"]
WORDS = [*CATS, "other", "Met", ""]  # values outside the categories match no row


def _tests(values: st.SearchStrategy[Any]) -> st.SearchStrategy[ColumnTest]:
    lists = st.lists(values, min_size=1, max_size=3)
    return st.builds(
        lambda eq, ne, in_, not_in, exists: ColumnTest.model_validate(
            {"eq": eq, "ne": ne, "in": in_, "not_in": not_in, "exists": exists}
        ),
        st.none() | values,
        st.none() | values,
        st.none() | lists,
        st.none() | lists,
        st.none() | st.booleans(),
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.none() | st.sampled_from(CATS), max_size=40),
    _tests(st.sampled_from(WORDS)),
)
def test_enum_lookup_equals_expression(values: list[str | None], test: ColumnTest) -> None:
    column = pl.Series("state", values, dtype=pl.Enum(CATS))
    got = mask_of_test(column, test)
    assert got.dtype == np.bool_ and len(got) == len(values)
    assert np.array_equal(got, expr_mask(column, test))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.none() | st.booleans(), max_size=40),
    _tests(st.sampled_from([True, False, "true", "FALSE", "yes", 1])),
)
def test_flag_lookup_equals_expression(values: list[bool | None], test: ColumnTest) -> None:
    column = pl.Series("solved", values, dtype=pl.Boolean)
    assert np.array_equal(mask_of_test(column, test), expr_mask(column, test))


def test_lookup_reads_the_categories_not_the_text() -> None:
    # the example the lookup gets wrong if it compared codes to positions of the test values
    column = pl.Series("state", ["met", None, "breached", "met"], dtype=pl.Enum(CATS))
    test = ColumnTest.model_validate({"in": ["met", "nope"]})
    assert mask_of_test(column, test).tolist() == [True, False, False, True]
    assert mask_of_test(column, ColumnTest(ne="met")).tolist() == [False, True, True, False]
    assert mask_of_test(column, ColumnTest(exists=False)).tolist() == [False, True, False, False]
