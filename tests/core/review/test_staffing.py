"""Agents needed per interval of the week (accord.core.review.staffing): Erlang C on each
open interval's load, the backlog released at an opening, what a given number of agents
achieves and where it falls short, and the inputs a plan cannot do without."""

from __future__ import annotations

from datetime import date

import pytest

from accord.core.review.arrivals import Range, group_loads
from accord.core.review.capacity import Queue, agents_needed, best_target, service_level
from accord.core.review.staffing import plan
from accord.errors import InputError
from tests.core.review.logs import DAY, HOUR, MONDAY, WEEK, Log, config

MON_09, MON_10 = 9, 10
FOUR_WEEKS = Range(date(2026, 3, 2), date(2026, 3, 30))
ONE_WEEK = Range(date(2026, 3, 2), date(2026, 3, 9))


def _busy_mondays() -> Log:
    log = Log()
    for week in range(4):  # 80 contacts each Monday 10:00–11:00, spread over the hour
        for k in range(80):
            log.ticket(MONDAY + week * WEEK + 10 * HOUR + k * 45)
    return log


def test_an_open_interval_needs_what_erlang_c_gives_for_its_load() -> None:
    cfg = config()
    loads = group_loads(_busy_mondays().records(cfg, MONDAY + 5 * WEEK), cfg, span=FOUR_WEEKS,
                        target=20)  # fmt: skip
    p = plan(loads, metric="first_response", goal=0.8, aht=180.0, target=20)
    mon = p.groups[0].intervals[MON_10]
    assert mon.arrivals == 80 and mon.erlangs == pytest.approx(4.0)  # 80 × 180 s in 3,600 s
    expected = agents_needed(Queue(4.0, 180.0), 0.8, [(1.0, 20.0)])
    assert mon.agents_needed == expected and mon.limited_by == "queue"
    assert p.groups[0].peak_agents == expected
    quiet = p.groups[0].intervals[MON_10 + 1]
    assert quiet.erlangs == 0 and quiet.agents_needed == 0 and quiet.open_share == 1.0


def test_erlang_a_is_used_when_a_patience_is_given() -> None:
    cfg = config()
    loads = group_loads(_busy_mondays().records(cfg, MONDAY + 5 * WEEK), cfg, span=FOUR_WEEKS,
                        target=20)  # fmt: skip
    p = plan(loads, metric="first_response", goal=0.8, aht=180.0, target=20, patience=60.0)
    expected = agents_needed(Queue(4.0, 180.0, patience=60.0), 0.8, [(1.0, 20.0)])
    assert p.groups[0].intervals[MON_10].agents_needed == expected


def test_with_agents_given_the_plan_shows_what_they_achieve_and_the_shortfalls() -> None:
    cfg = config()
    loads = group_loads(_busy_mondays().records(cfg, MONDAY + 5 * WEEK), cfg, span=FOUR_WEEKS,
                        target=20)  # fmt: skip
    p = plan(loads, metric="first_response", goal=0.8, aht=180.0, target=20, agents=5)
    mon = p.groups[0].intervals[MON_10]
    q = Queue(4.0, 180.0)
    assert mon.service_level == pytest.approx(service_level(q, 5, [(1.0, 20.0)]))
    best = best_target(q, 5, 0.8)
    assert best is not None and mon.best_target_seconds == pytest.approx(best, abs=1)
    needed = agents_needed(q, 0.8, [(1.0, 20.0)])
    assert mon.shortfall == needed - 5 > 0
    assert p.groups[0].shortfalls == [mon]
    # four agents on four Erlang: no target is ever met
    p = plan(loads, metric="first_response", goal=0.8, aht=180.0, target=20, agents=4)
    mon = p.groups[0].intervals[MON_10]
    assert not mon.reachable and mon.best_target_seconds is None


