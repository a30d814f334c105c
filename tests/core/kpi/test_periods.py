"""Period grids: local calendar periods in IANA zones across DST and month ends, rolling
windows, labels, the current period's elapsed share, and the bucketed look-up."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.kpi.models import PeriodSpec
from accord.core.kpi.periods import period_grid
from tests.core.engine.helpers import at


def test_a_new_york_week_holding_the_dst_change_is_167_hours_between_local_midnights() -> None:
    # 2026-03-08: clocks in New York go from 02:00 EST to 03:00 EDT
    grid = period_grid(
        PeriodSpec(grain="week", tz="America/New_York"), at("2026-03-11T12:00:00Z"), 2
    )
    assert grid.labels == ("2026-W10", "2026-W11")
    start, end = int(grid.bounds[0]), int(grid.bounds[1])
    assert start == at("2026-03-02T05:00:00Z")  # Monday 00:00 EST
    assert end == at("2026-03-09T04:00:00Z")  # Monday 00:00 EDT
    assert end - start == 167 * 3600
    sunday_late = at("2026-03-09T03:59:59Z")  # Sunday 23:59:59 EDT
    monday = at("2026-03-09T04:00:00Z")
    assert grid.index(np.array([sunday_late, monday])).tolist() == [0, 1]
    assert grid.days.tolist() == [7.0, 7.0]


def test_a_tokyo_month_ends_at_local_midnight_not_at_utc_midnight() -> None:
    grid = period_grid(PeriodSpec(grain="month", tz="Asia/Tokyo"), at("2026-04-10T00:00:00Z"), 2)
    assert grid.labels == ("2026-03", "2026-04")
    assert int(grid.bounds[1]) == at("2026-03-31T15:00:00Z")  # 2026-04-01 00:00 JST
    got = grid.index(np.array([at("2026-03-31T14:59:59Z"), at("2026-03-31T15:00:00Z")]))
    assert got.tolist() == [0, 1]
    assert grid.days.tolist() == [31.0, 30.0]


def test_iso_weeks_cross_the_year_and_quarters_and_days_have_their_labels() -> None:
    weeks = period_grid(PeriodSpec(grain="week"), at("2026-01-02T00:00:00Z"), 2)
    assert weeks.labels == ("2025-W52", "2026-W01")  # W01 starts Monday 2025-12-29
    quarters = period_grid(
        PeriodSpec(grain="quarter", tz="Europe/Berlin"), at("2026-04-01T00:00:00Z"), 2
    )
    assert quarters.labels == ("2026-Q1", "2026-Q2")
    assert int(quarters.bounds[1]) == at("2026-03-31T22:00:00Z")  # 00:00 CEST
    days = period_grid(PeriodSpec(grain="day", tz="Europe/Berlin"), at("2026-03-29T12:00:00Z"), 2)
    assert days.labels == ("2026-03-28", "2026-03-29")
    assert int(days.bounds[2] - days.bounds[1]) == 23 * 3600  # the spring-forward day


def test_the_current_period_has_its_elapsed_share_with_as_of_included() -> None:
    as_of = at("2026-03-04T12:00:00Z")  # Wednesday noon, UTC weeks
    grid = period_grid(PeriodSpec(grain="week"), as_of, 3)
    assert grid.current == 2
    assert grid.elapsed[:2].tolist() == [1.0, 1.0]
    assert grid.elapsed[2] == pytest.approx((2.5 * 86400 + 1) / (7 * 86400))
    assert grid.snapshot_ends()[2] == as_of + 1


def test_rolling_windows_end_at_as_of_and_are_never_unfinished() -> None:
    as_of = at("2026-03-04T12:00:00Z")
    grid = period_grid(PeriodSpec(rolling=7), as_of, 2)
    assert grid.bounds.tolist() == [as_of + 1 - 14 * 86400, as_of + 1 - 7 * 86400, as_of + 1]
    assert grid.current is None
    assert grid.index(np.array([as_of, as_of + 1, as_of - 7 * 86400])).tolist() == [1, -1, 0]


@settings(max_examples=60, deadline=None)
@given(
    spec=st.sampled_from(
        [
            PeriodSpec(grain="day", tz="America/New_York"),
            PeriodSpec(grain="week", tz="Australia/Lord_Howe"),  # 30-minute DST shifts
            PeriodSpec(grain="month", tz="Asia/Tokyo"),
            PeriodSpec(grain="quarter", tz="America/Santiago"),
            PeriodSpec(rolling=3),
        ]
    ),
    as_of=st.integers(at("2020-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z")),
    count=st.integers(1, 30),
    seed=st.integers(0, 1000),
)
def test_bucketed_period_lookup_equals_a_binary_search(
    spec: PeriodSpec, as_of: int, count: int, seed: int
) -> None:
    grid = period_grid(spec, as_of, count)
    rng = np.random.default_rng(seed)
    t = rng.integers(int(grid.bounds[0]) - 86400, int(grid.bounds[-1]) + 86400, 2000)
    t = np.concatenate([t, grid.bounds, grid.bounds - 1, [-(2**62)]])
    want = np.searchsorted(grid.bounds, t, side="right") - 1
    want[(want < 0) | (want >= grid.count)] = -1
    assert grid.index(t).tolist() == want.tolist()
