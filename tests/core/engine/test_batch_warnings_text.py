"""The warnings column of the batch records: one compiled pass, or Arrow's string kernels
for instants outside four-digit years; both spell the lists as the records writer does."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from accord.core.engine.batch import _jit
from accord.core.engine.batch.assemble import _general_lists
from accord.core.timeutil import iso

LABELS = ["75%", "1h left", "90%"]


def _text(offsets: np.ndarray, data: np.ndarray, total: int) -> list[str]:
    arr = pa.Array.from_buffers(
        pa.string(), total, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return [str(x) for x in arr.to_pylist()]


def _expected(total: int, where: list[int], label: list[int], at: list[int]) -> list[str]:
    out: list[list[dict[str, str | None]]] = [[] for _ in range(total)]
    for w, lab, t in zip(where, label, at, strict=True):
        out[w].append({"threshold": LABELS[lab], "at": iso(t)})
    return [json.dumps(x) for x in out]


items = st.lists(
    st.tuples(
        st.integers(0, 9),
        st.integers(0, 2),
        st.integers(-62_135_596_800, 253_402_300_799),  # years 1 to 9999
    ),
    max_size=12,
)


def test_four_digit_years_are_exactly_the_compiled_writers_range() -> None:
    lo, hi = _jit.FOUR_DIGIT_YEARS
    assert iso(lo) == "1000-01-01T00:00:00Z"
    assert iso(lo - 1) == "999-12-31T23:59:59Z"  # three digits: not the compiled writer's
    assert iso(hi) == "9999-12-31T23:59:59Z"


@given(items)
def test_both_writers_spell_every_list_as_the_json_writer(got: list[tuple[int, int, int]]) -> None:
    total = 10
    got = sorted(got, key=lambda x: x[0])
    where = np.array([g[0] for g in got], dtype=np.int64)
    label = np.array([g[1] for g in got], dtype=np.int64)
    at = np.array([g[2] for g in got], dtype=np.int64)
    want = _expected(total, where.tolist(), label.tolist(), at.tolist())
    general = _text(*_general_lists(total, where, label, at, LABELS), total)
    assert general == want
    lo, hi = _jit.FOUR_DIGIT_YEARS
    if all(lo <= t <= hi for t in at.tolist()):
        fast = _text(*_jit.warning_lists(total, where, label, at, LABELS), total)
        assert fast == want