def test_a_weekend_backlog_released_at_the_opening_can_set_the_agents_needed() -> None:
    cfg = config()
    log = Log().many(MONDAY + 5 * DAY + 12 * HOUR, 40)  # Saturday: 40 tickets wait for Monday
    loads = group_loads(log.records(cfg, MONDAY + 2 * WEEK), cfg, span=ONE_WEEK, target=600)
    p = plan(loads, metric="first_response", goal=0.8, aht=1800.0, target=600, agents=25)
    mon = p.groups[0].intervals[MON_09]
    assert mon.deferred == 40 and mon.arrivals == 0
    # 40 contacts at once, each 30 minutes, answered within 10 minutes: only the first round
    # of agents answers in time, so 80 % of 40 needs 32 agents (the spread-out queue of 20
    # Erlang needs fewer)
    assert mon.agents_needed == 32 and mon.limited_by == "opening backlog"
    assert agents_needed(Queue(20.0, 1800.0), 0.8, [(1.0, 600.0)]) < 32
    assert mon.backlog_met == pytest.approx(25 / 40)
    assert mon.shortfall == 7
    # 25 agents answer 80 % of the backlog in two rounds: a target of one handle time
    assert mon.best_target_seconds is not None and mon.best_target_seconds >= 1800
    sat = p.groups[0].intervals[5 * 24 + 12]
    assert sat.arrivals == 40 and sat.erlangs is None and sat.agents_needed == 0
    assert any("closed" in n for n in p.groups[0].notes)


def test_mixed_targets_weigh_the_contacts_held_to_each() -> None:
    cfg = config()
    log = Log()
    for k in range(30):
        log.ticket(MONDAY + 10 * HOUR + k * 100, priority="high" if k % 3 == 0 else "low")
    loads = group_loads(log.records(cfg, MONDAY + 2 * WEEK), cfg, span=ONE_WEEK)
    p = plan(loads, metric="first_response", goal=0.95, aht=1200.0, target=None)
    mon = p.groups[0].intervals[MON_10]
    q = Queue(30 * 1200 / 3600, 1200.0)
    assert mon.agents_needed == agents_needed(q, 0.95, [(10.0, 3600.0), (20.0, 14400.0)])


def test_handle_time_from_agent_work_falls_back_to_every_groups_and_else_asks_for_it() -> None:
    cfg = config()
    log = (
        Log()
        .ticket(MONDAY + 10 * HOUR, team="a", solved_after=600)
        .ticket(MONDAY + 10 * HOUR, team="b")  # nothing finished in team b
    )
    loads = group_loads(log.records(cfg, MONDAY + WEEK), cfg, by="team", span=ONE_WEEK)
    p = plan(loads, metric="first_response", goal=0.8, aht=None, target=None)
    assert [(g.aht_seconds, g.aht_source) for g in p.groups] == [
        (600.0, "agent_work of 1 ticket(s)"),
        (600.0, "agent_work of all groups (1 ticket(s))"),
    ]
    assert any("upper bound" in n for n in p.notes)
    open_only = group_loads(Log().ticket(MONDAY + 10 * HOUR).records(cfg, MONDAY + WEEK), cfg)
    with pytest.raises(InputError, match="--aht"):
        plan(open_only, metric="first_response", goal=0.8, aht=None, target=None)


def test_arrivals_without_any_target_need_one_given() -> None:
    cfg = config(first_response=None)
    loads = group_loads(Log().ticket(MONDAY + 10 * HOUR).records(cfg, MONDAY + WEEK), cfg)
    with pytest.raises(InputError, match="--target"):
        plan(loads, metric="first_response", goal=0.8, aht=600.0, target=None)
    for goal in (0.0, 1.0):
        with pytest.raises(InputError, match="goal"):
            plan(loads, metric="first_response", goal=goal, aht=600.0, target=60)


def test_an_interval_is_short_of_agents_exactly_when_its_service_level_is_below_the_goal() -> None:
    cfg = config()
    log = Log()
    for week in range(4):  # each Monday: a weekend backlog of 6, then 20 live in 09:00–10:00
        log.many(MONDAY + week * WEEK - 2 * DAY + 12 * HOUR, 6)
        for k in range(20):
            log.ticket(MONDAY + week * WEEK + 9 * HOUR + k * 180)
    span = Range(date(2026, 2, 28), date(2026, 3, 30))
    loads = group_loads(log.records(cfg, MONDAY + 5 * WEEK), cfg, span=span, target=60)
    seen = set()
    for agents in range(0, 9):
        p = plan(loads, metric="first_response", goal=0.8, aht=180.0, target=60, agents=agents)
        mon = p.groups[0].intervals[MON_09]
        assert mon.deferred == 6 and mon.arrivals == 20
        assert mon.service_level is not None
        assert (mon.shortfall > 0) == (mon.service_level < 0.8), (agents, mon)
        seen.add(mon.limited_by)
    assert seen == {"opening backlog"}  # the backlog of 6, answered within a minute, needs 5
