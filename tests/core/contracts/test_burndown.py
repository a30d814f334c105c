"""Error-budget burn-down: days partition the period up to as-of at local midnights, each
breach is charged to the day it breached, and the last day's budget left is the statement's."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.contracts.burndown import burndown, day_bounds
from accord.core.contracts.statement import build_statement
from accord.core.records import MetricRecord
from tests.core.contracts.helpers import DAY, HOUR, clock, contract, t

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]


@settings(deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.integers(t("2020-01-01T00:00:00Z"), t("2030-01-01T00:00:00Z")),
    days=st.integers(1, 95),
    into=st.floats(0, 1.2),
)
def test_days_partition_the_period_up_to_as_of_at_local_midnights(
    zone: str, start: int, days: int, into: float
) -> None:
    end = start + days * DAY + 5 * HOUR
    as_of = start + int((end - start) * into)
    bounds = day_bounds(start, end, zone, as_of)
    assert bounds[0] == start and all(a < b for a, b in pairwise(bounds))
    assert bounds[-1] == end or bounds[-1] > as_of >= bounds[-2]
    if as_of >= end:
        assert bounds[-1] == end
    info = ZoneInfo(zone)
    for cut in bounds[1:-1]:
        local = datetime.fromtimestamp(cut, info)
        # a local midnight, or the first instant of a day that has none
        before = datetime.fromtimestamp(cut - 1, info)
        assert local.date() != before.date()
    for a, b in pairwise(bounds[1:-1]):
        assert 22 * HOUR <= b - a <= 26 * HOUR  # one local day, DST changes included


def _records() -> list[MetricRecord]:
    return [
        clock("A", stop=t("2026-10-02T10:00:00Z")),
        clock("B", stop=t("2026-10-02T12:00:00Z"), breached=True),
        clock("C", stop=t("2026-10-05T12:00:00Z"), breached=True),
        # breached in September, stopped in October: counts in October, charged to its first day
        clock(
            "D",
            stop=t("2026-10-03T09:00:00Z"),
            breached=True,
            start=t("2026-09-30T09:00:00Z"),
            elapsed=3 * DAY,
        ),
        clock(
            "E",
            stop=None,
            breached=True,
            breached_at=t("2026-10-06T08:00:00Z"),
            start=t("2026-10-06T07:00:00Z"),
        ),
        clock("F", stop=t("2026-10-06T09:00:00Z")),
        clock("G", stop=t("2026-10-06T09:30:00Z")),
    ]


def test_each_breach_is_charged_to_the_day_it_breached() -> None:
    spec = contract(objectives={"few": {"metric": "first_response", "max_breaches": 5}})
    as_of = t("2026-10-06T12:00:00Z")
    got = burndown("acme", spec, _records(), None, as_of, "2026-10").objectives[0]
    assert got.budget is not None and got.budget.allowed == 5
    assert [(d.date, d.breaches, d.remaining) for d in got.days] == [
        ("2026-10-01", 1, 4),
        ("2026-10-02", 1, 3),
        ("2026-10-03", 0, 3),
        ("2026-10-04", 0, 3),
        ("2026-10-05", 1, 2),
        ("2026-10-06", 1, 1),
    ]


def test_the_last_day_leaves_the_statements_remaining_budget() -> None:
    spec = contract(
        objectives={
            "share": {"metric": "first_response", "met_share": "50%"},
            "few": {"metric": "first_response", "max_breaches": 2},
            "median": {"metric": "first_response", "statistic": "median", "max": "1h"},
        }
    )
    for as_of in (t("2026-10-06T12:00:00Z"), t("2026-11-01T00:00:00Z")):
        got = burndown("acme", spec, _records(), None, as_of, "2026-10")
        statement = build_statement("acme", spec, _records(), None, as_of, "2026-10")
        for b, o in zip(got.objectives, statement.objectives, strict=True):
            assert b.budget == o.budget
            if o.budget is None:
                assert b.days == ()
                continue
            assert b.days[-1].remaining == o.budget.remaining
            assert sum(d.breaches for d in b.days) == o.budget.used
        assert got.final == (as_of >= got.end)


def test_an_even_burn_falls_from_the_budget_to_zero_over_the_period() -> None:
    spec = contract(objectives={"few": {"metric": "first_response", "max_breaches": 31}})
    got = burndown("acme", spec, [], None, t("2026-11-01T00:00:00Z"), "2026-10").objectives[0]
    assert [d.even for d in got.days] == [31 - i - 1 for i in range(31)]
    assert got.days[0].start == t("2026-10-01T00:00:00Z") and got.days[-1].date == "2026-10-31"
    assert all(d.end - d.start == DAY for d in got.days)
