"""The workload per interval of the week (accord.core.review.arrivals): counted in the
calendar's zone, averaged over the wall time each interval covered (DST included), deferred
from closed time to the next opening, handle time from agent_work, and the range options."""

from __future__ import annotations

from datetime import date

import pytest

from accord.core.config.loader import build_config
from accord.core.review.arrivals import (
    Range,
    group_loads,
    interval_seconds,
    label,
    parse_bound,
    parse_period,
    parse_target,
)
from accord.core.timeutil import parse_as_of
from accord.errors import InputError
from tests.core.review.logs import DAY, HOUR, MONDAY, WEEK, Log, config

MON_10 = 10  # the slot of Monday 10:00–11:00 with hourly intervals
MON_09 = 9
SAT_13 = 5 * 24 + 13


def _four_weeks() -> Range:
    return Range(date(2026, 3, 2), date(2026, 3, 30))


def test_arrivals_are_counted_per_interval_of_the_week_in_the_calendars_zone() -> None:
    cfg = config()
    log = Log()
    for week in range(4):  # Mondays 10:15 in Berlin, 09:15 UTC
        log.many(MONDAY + week * WEEK + 10 * HOUR + 15 * 60, 2, priority="high")
    loads = group_loads(log.records(cfg, MONDAY + 5 * WEEK), cfg, span=_four_weeks())
    assert len(loads) == 1
    g = loads[0]
    assert (g.calendar, g.tz, g.group) == ("berlin", "Europe/Berlin", None)
    assert g.intervals[MON_10].arrivals == 8 and g.intervals[MON_10].live == 8
    assert g.intervals[MON_10].exposure == 4 * HOUR  # four Mondays
    assert g.intervals[MON_10].open_seconds == 4 * HOUR
    assert g.intervals[MON_10].targets == {HOUR: 8}
    assert sum(i.arrivals for i in g.intervals) == 8
    assert label(MON_10, HOUR) == ("Mon", "10:00", "11:00")


def test_an_arrival_while_closed_is_work_for_the_interval_of_the_next_opening() -> None:
    cfg = config()
    log = Log().ticket(MONDAY + 5 * DAY + 13 * HOUR + 5 * 60)  # Saturday 13:05 Berlin
    g = group_loads(log.records(cfg, MONDAY + 2 * WEEK), cfg, span=Range(date(2026, 3, 2),
                    date(2026, 3, 16)))[0]  # fmt: skip
    assert g.intervals[SAT_13].arrivals == 1 and g.intervals[SAT_13].live == 0
    assert g.intervals[SAT_13].deferred_in == 0 and not g.intervals[SAT_13].targets
    monday = g.intervals[MON_09]
    assert monday.deferred_in == 1 and monday.arrivals == 0
    assert monday.targets == {4 * HOUR: 1}  # the default priority's target
    assert monday.openings == 2  # two Mondays opened at 09:00 in the range
    assert g.deferred == 1


def test_each_interval_is_averaged_over_the_wall_time_it_covered_across_dst() -> None:
    cfg = config()
    log = Log().ticket(parse_as_of("2026-03-24T10:00:00Z"))
    # two weeks over Berlin's spring change (Sunday 29 March, 02:00 → 03:00)
    g = group_loads(log.records(cfg, MONDAY + 6 * WEEK), cfg,
                    span=Range(date(2026, 3, 23), date(2026, 4, 6)))[0]  # fmt: skip
    sun = 6 * 24
    assert g.intervals[sun + 2].exposure == HOUR  # 02:00 did not happen on the 29th
    assert g.intervals[sun + 3].exposure == 2 * HOUR
    assert g.intervals[MON_10].exposure == 2 * HOUR
    assert sum(i.exposure for i in g.intervals) == 2 * WEEK - HOUR
    # and over the autumn change (Sunday 25 October, 03:00 → 02:00): 02:00 happens twice
    log = Log().ticket(parse_as_of("2026-10-20T10:00:00Z"))
    g = group_loads(log.records(cfg, parse_as_of("2026-12-01T00:00:00Z")), cfg,
                    span=Range(date(2026, 10, 19), date(2026, 11, 2)))[0]  # fmt: skip
    assert g.intervals[sun + 2].exposure == 3 * HOUR
    assert sum(i.exposure for i in g.intervals) == 2 * WEEK + HOUR


def test_groups_are_per_team_and_per_calendar_of_the_policy_that_applies() -> None:
    cfg = config()
    log = (
        Log()
        .ticket(MONDAY + 10 * HOUR, team="a")
        .ticket(MONDAY + 11 * HOUR, team="b")
        .ticket(MONDAY + 12 * HOUR, team="night")  # the Night policy: 24×7 UTC
    )
    loads = group_loads(log.records(cfg, MONDAY + WEEK), cfg, by="team",
                        span=Range(date(2026, 3, 2), date(2026, 3, 9)))  # fmt: skip
    assert [(g.group, g.calendar, g.arrivals) for g in loads] == [
        ("a", "berlin", 1), ("b", "berlin", 1), ("night", "always", 1)]  # fmt: skip
    night = loads[2]
    assert night.tz == "UTC" and night.intervals[11].arrivals == 1  # 11:00 UTC
    assert night.intervals[11].targets == {30 * 60: 1}


