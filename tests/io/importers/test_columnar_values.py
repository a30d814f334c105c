"""A field's values memo: what is derived per value is derived once, and stays indexed by
code as new values arrive."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.events import FieldValue
from accord.io.importers.columnar_values import NAN, NONE, Values, cells_arrow, small_unique


def test_a_value_is_derived_once_and_new_values_extend_the_table() -> None:
    vals = Values()
    calls: list[FieldValue] = []

    def size(v: FieldValue) -> int:
        calls.append(v)
        return len(str(v))

    assert [vals.code(v) for v in ("a", "bb", "a")] == [0, 1, 0]
    assert vals.per_code("size", size, int).tolist() == [1, 2]
    assert vals.per_code("size", size, int).tolist() == [1, 2]
    assert calls == ["a", "bb"]
    assert [vals.code(v) for v in (1, True, 1.0, None, float("nan"))] == [2, 3, 4, NONE, NAN]
    assert vals.per_code("size", size, int).tolist() == [1, 2, 1, 4, 3]
    assert calls == ["a", "bb", 1, True, 1.0]


# ------------------------------------------------------------------ without hashing

_SMALL = st.lists(st.integers(0, 300), max_size=200)
_CELLS = st.lists(
    st.sampled_from(["a", "b", " a", "a ", "", " ", "NA", "n/a", "x y", "é", "\t"]), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(values=_SMALL, wide=st.booleans())
def test_small_unique_and_distinct_count_are_numpys_unique(values: list[int], wide: bool) -> None:
    """The table-marking ``small_unique`` and ``distinct_count`` give ``np.unique``'s
    sorted values, inverse and count."""
    from accord.io.importers.columnar import distinct_count

    a = np.asarray(values, dtype=np.int64 if wide else np.int32)
    uniq, inv = small_unique(a)
    want_u, want_inv = np.unique(a, return_inverse=True)
    assert uniq.tolist() == want_u.tolist()
    assert inv.tolist() == want_inv.reshape(-1).tolist()
    assert distinct_count(a) == want_u.size


@settings(max_examples=200, deadline=None)
@given(cells=_CELLS, text=st.booleans())
def test_a_distinct_column_is_read_as_its_dictionary_reads(cells: list[str], text: bool) -> None:
    """``cells_arrow(..., distinct=True)`` (the column as its own dictionary, no hashing)
    gives every row the value the dictionary-encoded reading gives it."""
    col = pa.array(cells, pa.string())
    missing = frozenset({"NA", "n/a", ""})

    def per_row(distinct: bool) -> list[object]:
        codes, dictionary, odd = cells_arrow(col, missing, text=text, distinct=distinct)
        values = dictionary.to_pylist()
        for i, v in odd.items():
            values[i] = v
        values.append(None)  # a null cell's code
        return [values[c] for c in codes.tolist()]

    assert per_row(True) == per_row(False)
