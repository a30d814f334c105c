"""Columns as codes: the order of ticket ids (records come out in it)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given
from hypothesis import strategies as st

from accord.core.engine.batch import _jit
from accord.core.engine.batch.columns import string_order

# ids that share prefixes and differ in a few bytes (the fast path), or in many, or hold NUL
# bytes and characters beyond ASCII (the general path)
_ids = st.lists(
    st.builds(
        lambda prefix, rest: prefix + rest,
        st.sampled_from(["", "INC00", "T-", "ü", "a\x00"]),
        st.text(alphabet="019aZ\x00é\U0001f600", max_size=11),
    ),
    max_size=40,
)


@given(_ids, st.integers(0, 3))
def test_ticket_ids_sort_bytewise_as_arrow_sorts_them(ids: list[str], skip: int) -> None:
    arr = pa.array(ids, type=pa.string()).slice(min(skip, len(ids)))  # a slice: an offset
    want = pc.sort_indices(arr).to_numpy()
    assert string_order(arr).tolist() == want.tolist()


def test_ids_that_differ_in_a_few_bytes_after_a_shared_prefix_take_the_integer_sort() -> None:
    arr = pa.array(["INC0000012", "INC0000003", "INC00001", "INC0000100"])
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1)
    _keys, exact = _jit.prefix_keys(offsets, np.frombuffer(arr.buffers()[2], dtype=np.uint8))
    assert exact
    assert string_order(arr).tolist() == [1, 0, 2, 3]  # a prefix sorts first


def test_ids_longer_than_eight_bytes_after_the_shared_prefix_are_not_taken_as_exact() -> None:
    arr = pa.array(["A123456789", "B"])
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1)
    _keys, exact = _jit.prefix_keys(offsets, np.frombuffer(arr.buffers()[2], dtype=np.uint8))
    assert not exact
    assert string_order(arr).tolist() == [0, 1]
