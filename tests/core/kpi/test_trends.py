"""Trends: the periods of a range partition it, each point is the KPI evaluation's value for
its period and group, and the points' counts add up to the judged clocks of the range."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.kpi.evaluate import evaluate
from accord.core.kpi.frames import RECORDS_SCHEMA
from accord.core.kpi.library import builtin_kpis
from accord.core.kpi.models import KpiSpec
from accord.core.kpi.trends import (
    MAX_TREND_PERIODS,
    local_date,
    periods_between,
    series_kpi,
    trend,
)
from accord.errors import InputError, NotFoundError
from tests.core.engine.helpers import at

AS_OF = at("2026-03-11T12:00:00Z")  # Wednesday of ISO week 11
DAY = 86_400
CATALOG = builtin_kpis(["first_response"])


def _records(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {k: None for k in RECORDS_SCHEMA}
    filled = [
        {**base, "metric": "first_response", "ticket_id": f"T{i}", **r} for i, r in enumerate(rows)
    ]
    return pl.DataFrame(filled, schema=RECORDS_SCHEMA)


def _label(d: date, grain: str) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}" if grain == "week" else f"{d.year}-{d.month:02d}"


@given(
    first=st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    days=st.integers(0, 800),
    grain=st.sampled_from(["week", "month"]),
)
def test_the_number_of_periods_is_that_of_the_distinct_periods_of_the_days(
    first: date, days: int, grain: Any
) -> None:
    last = first + timedelta(days=days)
    labels = {_label(first + timedelta(days=i), grain) for i in range(days + 1)}
    assert periods_between(grain, first, last) == len(labels)
    assert periods_between(grain, last + timedelta(days=40), first) == 0


_RECORD = st.fixed_dictionaries(
    {
        "state": st.sampled_from(["met", "breached", "running"]),
        "target": st.sampled_from([3600, None]),
        "stop": st.integers(AS_OF - 200 * DAY, AS_OF),
        "team": st.sampled_from(["L1", "L2", None]),
        "customer": st.sampled_from(["acme", "globex"]),
    }
)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(_RECORD, max_size=40),
    back=st.integers(0, 190),
    length=st.integers(0, 120),
    grain=st.sampled_from(["week", "month"]),
)
def test_the_points_partition_the_range_and_their_counts_sum_to_the_judged_clocks(
    rows: list[dict[str, Any]], back: int, length: int, grain: Any
) -> None:
    for r in rows:  # a running clock is open: no stop; judged when breached
        if r["state"] == "running":
            r["stop"] = None
    records = _records(rows)
    first = local_date(AS_OF, "UTC") - timedelta(days=back)
    last = first + timedelta(days=length)
    got = trend(
        CATALOG,
        "sla_compliance",
        AS_OF,
        records=records,
        facts=None,
        grain=grain,
        first=first,
        last=last,
    )
    points = got.points
    assert len(points) == min(periods_between(grain, first, last), got.periods)
    assert all(a.end == b.start for a, b in pairwise(points))
    assert at(f"{first}T00:00:00Z") in range(points[0].start, points[0].end)
    end = min(at(f"{last}T00:00:00Z"), AS_OF)
    assert points[-1].start <= end < points[-1].end
    judged = [
        r
        for r in rows
        if r["target"] is not None
        and r["state"] in ("met", "breached")
        and r["stop"] is not None
        and points[0].start <= r["stop"] < points[-1].end
    ]
    assert sum(p.n for p in points) == len(judged)
    met = sum(1 for r in judged if r["state"] == "met")
    for p in points:
        assert (p.value is None) == (p.n == 0)
    assert sum(round((p.value or 0) * p.n) for p in points) == met
    breaches = trend(
        CATALOG, "breaches", AS_OF, records=records, facts=None, grain=grain, first=first, last=last
    )
    per_team = [
        trend(
            CATALOG,
            "breaches",
            AS_OF,
            records=records,
            facts=None,
            grain=grain,
            first=first,
            last=last,
            team=team,
        )
        for team in ("L1", "L2")
    ]
    for i, p in enumerate(breaches.points):
        untagged = sum(
            1
            for r in rows
            if r["team"] is None
            and r["state"] == "breached"
            and r["stop"] is not None
            and p.start <= r["stop"] < p.end
        )
        assert p.value == sum(t.points[i].value or 0 for t in per_team) + untagged


def test_a_point_is_the_evaluations_value_of_its_period_and_group() -> None:
    records = _records(
        [
            {"state": "met", "target": 60, "stop": AS_OF - 9 * DAY, "team": "L1"},
            {"state": "breached", "target": 60, "stop": AS_OF - 8 * DAY, "team": "L1"},
            {"state": "met", "target": 60, "stop": AS_OF - DAY, "team": "L2"},
        ]
    )
    got = trend(
        CATALOG,
        "sla_compliance",
        AS_OF,
        records=records,
        facts=None,
        grain="week",
        first=date(2026, 3, 1),
        last=date(2026, 3, 31),
        team="L1",
    )
    table = evaluate(
        CATALOG,
        AS_OF,
        records=records,
        kpis=["sla_compliance"],
        by=["team"],
        grain="week",
        periods=3,
    ).filter(pl.col("team") == "L1")
    assert [(p.period, p.value, p.n) for p in got.points] == [
        (r["period"], r["value"], r["n"]) for r in table.to_dicts()
    ]
    assert [p.period for p in got.points] == ["2026-W09", "2026-W10", "2026-W11"]
    assert got.points[-1].current and got.periods == 3


def test_an_absent_group_counts_zero_and_shares_nothing_with_bands_from_the_kpi() -> None:
    catalog = {
        **CATALOG,
        "breaches": CATALOG["breaches"].model_copy(update={"target": 2.0}),
    }
    records = _records([{"state": "breached", "target": 60, "stop": AS_OF - DAY, "team": "L1"}])
    counts = trend(
        catalog,
        "breaches",
        AS_OF,
        records=records,
        facts=None,
        grain="month",
        first=date(2026, 2, 1),
        last=date(2026, 3, 31),
        team="nobody",
    )
    assert [(p.value, p.n, p.band) for p in counts.points] == [(0.0, 0, "green")] * 2
    assert counts.target == 2.0 and counts.unit == "count" and counts.direction == "lower"
    shares = trend(
        CATALOG,
        "sla_compliance",
        AS_OF,
        records=records,
        facts=None,
        grain="month",
        first=date(2026, 2, 1),
        last=date(2026, 3, 31),
        team="nobody",
    )
    assert [(p.value, p.band) for p in shares.points] == [(None, None)] * 2


def test_targets_and_bands_come_from_the_kpi() -> None:
    spec = KpiSpec.model_validate(
        {
            **CATALOG["sla_compliance"].model_dump(exclude_unset=True, by_alias=True),
            "target": "95%",
            "bands": {"green": "95%", "amber": "90%"},
        }
    )
    got = trend(
        {"c": spec},
        "c",
        AS_OF,
        records=_records([]),
        facts=None,
        grain="week",
        first=date(2026, 3, 9),
        last=date(2026, 3, 9),
    )
    assert (got.target, got.green, got.amber) == (0.95, 0.95, 0.90)


def test_series_name_their_kpis() -> None:
    assert [series_kpi(s) for s in ("compliance", "breaches", "backlog", "kpi:csat")] == [
        "sla_compliance",
        "breaches",
        "backlog",
        "csat",
    ]
    with pytest.raises(InputError):
        series_kpi("kpi:")


def test_ranges_out_of_reach_are_refused_or_empty() -> None:
    records = _records([])
    with pytest.raises(NotFoundError):
        trend(
            CATALOG,
            "nope",
            AS_OF,
            records=records,
            facts=None,
            grain="week",
            first=date(2026, 3, 1),
            last=date(2026, 3, 2),
        )
    with pytest.raises(InputError, match="before it starts"):
        trend(
            CATALOG,
            "breaches",
            AS_OF,
            records=records,
            facts=None,
            grain="week",
            first=date(2026, 3, 2),
            last=date(2026, 3, 1),
        )
    far = local_date(AS_OF, "UTC") - timedelta(weeks=MAX_TREND_PERIODS + 1)
    with pytest.raises(InputError, match="at most"):
        trend(
            CATALOG,
            "breaches",
            AS_OF,
            records=records,
            facts=None,
            grain="week",
            first=far,
            last=far,
        )
    later = trend(
        CATALOG,
        "breaches",
        AS_OF,
        records=records,
        facts=None,
        grain="week",
        first=date(2026, 4, 1),
        last=date(2026, 4, 30),
    )
    assert later.points == () and later.periods == 0
