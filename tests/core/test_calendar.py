"""Unit tests of the business calendar with expected instants worked out by hand (DESIGN §3)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pydantic
import pytest

from accord.core.calendar import NEVER, BusinessCalendar, due_after, elapsed_between
from accord.core.timeutil import parse_as_of

H = 3600
M = 60


def T(text: str) -> int:
    """An instant from ISO text (``Z`` or an offset)."""
    return parse_as_of(text)


def cal(**spec: Any) -> BusinessCalendar:
    return BusinessCalendar.from_dict("test", spec)


def office(tz: str = "UTC", **extra: Any) -> BusinessCalendar:
    """Mon–Fri 09:00–17:00, UTC unless told."""
    return cal(tz=tz, hours={"mon-fri": [["09:00", "17:00"]]}, **extra)


# ------------------------------------------------------------------ elapsed


def test_elapsed_counts_only_seconds_inside_opening_hours() -> None:
    c = office()
    assert c.elapsed(T("2024-03-04T08:00:00Z"), T("2024-03-04T18:00:00Z")) == 8 * H
    assert c.elapsed(T("2024-03-04T10:00:00Z"), T("2024-03-04T12:30:00Z")) == 2 * H + 30 * M
    # Friday 16:00 to Monday 10:00: one hour on each side of the weekend.
    assert c.elapsed(T("2024-03-08T16:00:00Z"), T("2024-03-11T10:00:00Z")) == 2 * H


def test_elapsed_is_negative_when_end_precedes_start() -> None:
    c = office()
    a, b = T("2024-03-04T10:00:00Z"), T("2024-03-05T10:00:00Z")
    assert c.elapsed(b, a) == -8 * H
    assert c.elapsed(a, a) == 0


def test_elapsed_over_decades_has_no_horizon() -> None:
    c = cal(tz="UTC", hours={"daily": [["00:00", "24:00"]]})
    a, b = T("1990-01-01T00:00:00Z"), T("2060-06-01T12:00:00Z")
    assert c.elapsed(a, b) == b - a


# ------------------------------------------------------------------ due


def test_due_inside_opening_hours_is_start_plus_target() -> None:
    assert office().due(T("2024-03-04T10:00:00Z"), 90 * M) == T("2024-03-04T11:30:00Z")


def test_due_of_zero_seconds_is_the_start_even_when_closed() -> None:
    t = T("2024-03-09T12:00:00Z")  # a Saturday
    assert office().due(t, 0) == t


def test_created_out_of_hours_waits_for_the_opening() -> None:
    c = office()
    assert c.due(T("2024-03-04T07:00:00Z"), H) == T("2024-03-04T10:00:00Z")
    # Created on Saturday: the clock starts on Monday morning.
    assert c.due(T("2024-03-09T12:00:00Z"), H) == T("2024-03-11T10:00:00Z")


def test_due_crosses_the_night() -> None:
    assert office().due(T("2024-03-05T16:30:00Z"), H) == T("2024-03-06T09:30:00Z")


def test_target_running_out_exactly_at_closing_time_is_due_at_closing_time() -> None:
    c = office()
    start = T("2024-03-04T16:00:00Z")
    due = c.due(start, H)
    assert due == T("2024-03-04T17:00:00Z")  # not Tuesday 09:00
    assert c.elapsed(start, due) == H
    assert c.elapsed(start, due - 1) == H - 1


def test_closed_date_is_skipped() -> None:
    c = office(closed_dates=["2024-03-05"])
    assert c.due(T("2024-03-04T16:00:00Z"), 120 * M) == T("2024-03-06T10:00:00Z")


def test_due_over_a_weekend_when_dst_ends_in_berlin() -> None:
    # Fri 16:00 CEST; one hour on Friday, then Monday 09:00 CET (08:00Z) plus one hour.
    c = cal(tz="Europe/Berlin", hours={"mon-fri": [["09:00", "17:00"]]})
    assert c.due(T("2024-10-25T14:00:00Z"), 120 * M) == T("2024-10-28T09:00:00Z")


def test_200_business_hour_target_spans_five_weeks() -> None:
    c = office()
    start = T("2024-03-04T09:00:00Z")  # Monday opening
    # 200 h = 25 business days of 8 h: runs out at Friday 2024-04-05 closing time.
    assert c.due(start, 200 * H) == T("2024-04-05T17:00:00Z")
    assert c.due(start, 201 * H) == T("2024-04-08T10:00:00Z")


def test_due_years_away_has_no_horizon() -> None:
    # Closed every week, open only on one special day far ahead.
    c = cal(
        tz="UTC", hours={}, special_hours=[{"date": "2040-01-02", "hours": [["09:00", "17:00"]]}]
    )
    assert c.due(T("2024-01-01T00:00:00Z"), H) == T("2040-01-02T10:00:00Z")
    assert c.next_open(T("2024-01-01T00:00:00Z")) == T("2040-01-02T09:00:00Z")
    # More than that one day holds: nothing can follow it.
    assert c.due(T("2024-01-01T00:00:00Z"), 9 * H) is None


def test_due_of_a_long_target_in_24x7_is_start_plus_target() -> None:
    c = cal(tz="Europe/Berlin", hours={"daily": [["00:00", "24:00"]]})
    start = T("2024-01-01T00:00:00Z")
    thirty_years = 30 * 365 * 86400
    assert c.due(start, thirty_years) == start + thirty_years


def test_calendar_without_any_open_time_never_reaches_a_target() -> None:
    c = cal(tz="UTC", hours={})
    t = T("2024-03-04T10:00:00Z")
    assert c.due(t, 1) is None
    assert c.next_open(t) is None
    assert c.elapsed(t, t + 10 * 86400) == 0
    assert c.due_many(np.array([t, t]), np.array([0, 5])).tolist() == [t, NEVER]


def test_negative_target_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        office().due(T("2024-03-04T10:00:00Z"), -1)


# ------------------------------------------------------------------ several windows, overnight


def test_several_windows_per_day_skip_the_gap_between_them() -> None:
    c = cal(tz="UTC", hours={"mon-fri": [["09:00", "12:00"], ["13:00", "17:00"]]})
    assert c.elapsed(T("2024-03-04T00:00:00Z"), T("2024-03-05T00:00:00Z")) == 7 * H
    assert c.due(T("2024-03-04T11:30:00Z"), H) == T("2024-03-04T13:30:00Z")
    # Running out at the lunch break is due at 12:00, not at 13:00.
    assert c.due(T("2024-03-04T11:30:00Z"), 30 * M) == T("2024-03-04T12:00:00Z")


def test_overlapping_windows_are_counted_once() -> None:
    c = cal(
        tz="UTC",
        hours={
            "mon": [["09:00", "12:00"], ["11:00", "14:00"]],
            "thu": [["22:00", "10:00"]],  # runs into Friday's opening
            "fri": [["09:00", "17:00"]],
        },
    )
    assert c.elapsed(T("2024-03-04T00:00:00Z"), T("2024-03-05T00:00:00Z")) == 5 * H
    # Thursday 22:00 to Friday 17:00 without a break: 19 h, not 20 h.
    assert c.elapsed(T("2024-03-07T00:00:00Z"), T("2024-03-09T00:00:00Z")) == 19 * H
    assert c.open_intervals(T("2024-03-07T00:00:00Z"), T("2024-03-09T00:00:00Z")) == [
        (T("2024-03-07T22:00:00Z"), T("2024-03-08T17:00:00Z"))
    ]


def night_shift(**extra: Any) -> BusinessCalendar:
    """Fridays 22:00 to Saturday 06:00, Berlin, German public holidays."""
    return cal(
        tz="Europe/Berlin",
        hours={"fri": [["22:00", "06:00"]]},
        holidays=[{"country": "DE"}],
        **extra,
    )


def test_overnight_window_runs_into_the_next_day() -> None:
    c = night_shift()
    # Friday 2024-03-22, CET: 21:00Z to Saturday 05:00Z.
    assert c.open_intervals(T("2024-03-22T00:00:00Z"), T("2024-03-24T00:00:00Z")) == [
        (T("2024-03-22T21:00:00Z"), T("2024-03-23T05:00:00Z"))
    ]
    assert c.due(T("2024-03-22T12:00:00Z"), 8 * H) == T("2024-03-23T05:00:00Z")


def test_holiday_on_the_start_day_removes_the_overnight_window() -> None:
    # Good Friday 2024-03-29 is a holiday; Saturday 2024-03-30 is not.
    c = night_shift()
    assert c.elapsed(T("2024-03-29T00:00:00Z"), T("2024-03-31T00:00:00Z")) == 0
    assert not c.is_open(T("2024-03-30T02:00:00Z"))


def test_holiday_on_the_next_day_keeps_the_overnight_window() -> None:
    # Friday 2027-12-24 is a working day; Saturday 2027-12-25 (Christmas) is a holiday.
    c = night_shift()
    assert c.elapsed(T("2027-12-24T00:00:00Z"), T("2027-12-26T00:00:00Z")) == 8 * H
    assert c.is_open(T("2027-12-25T02:00:00Z"))


def test_next_days_closed_date_and_special_hours_keep_the_overnight_window() -> None:
    c = night_shift(
        closed_dates=["2024-03-23"],
        special_hours=[{"date": "2024-03-16", "hours": []}],
    )
    assert c.elapsed(T("2024-03-15T00:00:00Z"), T("2024-03-17T00:00:00Z")) == 8 * H
    assert c.elapsed(T("2024-03-22T00:00:00Z"), T("2024-03-24T00:00:00Z")) == 8 * H


def test_closed_date_on_the_start_day_removes_the_overnight_window() -> None:
    c = night_shift(closed_dates=["2024-03-22"])
    assert c.elapsed(T("2024-03-22T00:00:00Z"), T("2024-03-24T00:00:00Z")) == 0


def test_overnight_window_follows_the_version_in_force_on_its_start_day() -> None:
    # From Saturday 2024-03-23 on there is no night shift; Friday's shift still runs out.
    c = night_shift(
        versions=[{"effective_from": "2024-03-23", "hours": {"sat": [["10:00", "11:00"]]}}]
    )
    assert c.elapsed(T("2024-03-22T00:00:00Z"), T("2024-03-23T08:00:00Z")) == 8 * H
    assert c.elapsed(T("2024-03-29T00:00:00Z"), T("2024-03-30T08:00:00Z")) == 0


# ------------------------------------------------------------------ holidays


def test_us_holidays_follow_the_subdivision() -> None:
    # Cesar Chavez Day, Monday 2025-03-31, is a holiday in California but not in New York.
    def la(subdivision: str) -> BusinessCalendar:
        return cal(
            tz="America/Los_Angeles",
            hours={"mon-fri": [["09:00", "17:00"]]},
            holidays=[{"country": "US", "subdivision": subdivision}],
        )

    start = T("2025-03-28T23:00:00Z")  # Friday 16:00 PDT
    assert la("CA").due(start, 2 * H) == T("2025-04-01T17:00:00Z")  # Tuesday 10:00 PDT
    assert la("NY").due(start, 2 * H) == T("2025-03-31T17:00:00Z")  # Monday 10:00 PDT


def test_observed_holiday_moved_into_the_previous_year_closes_that_day() -> None:
    # New Year's Day 2022 is a Saturday, observed on Friday 2021-12-31.
    c = office(holidays=[{"country": "US"}])
    assert c.due(T("2021-12-30T16:00:00Z"), 2 * H) == T("2022-01-03T10:00:00Z")


def test_holiday_categories_are_passed_to_the_holidays_package() -> None:
    # 2024-12-24 is a bank holiday in Austria but not a public one.
    day = (T("2024-12-24T00:00:00Z"), T("2024-12-25T00:00:00Z"))
    public = office(holidays=[{"country": "AT"}])
    bank = office(holidays=[{"country": "AT", "categories": ["public", "bank"]}])
    assert public.elapsed(*day) == 8 * H
    assert bank.elapsed(*day) == 0


# ------------------------------------------------------------------ special hours, closures


def test_special_hours_replace_weekly_hours_and_beat_holidays() -> None:
    c = office(
        holidays=[{"country": "DE"}],
        closed_dates=["2024-12-23"],
        special_hours=[
            {"date": "2024-12-26", "hours": [["10:00", "14:00"]]},  # a holiday, opened anyway
            {"date": "2024-12-27", "hours": []},  # a Friday, closed
            {"date": "2024-12-28", "hours": [["10:00", "12:00"]]},  # a Saturday, opened
            {"date": "2024-12-23", "hours": [["09:00", "17:00"]]},  # closed date wins
        ],
    )

    def day(d: str) -> int:
        start = T(f"{d}T00:00:00Z")
        return c.elapsed(start, start + 86400)

    assert [day(d) for d in ("2024-12-23", "2024-12-26", "2024-12-27", "2024-12-28")] == [
        0,
        4 * H,
        0,
        2 * H,
    ]
    assert day("2024-12-25") == 0  # Christmas, no special hours
    # Thursday 13:00: one hour left, Friday closed, Saturday's two hours run out at 12:00.
    assert c.due(T("2024-12-26T13:00:00Z"), 3 * H) == T("2024-12-28T12:00:00Z")


def test_part_day_closure_is_cut_out_of_the_days_windows() -> None:
    c = office(closures=[{"date": "2024-03-04", "from": "12:00", "to": "14:00"}])
    assert c.elapsed(T("2024-03-04T00:00:00Z"), T("2024-03-05T00:00:00Z")) == 6 * H
    assert c.due(T("2024-03-04T11:00:00Z"), 2 * H) == T("2024-03-04T15:00:00Z")
    assert not c.is_open(T("2024-03-04T13:00:00Z"))
    assert c.next_open(T("2024-03-04T13:00:00Z")) == T("2024-03-04T14:00:00Z")


def test_closure_cuts_only_the_windows_of_its_own_date() -> None:
    c = night_shift(
        closures=[
            {"date": "2024-03-22", "from": "23:00", "to": "24:00"},  # Friday's own window
            {"date": "2024-03-23", "from": "02:00", "to": "04:00"},  # not Friday's window
        ]
    )
    assert c.elapsed(T("2024-03-22T00:00:00Z"), T("2024-03-24T00:00:00Z")) == 7 * H


# ------------------------------------------------------------------ versions


def test_versions_replace_hours_and_holidays_from_their_effective_date() -> None:
    c = office(
        versions=[
            {"effective_from": "2025-01-01", "holidays": [{"country": "DE"}]},
            {"effective_from": "2024-07-01", "hours": {"mon-fri": [["08:00", "20:00"]]}},
            {"effective_from": "2025-06-01", "holidays": []},
        ]
    )

    def day(d: str) -> int:
        start = T(f"{d}T00:00:00Z")
        return c.elapsed(start, start + 86400)

    assert day("2024-06-28") == 8 * H  # base
    assert day("2024-07-01") == 12 * H  # version 2: longer hours
    assert day("2025-01-01") == 0  # version 3: New Year is a holiday, hours kept
    assert day("2025-01-02") == 12 * H
    assert day("2025-05-01") == 0  # Labour Day
    assert day("2026-05-01") == 12 * H  # version 4: holidays dropped
    assert [c.version_on(date(2024, 6, 30)), c.version_on(date(2024, 7, 1))] == [1, 2]
    assert [c.version_on(date(2025, 1, 1)), c.version_on(date(2030, 1, 1))] == [3, 4]


# ------------------------------------------------------------------ time zones and DST


def test_24x7_in_new_york_counts_23_and_25_hour_days() -> None:
    c = cal(tz="America/New_York", hours={"daily": [["00:00", "24:00"]]})
    # 2024-03-10 (spring forward): local midnight EST 05:00Z to next midnight EDT 04:00Z.
    assert c.elapsed(T("2024-03-10T05:00:00Z"), T("2024-03-11T04:00:00Z")) == 23 * H
    # 2024-11-03 (fall back): local midnight EDT 04:00Z to next midnight EST 05:00Z.
    assert c.elapsed(T("2024-11-03T04:00:00Z"), T("2024-11-04T05:00:00Z")) == 25 * H
    a, b = T("2024-03-01T00:00:00Z"), T("2024-12-01T00:00:00Z")
    assert c.open_intervals(a, b) == [(a, b)]
    assert c.due(T("2024-03-10T06:00:00Z"), 2 * H) == T("2024-03-10T08:00:00Z")


def test_window_bound_in_a_dst_gap_uses_the_offset_before_the_gap() -> None:
    c = cal(tz="America/New_York", hours={"sun": [["02:30", "04:00"]]})
    # 2024-03-10: 02:30 does not exist; read as EST it is 07:30Z (03:30 EDT). 04:00 EDT = 08:00Z.
    assert c.open_intervals(T("2024-03-10T00:00:00Z"), T("2024-03-11T00:00:00Z")) == [
        (T("2024-03-10T07:30:00Z"), T("2024-03-10T08:00:00Z"))
    ]
    # An ordinary Sunday: 02:30 EDT = 06:30Z.
    assert c.elapsed(T("2024-03-17T00:00:00Z"), T("2024-03-18T00:00:00Z")) == 90 * M


def test_window_bound_in_a_repeated_hour_uses_its_first_occurrence() -> None:
    c = cal(tz="America/New_York", hours={"sun": [["01:30", "03:00"]]})
    # 2024-11-03: 01:30 happens twice; the first (EDT) is 05:30Z. 03:00 EST = 08:00Z.
    assert c.open_intervals(T("2024-11-03T00:00:00Z"), T("2024-11-04T00:00:00Z")) == [
        (T("2024-11-03T05:30:00Z"), T("2024-11-03T08:00:00Z"))
    ]


def test_hours_are_read_in_the_calendars_zone() -> None:
    c = cal(tz="Asia/Kolkata", hours={"mon-fri": [["09:00", "17:00"]]})
    # 09:00 IST is 03:30Z.
    assert c.next_open(T("2024-03-04T00:00:00Z")) == T("2024-03-04T03:30:00Z")


# ------------------------------------------------------------------ is_open, next_open, intervals


def test_is_open_treats_intervals_as_half_open() -> None:
    c = office()
    assert c.is_open(T("2024-03-04T09:00:00Z"))
    assert c.is_open(T("2024-03-04T16:59:59Z"))
    assert not c.is_open(T("2024-03-04T17:00:00Z"))
    assert not c.is_open(T("2024-03-04T08:59:59Z"))
    assert not c.is_open(T("2024-03-09T12:00:00Z"))


def test_next_open_is_the_instant_itself_when_open_else_the_next_opening() -> None:
    c = office()
    t = T("2024-03-04T10:15:00Z")
    assert c.next_open(t) == t
    assert c.next_open(T("2024-03-04T17:00:00Z")) == T("2024-03-05T09:00:00Z")
    assert c.next_open(T("2024-03-09T12:00:00Z")) == T("2024-03-11T09:00:00Z")


def test_open_intervals_are_clipped_to_the_range() -> None:
    c = office()
    assert c.open_intervals(T("2024-03-04T12:00:00Z"), T("2024-03-05T10:00:00Z")) == [
        (T("2024-03-04T12:00:00Z"), T("2024-03-04T17:00:00Z")),
        (T("2024-03-05T09:00:00Z"), T("2024-03-05T10:00:00Z")),
    ]
    assert c.open_intervals(T("2024-03-05T10:00:00Z"), T("2024-03-04T12:00:00Z")) == []


# ------------------------------------------------------------------ array forms


def test_array_forms_equal_the_scalar_forms() -> None:
    c = office(
        tz="Europe/Berlin",
        closed_dates=["2024-03-05"],
        holidays=[{"country": "DE"}],
    )
    rng = np.random.default_rng(7)
    lo, hi = T("2023-12-01T00:00:00Z"), T("2025-02-01T00:00:00Z")
    starts = rng.integers(lo, hi, 500, dtype=np.int64)
    ends = starts + rng.integers(-10 * 86400, 40 * 86400, 500, dtype=np.int64)
    seconds = rng.integers(0, 300 * H, 500, dtype=np.int64)
    seconds[:20] = 0
    assert c.elapsed_many(starts, ends).tolist() == [
        c.elapsed(a, b) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    assert c.due_many(starts, seconds).tolist() == [
        c.due(a, s) for a, s in zip(starts.tolist(), seconds.tolist(), strict=True)
    ]


def test_array_forms_accept_empty_and_reject_mismatched_shapes() -> None:
    c = office()
    empty = np.array([], dtype=np.int64)
    assert c.elapsed_many(empty, empty).shape == (0,)
    assert c.due_many(empty, empty).shape == (0,)
    with pytest.raises(ValueError, match="shape"):
        c.elapsed_many(np.array([1]), np.array([1, 2]))
    with pytest.raises(ValueError, match="negative"):
        c.due_many(np.array([T("2024-03-04T10:00:00Z")]), np.array([-1]))


def test_due_many_marks_unreachable_targets_never() -> None:
    c = cal(
        tz="UTC", hours={}, special_hours=[{"date": "2030-01-02", "hours": [["09:00", "10:00"]]}]
    )
    t = T("2024-01-01T00:00:00Z")
    got = c.due_many(np.array([t, t, t]), np.array([1800, 3600, 3601]))
    assert got.tolist() == [T("2030-01-02T09:30:00Z"), T("2030-01-02T10:00:00Z"), NEVER]


def test_compiled_arrays_are_sorted_disjoint_with_cumulative_seconds() -> None:
    c = office()
    a, b = T("2024-03-04T00:00:00Z"), T("2024-03-30T00:00:00Z")
    comp = c.compiled(a, b)
    assert comp.valid_from <= a and b <= comp.valid_until
    assert bool(np.all(comp.ends[:-1] < comp.starts[1:]))
    assert (
        comp.cum.tolist() == np.concatenate([[0], np.cumsum(comp.ends - comp.starts)[:-1]]).tolist()
    )
    assert not comp.starts.flags.writeable


# ------------------------------------------------------------------ lazy compilation


def test_lookups_far_apart_extend_the_compiled_years_in_both_directions() -> None:
    c = office()
    week = (T("2024-03-04T00:00:00Z"), T("2024-03-11T00:00:00Z"))
    assert c.elapsed(*week) == 40 * H
    # Going back 30 years rebuilds the cumulative sums from a new origin.
    assert c.elapsed(T("1994-03-07T00:00:00Z"), T("1994-03-14T00:00:00Z")) == 40 * H
    assert c.elapsed(*week) == 40 * H
    assert c.elapsed(T("2054-03-02T00:00:00Z"), T("2054-03-09T00:00:00Z")) == 40 * H


def test_due_and_next_open_cross_into_a_year_not_yet_compiled() -> None:
    c = office()
    # The first look-up compiles 2024 only; the answers lie in 2025.
    assert c.due(T("2024-12-31T16:00:00Z"), 2 * H) == T("2025-01-01T10:00:00Z")
    assert office().next_open(T("2024-12-31T17:00:00Z")) == T("2025-01-01T09:00:00Z")
    assert office().elapsed(T("2025-01-01T12:00:00Z"), T("2024-12-31T12:00:00Z")) == -8 * H


def test_compiling_ten_years_of_an_office_calendar_takes_well_under_a_second() -> None:
    c = office(tz="Europe/Berlin")
    began = time.perf_counter()
    got = c.elapsed(T("2020-01-06T00:00:00Z"), T("2029-12-31T00:00:00Z"))
    assert time.perf_counter() - began < 1.0
    assert got > 0


def test_instants_outside_the_supported_years_are_rejected() -> None:
    with pytest.raises(ValueError, match="years"):
        office().elapsed(0, 10**12)


# ------------------------------------------------------------------ construction and explanations


def test_from_dict_validates_the_mapping() -> None:
    with pytest.raises(pydantic.ValidationError):
        BusinessCalendar.from_dict("bad", {"tz": "Mars/Olympus", "hours": {}})
    with pytest.raises(pydantic.ValidationError):
        BusinessCalendar.from_dict("bad", {"hours": {"funday": [["09:00", "17:00"]]}})


def test_describe_names_the_zone_and_weekly_hours() -> None:
    c = cal(
        tz="Europe/Berlin",
        hours={"mon-fri": [["09:00", "17:00"]], "sat": [["22:00", "06:00"]]},
        holidays=[{"country": "DE", "subdivision": "BY"}],
        versions=[{"effective_from": "2025-01-01", "hours": {"daily": [["00:00", "24:00"]]}}],
    )
    assert c.describe() == (
        "Europe/Berlin: mon-fri 09:00-17:00; sat 22:00-06:00+1; sun closed; holidays DE-BY"
        " (version 1 of 2)"
    )
    assert c.describe(date(2025, 2, 1)) == (
        "Europe/Berlin: mon-sun 00:00-24:00; holidays DE-BY (version 2 of 2)"
    )
    # each version's line is kept once worked out: asked again, in any order, the same lines
    assert c.describe(date(2024, 12, 31)) == c.describe() != c.describe(date(2026, 1, 1))
    assert c.describe(date(2026, 1, 1)) == c.describe(date(2025, 2, 1))


def test_datetime_conveniences_convert_through_instants() -> None:
    c = office()
    a = datetime(2024, 3, 4, 16, 0, tzinfo=UTC)
    b = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert elapsed_between(c, a, b) == timedelta(hours=2)
    assert due_after(c, a, timedelta(hours=2)) == b
    # A fraction of a second is rounded up: at least that much business time must pass.
    assert due_after(c, a, timedelta(seconds=0.5)) == datetime(2024, 3, 4, 16, 0, 1, tzinfo=UTC)
    assert due_after(cal(tz="UTC", hours={}), a, timedelta(hours=1)) is None
