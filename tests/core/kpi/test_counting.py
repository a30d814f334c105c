"""Counting several masks over one cell key in packed passes equals one weighted count per
mask, whatever the number of masks, cells and the share of rows in no period."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.kpi import counting
from accord.core.kpi.counting import counts_many, counts_one


@st.composite
def _case(draw: st.DrawFn) -> tuple[np.ndarray, int, list[np.ndarray]]:
    size = draw(st.integers(1, 60))
    n = draw(st.integers(0, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, size + 1, n).astype(draw(st.sampled_from([np.int32, np.int64])))
    masks = [rng.random(n) < draw(st.floats(0, 1)) for _ in range(draw(st.integers(0, 20)))]
    return keys, size, masks


@settings(max_examples=200, deadline=None)
@given(_case())
def test_packed_counts_equal_one_count_per_mask(case: tuple) -> None:
    keys, size, masks = case
    got = counts_many(keys, size, masks)
    assert len(got) == len(masks)
    for g, m in zip(got, masks, strict=True):
        assert g.dtype == np.int64 and g.shape == (size,)
        assert np.array_equal(g, counts_one(keys, size, m))


@settings(max_examples=50, deadline=None)
@given(_case())
def test_few_bits_when_the_cells_are_many(case: tuple) -> None:
    # a small bin budget forces fewer masks per pass, down to one count per mask
    keys, size, masks = case
    old = counting.MAX_BINS
    try:
        counting.MAX_BINS = 4 * (size + 1)
        got = counts_many(keys, size, masks)
    finally:
        counting.MAX_BINS = old
    for g, m in zip(got, masks, strict=True):
        assert np.array_equal(g, counts_one(keys, size, m))


def test_counts_one_leaves_out_the_overflow_cell() -> None:
    keys = np.array([0, 2, 2, 1, 2], dtype=np.int32)  # 2 is the overflow cell of size 2
    mask = np.array([True, True, False, True, True])
    assert counts_one(keys, 2, mask).tolist() == [1, 1]
    assert [c.tolist() for c in counts_many(keys, 2, [mask, ~mask])] == [[1, 1], [0, 0]]
