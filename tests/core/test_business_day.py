"""The length of a calendar's business day, which business durations are read in."""

from __future__ import annotations

from datetime import date
from typing import Any

from accord.core.business_day import business_day_seconds, day_lengths, hours_on
from accord.core.config.models import CalendarSpec

H = 3600
ON = date(2026, 10, 5)


def spec(**fields: Any) -> CalendarSpec:
    return CalendarSpec.model_validate(fields)


def test_a_weekday_calendar_has_its_daily_opening_as_business_day() -> None:
    nine = spec(hours={"mon-fri": [["08:00", "17:00"]]})
    assert business_day_seconds(nine, ON) == 9 * H


def test_a_day_with_several_windows_counts_their_union() -> None:
    split = spec(hours={"mon-fri": [["08:00", "12:00"], ["11:00", "13:00"], ["14:00", "18:00"]]})
    assert day_lengths(hours_on(split, ON))[:5] == (9 * H,) * 5
    assert business_day_seconds(split, ON) == 9 * H


def test_when_days_differ_the_most_common_length_is_the_business_day() -> None:
    short_friday = spec(hours={"mon-thu": [["09:00", "18:00"]], "fri": [["09:00", "15:00"]]})
    assert business_day_seconds(short_friday, ON) == 9 * H


def test_equally_common_lengths_give_the_longer_one() -> None:
    tie = spec(hours={"mon-tue": [["09:00", "17:00"]], "wed-thu": [["09:00", "15:00"]]})
    assert business_day_seconds(tie, ON) == 8 * H


def test_an_overnight_window_counts_whole_on_the_day_it_starts() -> None:
    night = spec(hours={"mon-fri": [["22:00", "06:00"]]})
    assert day_lengths(hours_on(night, ON)) == (8 * H,) * 5 + (0, 0)
    assert business_day_seconds(night, ON) == 8 * H


def test_an_around_the_clock_calendar_has_no_business_day() -> None:
    assert business_day_seconds(spec(hours={"daily": [["00:00", "24:00"]]}), ON) is None
    # the same week as a day shift and an overnight shift
    shifted = spec(hours={"daily": [["06:00", "18:00"], ["18:00", "06:00"]]})
    assert business_day_seconds(shifted, ON) is None


def test_whole_weekdays_without_weekends_are_business_days_of_24_hours() -> None:
    weekdays = spec(hours={"mon-fri": [["00:00", "24:00"]]})
    assert business_day_seconds(weekdays, ON) == 24 * H


def test_a_calendar_never_open_has_no_business_day() -> None:
    assert business_day_seconds(spec(hours={"mon": []}), ON) is None


def test_the_hours_in_force_on_the_date_decide() -> None:
    changing = spec(
        hours={"mon-fri": [["09:00", "17:00"]]},
        versions=[
            {"effective_from": "2026-11-02", "hours": {"mon-fri": [["08:00", "18:00"]]}},
            {"effective_from": "2026-12-01", "holidays": []},
        ],
    )
    assert business_day_seconds(changing, date(2026, 11, 1)) == 8 * H
    assert business_day_seconds(changing, date(2026, 11, 2)) == 10 * H
    # a later version that keeps the hours keeps their length
    assert business_day_seconds(changing, date(2027, 1, 4)) == 10 * H


def test_exceptions_to_the_week_leave_the_business_day_alone() -> None:
    exceptions = spec(
        hours={"mon-fri": [["09:00", "17:00"]]},
        closed_dates=["2026-10-05"],
        special_hours=[{"date": "2026-10-06", "hours": [["09:00", "12:00"]]}],
        closures=[{"date": "2026-10-07", "from": "12:00", "to": "14:00"}],
    )
    assert business_day_seconds(exceptions, ON) == 8 * H
