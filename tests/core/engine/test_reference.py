"""Rules of the reference engine beyond the worked scenarios (tests/test_scenarios.py)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.config.loader import build_config
from accord.core.engine import compute
from accord.core.records import State
from tests.core.engine.helpers import (
    C1,
    agent_reply,
    at,
    config,
    created,
    customer_msg,
    ev,
    note,
    status,
)


def one(records: list, metric: str, cycle: int = 1):  # type: ignore[no-untyped-def]
    found = [r for r in records if r.metric == metric and r.cycle == cycle]
    assert len(found) == 1, [(r.metric, r.cycle) for r in records]
    return found[0]


def test_internal_note_does_not_stop_first_response() -> None:
    cfg = config({"first_response": "1h"})
    evs = [created("2024-03-04T10:00:00Z"), note("2024-03-04T10:10:00Z"),
           agent_reply("2024-03-04T10:40:00Z")]  # fmt: skip
    r = one(compute(evs, cfg, at("2024-03-04T12:00:00Z")), "first_response")
    assert r.state is State.MET
    assert r.business_elapsed == 40 * 60
    assert [s.what for s in r.explanation] == ["start", "stop"]


def test_events_after_as_of_do_not_exist() -> None:
    cfg = config({"first_response": "1h"})
    evs = [created("2024-03-04T10:00:00Z"), agent_reply("2024-03-04T10:40:00Z")]
    r = one(compute(evs, cfg, at("2024-03-04T10:30:00Z")), "first_response")
    assert r.state is State.RUNNING
    assert r.business_elapsed == 30 * 60
    assert r.due == at("2024-03-04T11:00:00Z")
    assert compute(evs, cfg, at("2024-03-04T09:00:00Z")) == []


def test_arrival_order_does_not_change_results() -> None:
    cfg = config({"resolution": {"targets": {"default": "4h"}, "pause": ["pending"]},
                  "first_response": "1h", "next_reply": "1h"})  # fmt: skip
    evs = [
        created("2024-03-04T09:00:00Z"),
        agent_reply("2024-03-04T09:20:00Z"),
        status("2024-03-04T09:21:00Z", "pending"),
        customer_msg("2024-03-04T11:00:00Z"),
        status("2024-03-04T11:00:00Z", "open"),
        agent_reply("2024-03-04T13:00:00Z"),
        status("2024-03-04T14:00:00Z", "solved"),
    ]
    as_of = at("2024-03-05T00:00:00Z")
    expected = compute(evs, cfg, as_of)
    shuffled = list(evs)
    random.Random(3).shuffle(shuffled)
    assert compute(shuffled, cfg, as_of) == expected


def test_ties_on_ts_are_broken_by_arrival() -> None:
    cfg = config({"first_response": "1h"})
    c = created("2024-03-04T09:00:00Z")
    solve = ev("2024-03-04T10:00:00Z", "updated", "agent", seq=100, status="solved")
    reply = ev("2024-03-04T10:00:00Z", "message", "agent", True, seq=99)
    r = one(compute([c, solve, reply], cfg, at("2024-03-05T00:00:00Z")), "first_response")
    assert r.state is State.MET  # the reply arrived first, so it answered the ticket


def test_solving_without_reply_cancels_first_response_unless_already_late() -> None:
    cfg = config({"first_response": "1h"})
    early = [created("2024-03-04T09:00:00Z"), status("2024-03-04T09:30:00Z", "solved")]
    r = one(compute(early, cfg, at("2024-03-05T00:00:00Z")), "first_response")
    assert r.state is State.CANCELLED
    late = [created("2024-03-04T09:00:00Z", ticket="T1"), status("2024-03-04T11:00:00Z", "solved")]
    r = one(compute(late, cfg, at("2024-03-05T00:00:00Z")), "first_response")
    assert r.state is State.BREACHED
    assert r.breached_at == at("2024-03-04T10:00:00Z")


def test_deleted_ticket_cancels_its_open_clocks() -> None:
    cfg = config({"resolution": "8h"})
    evs = [created("2024-03-04T09:00:00Z"), ev("2024-03-04T10:00:00Z", "deleted", "agent")]
    r = one(compute(evs, cfg, at("2024-03-06T00:00:00Z")), "resolution")
    assert r.state is State.CANCELLED
    assert r.business_elapsed == 3600


def test_paused_clock_reports_paused_state_and_no_due() -> None:
    cfg = config({"resolution": {"targets": {"default": "4h"}, "pause": ["pending"]}})
    evs = [created("2024-03-04T09:00:00Z"), status("2024-03-04T10:00:00Z", "pending")]
    r = one(compute(evs, cfg, at("2024-03-04T15:00:00Z")), "resolution")
    assert r.state is State.PAUSED
    assert r.due is None
    assert r.business_elapsed == 3600
    assert r.paused_business == 5 * 3600
    assert [s.what for s in r.explanation] == ["start", "pause"]


def test_policy_default_pause_set_is_overridable_per_metric() -> None:
    cfg = config(
        {"resolution": "8h", "first_response": {"targets": {"default": "8h"}, "pause": []}},
        pause=["pending"],
    )
    evs = [created("2024-03-04T09:00:00Z"), status("2024-03-04T10:00:00Z", "pending")]
    recs = compute(evs, cfg, at("2024-03-04T12:00:00Z"))
    assert one(recs, "resolution").business_elapsed == 3600
    assert one(recs, "first_response").business_elapsed == 3 * 3600


def test_warnings_reached_by_share_and_remaining_time() -> None:
    cfg = config({"first_response": "4h"},
                 warnings={"shares": [0.5, 0.75], "remaining": ["30m"]})  # fmt: skip
    evs = [created("2024-03-04T09:00:00Z")]
    r = one(compute(evs, cfg, at("2024-03-04T12:40:00Z")), "first_response")
    assert [(w.threshold, w.at) for w in r.warnings] == [
        ("50%", at("2024-03-04T11:00:00Z")),
        ("75%", at("2024-03-04T12:00:00Z")),
        ("30m left", at("2024-03-04T12:30:00Z")),
    ]
    assert r.state is State.RUNNING


def test_next_reply_ignores_customer_messages_before_first_agent_reply() -> None:
    cfg = config({"next_reply": "1h", "first_response": "1h"})
    evs = [created("2024-03-04T09:00:00Z"), customer_msg("2024-03-04T09:05:00Z"),
           agent_reply("2024-03-04T09:30:00Z"), customer_msg("2024-03-04T10:00:00Z"),
           agent_reply("2024-03-04T10:20:00Z"), customer_msg("2024-03-04T11:00:00Z"),
           agent_reply("2024-03-04T11:50:00Z")]  # fmt: skip
    recs = [r for r in compute(evs, cfg, at("2024-03-04T12:00:00Z")) if r.metric == "next_reply"]
    assert [(r.start, r.business_elapsed, r.state) for r in recs] == [
        (at("2024-03-04T10:00:00Z"), 20 * 60, State.MET),
        (at("2024-03-04T11:00:00Z"), 50 * 60, State.MET),
    ]


def test_periodic_update_runs_between_agent_replies_while_unsolved() -> None:
    cfg = config({"periodic_update": "2h"})
    evs = [created("2024-03-04T09:00:00Z"), agent_reply("2024-03-04T09:30:00Z"),
           agent_reply("2024-03-04T12:00:00Z"), status("2024-03-04T13:00:00Z", "solved"),
           agent_reply("2024-03-04T14:00:00Z")]  # fmt: skip
    recs = [r for r in compute(evs, cfg, at("2024-03-04T16:00:00Z"))
            if r.metric == "periodic_update"]  # fmt: skip
    assert [(r.business_elapsed, r.state) for r in recs] == [
        (150 * 60, State.BREACHED),
        (60 * 60, State.CANCELLED),
    ]
    assert recs[-1].breached_now is False
    assert recs[-1].ever_breached is True


def test_time_to_own_stops_at_first_assignment() -> None:
    cfg = config({"time_to_own": "1h"})
    evs = [created("2024-03-04T09:00:00Z"), ev("2024-03-04T09:45:00Z", "updated", "agent",
                                               assignee="ana")]  # fmt: skip
    r = one(compute(evs, cfg, at("2024-03-04T12:00:00Z")), "time_to_own")
    assert (r.state, r.business_elapsed, r.assignee) == (State.MET, 45 * 60, "ana")
    born_owned = [created("2024-03-04T09:00:00Z", ticket="T2", assignee="bo")]
    r2 = one(compute(born_owned, cfg, at("2024-03-04T12:00:00Z")), "time_to_own")
    assert (r2.state, r2.business_elapsed) == (State.MET, 0)


def test_policy_switch_keeps_elapsed_and_is_explained() -> None:
    cfg = build_config(
        {
            "calendars": {"C1": C1},
            "policies": [
                {"name": "Gold", "when": {"customer": "acme"}, "calendar": "C1",
                 "metrics": {"first_response": "30m"}},
                {"name": "Standard", "calendar": "C1", "metrics": {"first_response": "4h"}},
            ],
        }
    )  # fmt: skip
    evs = [created("2024-03-04T09:00:00Z"),
           ev("2024-03-04T09:20:00Z", "updated", "agent", customer="acme"),
           agent_reply("2024-03-04T09:40:00Z")]  # fmt: skip
    r = one(compute(evs, cfg, at("2024-03-04T12:00:00Z")), "first_response")
    assert (r.policy, r.target, r.business_elapsed, r.state) == ("Gold", 1800, 2400, State.BREACHED)
    assert r.breached_at == at("2024-03-04T09:30:00Z")
    policy_steps = [s.detail for s in r.explanation if s.what == "policy"]
    assert policy_steps and "Standard → Gold" in policy_steps[0]
    assert "customer" in policy_steps[0]


def test_policy_versions_judge_each_event_by_the_version_in_force() -> None:
    cfg = build_config(
        {
            "calendars": {"C1": C1},
            "policies": [
                {"name": "Standard", "calendar": "C1", "metrics": {"first_response": "4h"},
                 "versions": [{"effective_from": "2024-03-05T00:00:00Z",
                               "metrics": {"first_response": "1h"}}]},
            ],
        }
    )  # fmt: skip
    before = [created("2024-03-04T09:00:00Z"), agent_reply("2024-03-04T11:00:00Z")]
    after = [created("2024-03-05T09:00:00Z", ticket="T2"),
             agent_reply("2024-03-05T11:00:00Z", ticket="T2")]  # fmt: skip
    recs = compute(before + after, cfg, at("2024-03-06T00:00:00Z"))
    by_ticket = {r.ticket_id: r for r in recs}
    assert (by_ticket["T1"].policy_version, by_ticket["T1"].state) == (1, State.MET)
    assert (by_ticket["T2"].policy_version, by_ticket["T2"].state) == (2, State.BREACHED)


def test_metric_missing_from_final_policy_is_cancelled() -> None:
    cfg = build_config(
        {
            "calendars": {"C1": C1},
            "policies": [
                {"name": "NoFR", "when": {"type": "task"}, "calendar": "C1",
                 "metrics": {"resolution": "8h"}},
                {"name": "Standard", "calendar": "C1",
                 "metrics": {"first_response": "4h", "resolution": "8h"}},
            ],
        }
    )  # fmt: skip
    evs = [created("2024-03-04T09:00:00Z"), ev("2024-03-04T10:00:00Z", "updated", "agent",
                                               type="task")]  # fmt: skip
    r = one(compute(evs, cfg, at("2024-03-04T12:00:00Z")), "first_response")
    assert r.state is State.CANCELLED
    assert r.business_elapsed == 3600


def test_no_matching_policy_means_no_records() -> None:
    cfg = build_config(
        {
            "calendars": {"C1": C1},
            "policies": [{"name": "Gold", "when": {"customer": "acme"}, "calendar": "C1",
                          "metrics": {"first_response": "1h"}}],
        }
    )  # fmt: skip
    assert compute([created("2024-03-04T09:00:00Z")], cfg, at("2024-03-04T12:00:00Z")) == []


def test_custom_metric_with_start_stop_and_pause_conditions() -> None:
    cfg = build_config(
        {
            "calendars": {"C1": C1},
            "metrics": {
                "escalation_response": {
                    "start": {"kind": "updated", "tag_added": "escalated"},
                    "stop": {"kind": "message", "actor": "agent", "public": True},
                    "pause": ["on_hold"],
                }
            },
            "policies": [{"name": "Standard", "calendar": "C1",
                          "metrics": {"escalation_response": "1h"}}],
        }
    )  # fmt: skip
    evs = [created("2024-03-04T09:00:00Z"), agent_reply("2024-03-04T09:10:00Z"),
           ev("2024-03-04T10:00:00Z", "updated", "agent", tags=["escalated"]),
           status("2024-03-04T10:30:00Z", "on_hold"), status("2024-03-04T12:30:00Z", "open"),
           agent_reply("2024-03-04T13:00:00Z")]  # fmt: skip
    r = one(compute(evs, cfg, at("2024-03-04T15:00:00Z")), "escalation_response")
    assert (r.start, r.business_elapsed, r.paused_business, r.state) == (
        at("2024-03-04T10:00:00Z"), 3600, 7200, State.MET)  # fmt: skip


def test_unmapped_status_keeps_previous_category_and_says_so() -> None:
    cfg = config({"resolution": {"targets": {"default": "8h"}, "pause": ["pending"]}})
    evs = [created("2024-03-04T09:00:00Z"), status("2024-03-04T10:00:00Z", "Mystery")]
    r = one(compute(evs, cfg, at("2024-03-04T11:00:00Z")), "resolution")
    assert r.business_elapsed == 7200
    assert any("Mystery" in s.detail for s in r.explanation if s.what == "note")


# --------------------------------------------------------------- properties

_MINUTE = 60
_BASE = at("2024-03-04T00:00:00Z")  # a Monday


@settings(max_examples=150, deadline=None)
@given(
    created_min=st.integers(0, 5 * 24 * 60),
    pauses=st.lists(st.tuples(st.integers(1, 3000), st.integers(1, 3000)), max_size=5),
    solve_after=st.integers(1, 20000),
)
def test_pauses_subtract_exactly_their_business_time(
    created_min: int, pauses: list[tuple[int, int]], solve_after: int
) -> None:
    """elapsed(with pauses) + paused == elapsed(without pauses), for the same events."""
    paused_cfg = config({"resolution": {"targets": {"default": "8h"}, "pause": ["pending"]}})
    plain_cfg = config({"resolution": "8h"})
    t = _BASE + created_min * _MINUTE
    evs = [ev(_iso(t), "created", "customer")]
    for run, gap in pauses:
        t += run * _MINUTE
        evs.append(ev(_iso(t), "updated", "agent", status="pending"))
        t += gap * _MINUTE
        evs.append(ev(_iso(t), "updated", "agent", status="open"))
    evs.append(ev(_iso(t + solve_after * _MINUTE), "updated", "agent", status="solved"))
    as_of = t + solve_after * _MINUTE + 1
    with_p = one(compute(evs, paused_cfg, as_of), "resolution")
    without = one(compute(evs, plain_cfg, as_of), "resolution")
    assert with_p.business_elapsed + with_p.paused_business == without.business_elapsed
    assert without.paused_business == 0
    cal = paused_cfg.calendars["C1"]
    assert without.business_elapsed == cal.elapsed(evs[0].ts, evs[-1].ts)  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None)
@given(created_min=st.integers(0, 7 * 24 * 60), target_min=st.integers(1, 3000),
       as_of_min=st.integers(0, 20000))  # fmt: skip
def test_running_clock_state_agrees_with_its_due_instant(
    created_min: int, target_min: int, as_of_min: int
) -> None:
    """Breached exactly when as_of is past the due instant by at least one business second."""
    cfg = config({"resolution": target_min * _MINUTE})
    start = _BASE + created_min * _MINUTE
    as_of = start + as_of_min * _MINUTE
    r = one(compute([ev(_iso(start), "created", "customer")], cfg, as_of), "resolution")
    assert r.due is not None
    cal = cfg.calendars["C1"]
    assert cal.elapsed(start, r.due) == target_min * _MINUTE  # type: ignore[attr-defined]
    assert (r.state is State.BREACHED) == (r.business_elapsed > target_min * _MINUTE)
    if r.state is State.BREACHED:
        assert r.breached_at == r.due
        assert as_of > r.due


def _iso(t: int) -> str:
    from accord.core.timeutil import iso

    s = iso(t)
    assert s is not None
    return s