def test_handle_time_is_agent_work_of_finished_tickets_per_arrival() -> None:
    cfg = config()
    log = (
        Log()
        .ticket(MONDAY + 10 * HOUR, solved_after=30 * 60)
        .ticket(MONDAY + 11 * HOUR, solved_after=10 * 60)
        .ticket(MONDAY + 12 * HOUR)  # still open: its agent_work is not known yet
    )
    g = group_loads(log.records(cfg, MONDAY + WEEK), cfg)[0]
    assert (g.work_seconds, g.work_tickets, g.work_arrivals) == (40 * 60, 2, 2)
    assert g.aht_seconds == 20 * 60


def test_the_default_range_is_the_days_of_the_whole_log_in_each_zone() -> None:
    cfg = config()
    log = Log().ticket(MONDAY + 10 * HOUR).ticket(MONDAY + 9 * DAY + 10 * HOUR)
    g = group_loads(log.records(cfg, MONDAY + 3 * WEEK), cfg)[0]
    assert g.start == MONDAY and g.end == MONDAY + 10 * DAY


def test_a_given_target_replaces_each_arrivals_own() -> None:
    cfg = config()
    log = Log().ticket(MONDAY + 10 * HOUR, priority="high").ticket(MONDAY + 10 * HOUR)
    g = group_loads(log.records(cfg, MONDAY + WEEK), cfg, target=20 * 60)[0]
    assert g.intervals[MON_10].targets == {20 * 60: 2}


def test_a_range_with_no_arrivals_gives_no_group_and_a_bad_range_is_refused() -> None:
    cfg = config()
    records = Log().ticket(MONDAY + 10 * HOUR).records(cfg, MONDAY + WEEK)
    assert group_loads(records, cfg, span=Range(date(2027, 1, 1), date(2027, 2, 1))) == []
    with pytest.raises(InputError, match="ends before"):
        group_loads(records, cfg, span=Range(date(2026, 3, 9), date(2026, 3, 2)))
    with pytest.raises(InputError, match="too long"):
        group_loads(records, cfg, span=Range(date(2020, 1, 1), date(2026, 3, 2)))
    with pytest.raises(InputError, match="no policy measures"):
        group_loads(records, cfg, metric="nope")
    with pytest.raises(InputError, match="team or channel"):
        group_loads(records, cfg, by="customer")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("label_", "first", "end"),
    [
        ("2026", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026-q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-09", date(2026, 9, 1), date(2026, 10, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-W05", date(2026, 1, 26), date(2026, 2, 2)),
    ],
)
def test_periods_name_local_dates(label_: str, first: date, end: date) -> None:
    assert parse_period(label_) == (first, end)


@pytest.mark.parametrize("bad", ["", "26-Q1", "2026-Q5", "2026-13", "2026-W60", "9999", "x"])
def test_a_bad_period_says_how_to_write_one(bad: str) -> None:
    with pytest.raises(InputError, match="not a period"):
        parse_period(bad)


def test_targets_bounds_and_intervals_parse_or_say_why_not() -> None:
    assert parse_target("first_response=1h") == ("first_response", 3600)
    assert parse_target("next_reply") == ("next_reply", None)
    for bad in ("=1h", "first_response=soon"):
        with pytest.raises(InputError):
            parse_target(bad)
    assert parse_bound("2026-07-01", end=False) == date(2026, 7, 1)
    assert parse_bound("2026-07-31", end=True) == date(2026, 8, 1)  # the day is included
    assert parse_bound("2026-07-01T00:00:00Z", end=True) == parse_as_of("2026-07-01T00:00:00Z")
    for bad in ("July", "2026-07-01T00:00:00", "0001-01-01", "9999-01-01T00:00:00Z"):
        with pytest.raises(InputError):
            parse_bound(bad, end=False)
    assert interval_seconds(1800) == 1800
    for bad in (0, 59, 90, 7 * 3600, 2 * 86_400):
        with pytest.raises(InputError, match="divide a day"):
            interval_seconds(bad)


def test_an_arrival_after_the_calendars_last_opening_is_left_out_and_said() -> None:
    cfg = build_config(
        {
            "calendars": {"c": {"tz": "UTC", "hours": {"mon-fri": [["09:00", "17:00"]]},
                                "versions": [{"effective_from": "2026-03-05", "hours": {}}]}},
            "policies": [{"name": "P", "calendar": "c", "metrics": {"first_response": "1h"}}],
        }
    )  # fmt: skip
    at = parse_as_of("2026-03-02T18:00:00Z")  # Monday evening: picked up Tuesday 09:00
    log = Log().ticket(at).ticket(parse_as_of("2026-03-06T10:00:00Z"))  # never opens again
    (g,) = group_loads(log.records(cfg, at + WEEK), cfg)
    assert g.never_open == 1 and g.arrivals == 2
    assert g.intervals[24 + 9].deferred_in == 1  # Tuesday 09:00 UTC
    assert g.notes == ("1 arrival(s) came after the calendar's last opening: left out",)
