"""A field's values memo: what is derived per value is derived once, and stays indexed by
code as new values arrive."""

from __future__ import annotations

from accord.core.events import FieldValue
from accord.io.importers.columnar_values import NAN, NONE, Values


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
