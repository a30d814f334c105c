"""The compiled ``isoformat`` writer against ``datetime.isoformat`` of each instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.io.importers.columnar_isoformat import isoformat_column

_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
_OFFSETS = st.one_of(st.none(), st.integers(-(24 * 60 - 1), 24 * 60 - 1))
_INSTANTS = st.tuples(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.one_of(st.just(0), st.integers(0, 999_999)),
    _OFFSETS,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_INSTANTS, max_size=40))
def test_each_text_is_the_datetimes_isoformat(
    items: list[tuple[datetime, int, int | None]],
) -> None:
    dts = [
        dt.replace(microsecond=us, tzinfo=None if off is None else timezone(timedelta(minutes=off)))
        for dt, us, off in items
    ]
    local = np.asarray([(d.replace(tzinfo=None) - _EPOCH) // _US for d in dts], dtype=np.int64)
    aware = np.asarray([off is not None for _, _, off in items], dtype=bool)
    offset = np.asarray([off or 0 for _, _, off in items], dtype=np.int64)
    got = isoformat_column(local, aware, offset)
    assert got is not None
    assert got.to_pylist() == [d.isoformat() for d in dts]


def test_instants_outside_datetimes_years_are_left_to_the_caller() -> None:
    no = np.zeros(1, dtype=bool)
    zero = np.zeros(1, dtype=np.int64)
    before = (datetime(1, 1, 1) - _EPOCH) // _US - 1
    after = (datetime(9999, 12, 31, 23, 59, 59, 999_999) - _EPOCH) // _US + 1
    assert isoformat_column(np.asarray([before]), no, zero) is None
    assert isoformat_column(np.asarray([after]), no, zero) is None
    assert isoformat_column(np.asarray([after - 1]), no, zero) is not None
    assert isoformat_column(np.asarray([0]), ~no, np.asarray([24 * 60])) is None
    assert isoformat_column(np.zeros(0, dtype=np.int64), no[:0], zero[:0]) is not None
