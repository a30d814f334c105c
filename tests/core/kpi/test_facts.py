"""Ticket facts: the vectorised table against hand-worked tickets and against the row-by-row
reference (tests/core/kpi/reference.py) on random logs."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.config.loader import build_config
from accord.core.config.resolved import Configuration
from accord.core.events import Actor, Event, Kind
from accord.core.kpi.columns import (
    DERIVED_RECORD_COLUMNS,
    LOCAL_TIME_COLUMNS,
    RECORD_COLUMNS,
    TICKET_COLUMNS,
)
from accord.core.kpi.facts import FACT_COLUMNS, TicketFacts, policy_fields, ticket_facts
from accord.core.kpi.frames import RECORDS_SCHEMA, events_frame
from tests.core.engine.helpers import agent_reply, at, created, customer_msg, ev, note, status
from tests.core.kpi.reference import reference_facts

CAL = {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}


def _config(**settings: Any) -> Configuration:
    return build_config(
        {
            "calendars": {"C": CAL},
            "statuses": {"Awaiting customer": "pending", "Done": "solved"},
            "settings": settings,
            "policies": [
                {"name": "VIP", "calendar": "C", "when": {"region": "EMEA", "priority": "P1"},
                 "metrics": {"first_response": "1h"}},
                {"name": "Urgent", "calendar": "C", "when": {"priority": ["P1", "P2"]},
                 "metrics": {"first_response": "2h"}},
                {"name": "Rest", "calendar": "C", "metrics": {"first_response": "8h"}},
            ],
        }
    )  # fmt: skip


def _facts(events: list[Event], config: Configuration, as_of: int) -> TicketFacts:
    frame = events_frame(events, [*policy_fields(config), "region"])
    return ticket_facts(frame, config, as_of, fields=["region"])


def _row(facts: TicketFacts, ticket: str) -> dict[str, Any]:
    rows = facts.tickets.filter(pl.col("ticket_id") == ticket).to_dicts()
    assert len(rows) == 1
    return rows[0]


AS_OF = at("2024-03-08T12:00:00Z")


def test_reopened_and_reassigned_ticket_facts_follow_their_definitions() -> None:
    log = [
        created("2024-03-04T09:00:00Z", status="new", priority="P1", team="A", region="EMEA"),
        ev("2024-03-04T09:05:00Z", "updated", "agent", assignee="amy"),
        note("2024-03-04T09:06:00Z"),  # internal: not a reply
        customer_msg("2024-03-04T09:07:00Z"),
        agent_reply("2024-03-04T09:10:00Z"),
        ev("2024-03-04T09:15:00Z", "updated", "agent", assignee=None),  # cleared: no move
        ev("2024-03-04T09:16:00Z", "updated", "agent", assignee="amy"),  # back: no move
        ev("2024-03-04T09:20:00Z", "updated", "agent", assignee="bob", team="B"),  # one move
        status("2024-03-04T10:00:00Z", "Done"),  # a mapped source status: solved
        agent_reply("2024-03-04T10:05:00Z"),  # after the first solve
        status("2024-03-05T09:00:00Z", "open"),  # reopen
        status("2024-03-05T10:00:00Z", "closed"),
        ev("2024-03-05T11:00:00Z", "rating", "customer", rating="bad"),
        ev("2024-03-05T12:00:00Z", "rating", "customer", rating=4.5),
    ]
    row = _row(_facts(log, _config(), AS_OF), "T1")
    assert row["created"] == at("2024-03-04T09:00:00Z")
    assert row["first_solved"] == at("2024-03-04T10:00:00Z")
    assert row["last_solved"] == at("2024-03-05T10:00:00Z")
    assert (row["solved"], row["status"], row["backlog"]) == (True, "closed", False)
    assert (row["reopens"], row["reassignments"]) == (1, 1)
    assert (row["replies"], row["replies_before_first_solve"]) == (2, 1)
    assert (row["fcr_eligible"], row["fcr"]) == (True, False)  # reopened
    assert (row["rating"], row["rating_score"], row["rating_good"]) == ("4.5", 4.5, True)
    assert row["rated_at"] == at("2024-03-05T12:00:00Z")
    assert (row["team"], row["assignee"], row["policy"]) == ("B", "bob", "VIP")


def test_first_contact_resolution_needs_exactly_one_reply_before_the_solve_and_no_reopen() -> None:
    one = [created("2024-03-04T09:00:00Z", ticket="A"), agent_reply("2024-03-04T09:10:00Z",
           ticket="A"), status("2024-03-04T09:20:00Z", "solved", ticket="A")]  # fmt: skip
    two = [created("2024-03-04T09:00:00Z", ticket="B"), agent_reply("2024-03-04T09:10:00Z",
           ticket="B"), agent_reply("2024-03-04T09:11:00Z", ticket="B"),
           status("2024-03-04T09:20:00Z", "solved", ticket="B")]  # fmt: skip
    none = [created("2024-03-04T09:00:00Z", ticket="C"),
            status("2024-03-04T09:20:00Z", "solved", ticket="C")]  # fmt: skip
    facts = _facts(one + two + none, _config(), AS_OF)
    got = {r["ticket_id"]: (r["fcr_eligible"], r["fcr"]) for r in facts.tickets.to_dicts()}
    assert got == {"A": (True, True), "B": (True, False), "C": (False, False)}


def test_default_priority_fills_a_ticket_created_without_one_until_it_is_set() -> None:
    log = [
        created("2024-03-04T09:00:00Z", ticket="A"),
        created("2024-03-04T09:00:00Z", ticket="B"),
        ev("2024-03-04T09:30:00Z", "updated", "agent", ticket="B", priority="P1"),
        created("2024-03-04T09:00:00Z", ticket="C"),
        ev("2024-03-04T09:30:00Z", "updated", "agent", ticket="C", priority=None),
    ]
    facts = _facts(log, _config(default_priority="P2"), AS_OF)
    got = {r["ticket_id"]: (r["priority"], r["policy"]) for r in facts.tickets.to_dicts()}
    assert got == {"A": ("P2", "Urgent"), "B": ("P1", "Urgent"), "C": (None, "Rest")}


def test_events_after_as_of_or_after_a_deletion_do_not_exist() -> None:
    log = [
        created("2024-03-04T09:00:00Z", ticket="A", team="X"),
        ev("2024-03-04T10:00:00Z", "deleted", "agent", ticket="A"),
        ev("2024-03-04T11:00:00Z", "updated", "agent", ticket="A", team="Y"),
        created("2024-03-09T09:00:00Z", ticket="B"),  # after as-of
    ]
    facts = _facts(log, _config(), AS_OF)
    assert facts.tickets.get_column("ticket_id").to_list() == ["A"]
    row = _row(facts, "A")
    assert (row["deleted"], row["backlog"], row["team"]) == (True, False, "X")
    assert facts.open_spans.rows() == [
        ("A", at("2024-03-04T09:00:00Z"), at("2024-03-04T10:00:00Z"))
    ]


def test_open_spans_run_from_creation_or_reopen_to_each_solve() -> None:
    log = [
        created("2024-03-04T09:00:00Z", status="new"),
        status("2024-03-04T10:00:00Z", "solved"),
        status("2024-03-04T11:00:00Z", "closed"),  # still out of the backlog
        status("2024-03-05T09:00:00Z", "open"),
        status("2024-03-05T10:00:00Z", "Awaiting customer"),  # pending is unsolved
    ]
    facts = _facts(log, _config(), AS_OF)
    assert facts.open_spans.select("start", "end").rows() == [
        (at("2024-03-04T09:00:00Z"), at("2024-03-04T10:00:00Z")),
        (at("2024-03-05T09:00:00Z"), None),
    ]
    assert _row(facts, "T1")["backlog"] is True


def test_a_log_without_created_event_starts_at_its_earliest_event() -> None:
    log = [
        customer_msg("2024-03-04T10:00:00Z"),
        ev("2024-03-04T09:00:00Z", "updated", "agent", status="open"),
    ]
    row = _row(_facts(log, _config(), AS_OF), "T1")
    assert row["created"] == at("2024-03-04T09:00:00Z")


def test_an_unmapped_status_keeps_the_category_before_it() -> None:
    log = [
        created("2024-03-04T09:00:00Z", status="solved"),
        status("2024-03-04T10:00:00Z", "Mystery"),
    ]
    row = _row(_facts(log, _config(), AS_OF), "T1")
    assert (row["status"], row["solved"], row["first_solved"]) == (
        "solved", True, at("2024-03-04T09:00:00Z"))  # fmt: skip


# ---------------------------------------------------------------- against the reference

_STATUSES = ["new", "open", "pending", "on_hold", "solved", "closed", "Awaiting customer",
             "Done", "Mystery"]  # fmt: skip
_BASE = at("2024-03-04T00:00:00Z")


@st.composite
def _events(draw: st.DrawFn) -> list[Event]:
    out: list[Event] = []
    n_tickets = draw(st.integers(1, 4))
    seq = 0
    for t in range(n_tickets):
        tid = f"T{t}"
        for _ in range(draw(st.integers(1, 10))):
            kind = draw(st.sampled_from(list(Kind)))
            fields: dict[str, Any] = {}
            actor = draw(st.sampled_from([*Actor, None]))
            public = draw(st.sampled_from([True, False, None]))
            if kind in (Kind.CREATED, Kind.UPDATED):
                for name, values in (
                    ("status", _STATUSES),
                    ("assignee", [None, "", "amy", "bob", "cy"]),
                    ("team", [None, "A", "B"]),
                    ("priority", [None, "P1", "P2", "P3"]),
                    ("region", ["EMEA", "APAC", None]),
                    ("channel", ["email", "chat"]),
                ):
                    if draw(st.booleans()):
                        fields[name] = draw(st.sampled_from(values))
            elif kind is Kind.RATING:
                fields["rating"] = draw(st.sampled_from(["good", "bad", 3, 4, 4.5, 5]))
            # few distinct instants, so ties (broken by arrival) are common
            ts = _BASE + draw(st.integers(0, 12)) * 3600
            out.append(Event(f"e{seq}", tid, ts, kind, actor, public, fields, seq=seq))
            seq += 1
    return draw(st.permutations(out))


def _compare(events: list[Event], config: Configuration, as_of: int) -> None:
    facts = _facts(events, config, as_of)
    expected = reference_facts(events, config, as_of, custom=["region"])
    got = {r["ticket_id"]: r for r in facts.tickets.to_dicts()}
    assert sorted(got) == sorted(expected)
    spans = facts.open_spans
    for tid, want in expected.items():
        row = got[tid]
        for key, value in want.items():
            if key == "open_spans":
                mine = spans.filter(pl.col("ticket_id") == tid).select("start", "end").rows()
                assert mine == value, (tid, key)
            else:
                assert row[key] == value, (tid, key, row[key], value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=_events(), cut=st.integers(0, 14), default=st.sampled_from([None, "P3"]))
def test_vectorised_facts_equal_the_row_by_row_reference(
    events: list[Event], cut: int, default: str | None
) -> None:
    config = _config(default_priority=default) if default else _config()
    _compare(events, config, _BASE + cut * 3600)


def test_every_column_a_definition_may_name_exists_in_the_tables() -> None:
    facts = _facts([created("2024-03-04T09:00:00Z")], _config(), AS_OF)
    # hour and weekday are computed by the evaluation, in the zone it is asked for
    assert (set(TICKET_COLUMNS) - LOCAL_TIME_COLUMNS) | {"ticket_id"} == set(FACT_COLUMNS)
    assert set(FACT_COLUMNS) <= set(facts.tickets.columns)
    assert set(RECORD_COLUMNS) == (
        (set(RECORDS_SCHEMA) - {"as_of"}) | DERIVED_RECORD_COLUMNS | LOCAL_TIME_COLUMNS
    )
