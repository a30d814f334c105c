"""Working time added to many instants at once equals walking the calendar day by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.demo.worktime import DAY, HOUR, LocalTime, WorkTable, hour_of, weekday_of

ZONE = "America/New_York"
FIRST = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
LAST = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp())
CLOSED = frozenset({date(2026, 1, 19), date(2026, 3, 9)})  # a Monday off; the DST week
TABLE = WorkTable.build(ZONE, (8, 18), CLOSED, FIRST, LAST)


def _walk(t: int, seconds: int) -> int:
    """The plain definition: weekday hours 8-18 local, closed days off, one day at a time."""
    tz = ZoneInfo(ZONE)
    left = seconds
    while True:
        day = datetime.fromtimestamp(t, tz).date()
        if day.weekday() < 5 and day not in CLOSED:
            opens = int(datetime.combine(day, time(8), tzinfo=tz).timestamp())
            closes = int(datetime.combine(day, time(18), tzinfo=tz).timestamp())
            if t < closes:
                t = max(t, opens)
                if left <= closes - t and (left > 0 or t < closes):
                    return t + left
                left -= closes - t
        t = int(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).timestamp())


@settings(max_examples=300, deadline=None)
@given(
    # 300 working hours are six weeks of 10-hour weekdays: keep the answer inside the table
    st.integers(FIRST, LAST - 60 * DAY),
    st.one_of(st.just(0), st.integers(1, 30 * 10 * HOUR)),
)
def test_adding_working_seconds_matches_walking_the_days(t: int, seconds: int) -> None:
    got = TABLE.add(np.array([t], dtype=np.int64), np.array([seconds], dtype=np.int64))
    assert int(got[0]) == _walk(t, seconds)


def test_zero_seconds_outside_hours_is_the_next_opening() -> None:
    tz = ZoneInfo(ZONE)
    friday_night = int(datetime(2026, 3, 6, 20, 0, tzinfo=tz).timestamp())
    monday_8 = int(datetime(2026, 3, 10, 8, 0, tzinfo=tz).timestamp())  # Monday 9th is closed
    got = TABLE.add(np.array([friday_night]), np.array([0]))
    assert int(got[0]) == monday_8


def test_local_time_follows_daylight_saving() -> None:
    local = LocalTime(ZONE, FIRST, LAST)
    winter = int(datetime(2026, 2, 2, 14, 0, tzinfo=UTC).timestamp())  # 09:00 EST, a Monday
    summer = int(datetime(2026, 4, 6, 13, 0, tzinfo=UTC).timestamp())  # 09:00 EDT, a Monday
    wall = local.local(np.array([winter, summer]))
    assert hour_of(wall).tolist() == [9, 9]
    assert weekday_of(wall).tolist() == [0, 0]
    assert local.utc(wall).tolist() == [winter, summer]
