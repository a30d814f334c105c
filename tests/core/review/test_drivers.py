"""Breach drivers (accord.core.review.drivers): where the breached clocks' business time went,
against the met clocks; every dimension's parts sum to each clock's business elapsed, and the
clocks behind a row are exactly the ones it counts."""

from __future__ import annotations

import os
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.loader import build_config
from accord.core.config.resolved import Configuration
from accord.core.engine.reference import counted
from accord.core.events import Event
from accord.core.records import State
from accord.core.review.drivers import (
    check_driver_dimensions,
    clock_parts,
    clocks_behind,
    drivers,
    select_clocks,
)
from accord.core.review.window import Window, period_window
from accord.errors import InputError
from tests.core.engine.batch_strategies import configurations, event_logs
from tests.core.engine.helpers import agent_reply, at, created, ev

EXAMPLES = int(os.environ.get("ACCORD_BATCH_EXAMPLES", "100"))

# Mon-Fri 09-17 in Paris (UTC+1 in November)
PARIS = {"tz": "Europe/Paris", "hours": {"mon-fri": [["09:00", "17:00"]]}}


def _config() -> Configuration:
    return build_config(
        {
            "calendars": {"paris": PARIS},
            "policies": [
                {"name": "Standard", "calendar": "paris", "metrics": {"first_response": "2h"}}
            ],
        }
    )


def _log() -> list[Event]:
    # Monday 2026-11-02, 09:00 Paris is 08:00Z.
    # B1: L1 holds 1h, L2 holds 2h, answered at 12:00 local: 3h against 2h, breached.
    # B2: L2 holds 3h, answered: breached. M1: L1 answers within 1h: met.
    return [
        created("2026-11-02T08:00:00Z", ticket="B1", team="L1", assignee="ann"),
        ev("2026-11-02T09:00:00Z", "updated", "agent", ticket="B1", team="L2", assignee="bob"),
        agent_reply("2026-11-02T11:00:00Z", ticket="B1"),
        created("2026-11-03T08:00:00Z", ticket="B2", team="L2", assignee="bob"),
        agent_reply("2026-11-03T11:00:00Z", ticket="B2"),
        created("2026-11-04T08:00:00Z", ticket="M1", team="L1", assignee="ann"),
        agent_reply("2026-11-04T09:00:00Z", ticket="M1"),
        # started in October: outside the window
        created("2026-10-30T08:00:00Z", ticket="O1", team="L2"),
    ]


def _selected() -> list:  # type: ignore[type-arg]
    when = at("2026-11-30T00:00:00Z")
    return select_clocks(counted(_log(), _config(), when), period_window("2026-11"))


def test_the_drivers_rank_the_holders_of_breached_time_against_the_met_time() -> None:
    got = drivers(_selected(), ("team", "assignee"))
    assert (got.breached_clocks, got.met_clocks) == (2, 1)
    assert (got.breached_seconds, got.met_seconds) == (6 * 3600, 3600)
    rows = [(r.dimension, r.value, r.breached_seconds, r.contribution, r.met_share, r.excess,
             r.breached_clocks, r.met_clocks) for r in got.rows]  # fmt: skip
    assert rows == [
        ("team", "L2", 5 * 3600, 83.33, 0.0, 83.33, 2, 0),
        ("team", "L1", 3600, 16.67, 100.0, -83.33, 1, 1),
        ("assignee", "bob", 5 * 3600, 83.33, 0.0, 83.33, 2, 0),
        ("assignee", "ann", 3600, 16.67, 100.0, -83.33, 1, 1),
    ]


def test_hour_and_weekday_are_those_of_the_clocks_calendar_zone() -> None:
    got = drivers(_selected(), ("hour", "weekday"))
    hours = {
        r.value: (r.breached_seconds, r.met_seconds) for r in got.rows if r.dimension == "hour"
    }
    # breached: Monday 09-12 and Tuesday 09-12 local; met: Wednesday 09-10 local
    assert hours == {"09": (7200, 3600), "10": (7200, 0), "11": (7200, 0)}
    days = {
        r.value: (r.breached_seconds, r.met_seconds) for r in got.rows if r.dimension == "weekday"
    }
    assert days == {"Mon": (3 * 3600, 0), "Tue": (3 * 3600, 0), "Wed": (0, 3600)}


def test_a_customer_or_metric_filter_narrows_the_clocks() -> None:
    when = at("2026-11-30T00:00:00Z")
    everything = counted(_log(), _config(), when)
    assert select_clocks(everything, period_window("2026-11"), customer="nobody") == []
    assert select_clocks(everything, period_window("2026-11"), metric="resolution") == []
    assert len(select_clocks(everything, Window())) == 4  # O1 too, without a window


def test_the_clocks_behind_a_row_are_the_ones_it_counts() -> None:
    selected = _selected()
    got = drivers(selected, ("team", "assignee", "hour"))
    for row in got.rows:
        behind = clocks_behind(selected, row.dimension, row.value)
        assert len(behind) == row.breached_clocks + row.met_clocks
        assert sum(b.seconds for b in behind if b.record.state is State.BREACHED) == (
            row.breached_seconds
        )
    l2 = clocks_behind(selected, "team", "L2")
    assert [(b.record.ticket_id, b.seconds) for b in l2] == [("B1", 7200), ("B2", 10800)]
    assert clocks_behind(selected, "team", "L2", state=State.MET) == []


def test_a_dimension_that_cannot_split_time_is_refused() -> None:
    for bad in ([], ["tags"], ["team", "team"], [" team"]):
        with pytest.raises(InputError):
            check_driver_dimensions(bad)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_every_dimensions_parts_sum_to_the_clocks_business_elapsed(data: st.DataObject) -> None:
    config, base = data.draw(configurations())
    events, as_of = data.draw(event_logs(base))
    dims = ("team", "status", "hour", "weekday")
    for rec, pieces in counted(events, config, as_of):
        parts = clock_parts(pieces, dims)
        sums: dict[str, int] = defaultdict(int)
        for (d, _), secs in parts.items():
            sums[d] += secs
        for d in dims:
            assert sums.get(d, 0) == rec.business_elapsed, (rec.ticket_id, rec.metric, d)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_each_rows_calendars_are_those_of_the_clocks_behind_it(data: st.DataObject) -> None:
    # a reader tells a row's time in business days only when these share one business day
    config, base = data.draw(configurations())
    events, as_of = data.draw(event_logs(base))
    selected = select_clocks(counted(events, config, as_of), Window())
    got = drivers(selected, ("team", "hour"))
    assert got.all_calendars == {rec.calendar for rec, _ in selected}
    for row in got.rows:
        behind = clocks_behind(selected, row.dimension, row.value)
        want = {b.record.calendar for b in behind}
        assert got.calendars[(row.dimension, row.value)] == want, row
