"""The compiled sort of a batch's items within their records against ``np.lexsort``: the
same order for any keys, ties (kept in place, as ``lexsort`` keeps them) and groups of any
size."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from accord.io.importers.columnar_order import SMALL, lexsort_grouped


@st.composite
def _keys(draw: st.DrawFn) -> tuple[list[np.ndarray], np.ndarray]:
    n = draw(st.integers(0, 3 * SMALL))
    groups = draw(st.integers(1, 6))
    # few values a key, so that ties are many; large ones (wall clocks in µs) too
    value = st.one_of(st.integers(-3, 3), st.integers(-(2**62), 2**62))
    keys = [draw(hnp.arrays(np.int64, n, elements=value)) for _ in range(draw(st.integers(0, 4)))]
    group = draw(hnp.arrays(np.int64, n, elements=st.integers(0, groups - 1)))
    return keys, group


@settings(max_examples=400, deadline=None)
@given(_keys())
def test_the_order_is_lexsorts(case: tuple[list[np.ndarray], np.ndarray]) -> None:
    keys, group = case
    want = np.lexsort((*keys, group))
    assert lexsort_grouped(keys, group).tolist() == want.tolist()


def test_a_large_group_and_negative_groups_are_lexsorted() -> None:
    rng = np.random.default_rng(7)
    key = rng.integers(0, 3, 200)
    big = np.zeros(200, dtype=np.int64)  # one group of more than SMALL items
    assert lexsort_grouped([key], big).tolist() == np.lexsort((key, big)).tolist()
    neg = rng.integers(-2, 2, 200)
    assert lexsort_grouped([key], neg).tolist() == np.lexsort((key, neg)).tolist()
