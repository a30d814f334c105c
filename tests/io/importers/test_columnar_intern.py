"""Texts numbered by the compiled pass against a dict numbering them in order of first
sight, over many columns (sliced, chunked, unicode, empty texts, the table grown)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.io.importers.columnar_intern import TextNumbers

# few distinct texts, some sharing a prefix or differing only in length: equal hashes are
# compared byte by byte; a few random ones for the rest
_TEXT = st.one_of(
    st.sampled_from(["", "a", "aa", "ab", "b", "é", "PROJ-1", "PROJ-10", "PROJ-1 "]),
    st.text(max_size=5),
)
_COLUMN = st.tuples(st.lists(_TEXT, max_size=40), st.integers(0, 3), st.booleans())


@settings(max_examples=300, deadline=None)
@given(
    columns=st.lists(_COLUMN, max_size=6),
    capacity=st.sampled_from([1, 2, 8, 512]),
    alike=st.booleans(),
)
def test_each_text_gets_the_number_a_dict_gives_it_in_order_of_first_sight(
    columns: list[tuple[list[str], int, bool]], capacity: int, alike: bool
) -> None:
    numbers = TextNumbers(capacity)
    if alike:  # every text one hash: told apart by their bytes alone
        numbers.hash_texts = lambda offs, data: np.zeros(offs.size - 1, dtype=np.uint64)
    seen: dict[str, int] = {}
    for texts, cut, chunked in columns:
        arr: pa.Array | pa.ChunkedArray = pa.array(texts, pa.string()).slice(min(cut, len(texts)))
        want = [seen.setdefault(t, len(seen)) for t in arr.to_pylist()]
        if chunked and len(arr) > 1:
            arr = pa.chunked_array([arr.slice(0, 1), arr.slice(1)])
        got = numbers.numbers(arr)
        assert got is not None
        assert got.tolist() == want


def test_a_column_with_a_null_is_not_numbered() -> None:
    assert TextNumbers().numbers(pa.array(["a", None])) is None
