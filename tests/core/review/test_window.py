"""The window of a review: named periods and --from/--to, in a time zone."""

from __future__ import annotations

import pytest

from accord.core.review.window import parse_window, period_window
from accord.core.timeutil import parse_as_of
from accord.errors import InputError


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026-11", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"),
        ("2026-12", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("2026-Q3", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"),
        ("2026-q4", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("2026", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
    ],
)
def test_a_period_runs_from_local_midnight_to_local_midnight(
    label: str, start: str, end: str
) -> None:
    w = period_window(label)
    assert (w.start, w.end) == (parse_as_of(start), parse_as_of(end))


def test_a_period_in_a_zone_starts_at_its_local_midnight() -> None:
    w = period_window("2026-10", "America/Los_Angeles")
    assert w.start == parse_as_of("2026-10-01T07:00:00Z")
    assert w.end == parse_as_of("2026-11-01T07:00:00Z")  # still daylight time on the 1st


def test_to_a_date_includes_that_day_and_to_an_instant_excludes_it() -> None:
    w = parse_window(start="2026-07-01", end="2026-09-30")
    assert w.end == parse_as_of("2026-10-01T00:00:00Z")
    w = parse_window(start="2026-07-01", end="2026-09-30T12:00:00Z")
    assert w.end == parse_as_of("2026-09-30T12:00:00Z")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "2026-13"}, "is not a period"),
        ({"period": "Q3"}, "is not a period"),
        ({"period": "2026-11", "start": "2026-01-01"}, "not both"),
        ({"start": "2026-09-01", "end": "2026-08-01"}, "the window is empty"),
        ({"start": "yesterday"}, "--from"),
        ({"start": "2026-01-01T00:00:00"}, "--from"),  # no offset
        ({"tz": "Mars/Olympus"}, "IANA"),
    ],
)
def test_a_bad_window_is_an_input_error_that_says_why(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_window(**kwargs)
