"""Internal agreements (OLAs) in both engines: the clock rules of accord.core.engine.agreements,
each case checked on the reference engine and the batch engine alike."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.agreements.models import is_internal
from accord.core.config.loader import build_config
from accord.core.config.resolved import Configuration
from accord.core.engine import compute
from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
from accord.core.events import Event
from accord.core.records import MetricRecord, State
from tests.core.engine.batch_strategies import configurations, event_logs
from tests.core.engine.helpers import C1, at, created, ev, status

EXAMPLES = int(os.environ.get("ACCORD_BATCH_EXAMPLES", "200"))
H24 = {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}


def cfg(agreements: dict[str, Any], **policy: Any) -> Configuration:
    return build_config(
        {
            "calendars": {"C1": C1, "H24": H24},
            "policies": [
                {"name": "Standard", "calendar": "C1", "metrics": {"resolution": "8h"}, **policy}
            ],
            "agreements": agreements,
        }
    )


def both(events: list[Event], config: Configuration, as_of: str) -> list[MetricRecord]:
    """The agreements' records of the reference engine, once the batch engine gave the same
    records (all of them)."""
    t = at(as_of)
    ref = compute(events, config, t, agreements=True)
    got = records_from_table(compute_batch(events_to_table(events), config, t, agreements=True))
    assert got == ref
    return [r for r in ref if is_internal(r.metric)]


L2 = {"L2": {"while": {"team": "L2"}, "calendar": "C1", "targets": "2h"}}


def test_every_holding_of_the_team_is_a_cycle_of_its_own() -> None:
    evs = [
        created("2024-03-04T09:00:00Z", team="L2"),
        ev("2024-03-04T10:00:00Z", "updated", "agent", team="L1"),
        ev("2024-03-04T11:00:00Z", "updated", "agent", team="L2"),
        ev("2024-03-04T11:30:00Z", "updated", "agent", assignee="ana"),  # still L2
    ]
    got = both(evs, cfg(L2), "2024-03-04T12:00:00Z")
    assert [(r.cycle, r.start, r.stop, r.business_elapsed, r.state) for r in got] == [
        (1, at("2024-03-04T09:00:00Z"), at("2024-03-04T10:00:00Z"), 3600, State.MET),
        (2, at("2024-03-04T11:00:00Z"), None, 3600, State.RUNNING),
    ]
    assert got[1].due == at("2024-03-04T13:00:00Z")
    assert [r.breached_now for r in got] == [False, False]


def test_solving_ends_the_holding_and_a_reopen_still_held_starts_a_new_one() -> None:
    evs = [
        created("2024-03-04T09:00:00Z", team="L2"),
        status("2024-03-04T10:00:00Z", "solved"),
        status("2024-03-04T12:00:00Z", "open"),
    ]
    got = both(evs, cfg(L2), "2024-03-04T13:00:00Z")
    assert [(r.cycle, r.business_elapsed, r.state) for r in got] == [
        (1, 3600, State.MET),
        (2, 3600, State.RUNNING),
    ]
    assert "solved" in got[0].explanation[-1].detail


def test_the_agreement_counts_on_its_own_calendar_and_pauses_in_its_own_statuses() -> None:
    ag = {"L2": {"while": {"team": "L2"}, "calendar": "H24", "targets": "3h", "pause": "pending"}}
    evs = [
        created("2024-03-04T16:00:00Z", team="L2"),
        status("2024-03-04T18:00:00Z", "pending"),  # the policy's C1 is closed; H24 is not
        status("2024-03-04T19:00:00Z", "open"),
        ev("2024-03-04T20:00:00Z", "updated", "agent", team="L3"),
    ]
    (r,) = both(evs, cfg(ag), "2024-03-04T21:00:00Z")
    assert (r.business_elapsed, r.paused_business, r.calendar, r.state) == (
        3 * 3600,
        3600,
        "H24",
        State.MET,
    )
    assert (r.policy, r.policy_version) == ("L2", 1)


def test_a_deletion_while_held_cancels_the_holding() -> None:
    evs = [created("2024-03-04T09:00:00Z", team="L2"), ev("2024-03-04T10:00:00Z", "deleted")]
    (r,) = both(evs, cfg(L2), "2024-03-04T12:00:00Z")
    assert (r.state, r.stop, r.business_elapsed) == (
        State.CANCELLED,
        at("2024-03-04T10:00:00Z"),
        3600,
    )


def test_a_holding_in_a_status_category_runs_only_while_the_ticket_is_in_it() -> None:
    ag = {"vendor": {"while": {"team": "L2"}, "categories": "on_hold", "calendar": "C1"}}
    config = build_config(
        {
            "calendars": {"C1": C1},
            "statuses": {"Waiting on vendor": "on_hold"},
            "policies": [{"name": "S", "calendar": "C1", "metrics": {"resolution": "8h"}}],
            "agreements": ag,
        }
    )
    evs = [
        created("2024-03-04T09:00:00Z", team="L2"),
        status("2024-03-04T10:00:00Z", "Waiting on vendor"),
        status("2024-03-04T12:00:00Z", "open"),
        status("2024-03-04T13:00:00Z", "Waiting on vendor"),
    ]
    got = both(evs, config, "2024-03-04T14:00:00Z")
    assert [(r.cycle, r.business_elapsed, r.target, r.state) for r in got] == [
        (1, 7200, None, State.MET),
        (2, 3600, None, State.RUNNING),
    ]


def test_target_and_fields_are_those_of_the_last_moment_of_the_holding() -> None:
    ag = {
        "L2": {"while": {"team": "L2"}, "calendar": "C1", "targets": {"P1": "1h", "default": "4h"}}
    }
    evs = [
        created("2024-03-04T09:00:00Z", team="L2", priority="P2", assignee="ana"),
        ev("2024-03-04T10:00:00Z", "updated", "agent", priority="P1"),
        # the hand-off changes the team, the assignee and the priority at once
        ev("2024-03-04T11:30:00Z", "updated", "agent", team="L1", assignee="bo", priority="P3"),
    ]
    (r,) = both(evs, cfg(ag), "2024-03-04T12:00:00Z")
    assert (r.team, r.assignee, r.priority, r.target) == ("L2", "ana", "P1", 3600)
    assert (r.state, r.breached_at) == (State.BREACHED, at("2024-03-04T10:00:00Z"))


def test_a_ticket_no_policy_measures_still_has_its_agreement_clocks() -> None:
    config = cfg(L2, when={"customer": "acme"})
    evs = [created("2024-03-04T09:00:00Z", team="L2", customer="globex")]
    ref = compute(evs, config, at("2024-03-04T10:00:00Z"), agreements=True)
    assert [r.metric for r in ref] == ["ola:L2"]
    assert both(evs, config, "2024-03-04T10:00:00Z") == ref


def test_agreement_records_come_only_when_asked_for() -> None:
    evs = [created("2024-03-04T09:00:00Z", team="L2")]
    config = cfg(L2)
    t = at("2024-03-04T10:00:00Z")
    assert [r.metric for r in compute(evs, config, t)] == ["resolution"]
    table = compute_batch(events_to_table(evs), config, t)
    assert table.column("metric").to_pylist() == ["resolution"]


def test_agreement_records_follow_the_tickets_sla_records_in_the_written_order() -> None:
    ags = {
        "zeta": {"while": {"team": "L2"}, "calendar": "C1"},
        "alpha": {
            "while": {"assignee": {"exists": True}},
            "calendar": "C1",
            "warnings": {"shares": [0.5]},
            "targets": "1h",
        },
    }
    evs = [
        created("2024-03-04T09:00:00Z", team="L2", assignee="ana", ticket="A"),
        created("2024-03-04T09:00:00Z", team="L1", assignee="bo", ticket="B"),
    ]
    ref = compute(evs, cfg(ags), at("2024-03-04T10:00:00Z"), agreements=True)
    assert [(r.ticket_id, r.metric) for r in ref] == [
        ("A", "resolution"), ("A", "ola:zeta"), ("A", "ola:alpha"),
        ("B", "resolution"), ("B", "ola:alpha"),
    ]  # fmt: skip
    assert [w.threshold for w in ref[2].warnings] == ["50%"]
    both(evs, cfg(ags), "2024-03-04T10:00:00Z")


@st.composite
def cases(draw: st.DrawFn) -> tuple[Configuration, list[Event], int]:
    config, base = draw(configurations(with_agreements=True))
    events, as_of = draw(event_logs(base))
    return config, events, as_of


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases(), chunk=st.sampled_from([1, 500_000]))
def test_batch_agreement_records_equal_the_reference_records(
    case: tuple[Configuration, list[Event], int], chunk: int
) -> None:
    config, events, as_of = case
    expected = compute(events, config, as_of, agreements=True)
    got = compute_batch(events_to_table(events), config, as_of, chunk_events=chunk, agreements=True)
    assert records_from_table(got) == expected
