"""Instants and durations written for people: the fast paths write what the plain ones did."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from accord.core.timeutil import format_duration, iso

# the instants a datetime can hold: 0001-01-01 to 9999-12-31
_INSTANTS = st.integers(min_value=-62_135_596_800, max_value=253_402_300_799)


def _written(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@given(st.lists(_INSTANTS, min_size=1, max_size=20))
def test_iso_writes_every_instant_as_strftime_does_whether_its_day_was_seen_or_not(
    instants: list[int],
) -> None:
    # twice each: the second time the day's date comes from the kept days
    for t in instants + instants:
        assert iso(t) == _written(t)


@given(_INSTANTS, st.integers(min_value=0, max_value=86_399))
def test_iso_of_instants_of_one_day_differ_only_in_the_time_of_day(t: int, s: int) -> None:
    day = t - t % 86_400
    assert iso(day + s) == _written(day + s)


def test_iso_keeps_none_floats_and_numpy_numbers_as_before() -> None:
    assert iso(None) is None
    # typed as whole seconds, but a caller may hold a float or a numpy number
    assert iso(1_709_546_400.75) == "2024-03-04T10:00:00Z"  # type: ignore[arg-type]
    assert iso(-0.5) == "1969-12-31T23:59:59Z"  # type: ignore[arg-type]
    assert iso(np.int64(1_709_546_400)) == "2024-03-04T10:00:00Z"  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_format_duration_answers_the_same_text_again(seconds: int) -> None:
    first = format_duration(seconds)
    assert format_duration(seconds) == first == format_duration.__wrapped__(seconds)
    assert format_duration(None) == "-"


def test_format_duration_writes_days_hours_minutes_and_seconds_as_people_read_them() -> None:
    cases = {5400: "1h30m", 3630: "1h0m30s", 0: "0s", -60: "-1m", 90061: "1d1h1m1s", 86400: "1d"}
    for seconds, text in cases.items():
        assert format_duration(seconds) == text
        assert format_duration(seconds) == text  # and again, from the cache
