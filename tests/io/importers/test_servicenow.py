"""ServiceNow incident audit export (UCI format): snapshots become only the changes."""

from __future__ import annotations

import json

from accord.core.events import Kind
from accord.io.importers import default_mapping
from tests.io.importers.helpers import FIXTURES, by_ticket, run_import, summary

SOURCE = FIXTURES / "servicenow-incidents.csv"
SP = "America/Sao_Paulo"  # UTC-3 in March 2016


def test_every_row_is_an_event_a_row_without_change_or_quarantined() -> None:
    events, run = run_import(SOURCE, "servicenow", source_tz=SP)
    s = run.stats
    assert (s.rows, s.rows_with_events, s.unchanged, s.duplicates, s.quarantined) == (
        16, 12, 1, 0, 3,
    )  # fmt: skip
    assert (s.events, s.tickets) == (13, 3) == (len(events), len(by_ticket(events)))
    assert s.kinds == {"created": 3, "updated": 10}


def test_incident_is_created_at_opened_at_in_the_mapping_zone() -> None:
    events, _ = run_import(SOURCE, "servicenow", source_tz=SP)
    first = by_ticket(events)["INC0000001"][0]
    kind, ts, fields = summary(first)
    assert (kind, ts, first.event_id) == ("created", "2016-03-01T11:50:00Z", "INC0000001:created")
    assert fields == {
        "priority": "normal",
        "team": "Group 1",
        "customer": "Caller 1",
        "channel": "phone",
        "made_sla": True,
        "reassignment_count": 0,
        "reopen_count": 0,
        "impact": "2 - Medium",
        "urgency": "2 - Medium",
        "category": "Category 55",
        "status": "new",
        "source_status": "New",
    }


def test_timestamps_without_zone_use_the_mapping_zone_unless_overridden() -> None:
    assert default_mapping("servicenow").source_tz == "UTC"
    events, _ = run_import(SOURCE, "servicenow")
    assert summary(events[0])[1] == "2016-03-01T08:50:00Z"


def test_updates_carry_only_the_fields_that_changed() -> None:
    events, _ = run_import(SOURCE, "servicenow", source_tz=SP)
    inc1 = [summary(e) for e in by_ticket(events)["INC0000001"][1:]]
    assert inc1 == [
        # reassignment: team and assignee change, with the counter
        ("updated", "2016-03-01T12:30:00Z", {"team": "Group 2", "assignee": "Resolver 7",
                                             "reassignment_count": 1, "status": "open",
                                             "source_status": "Active"}),
        ("updated", "2016-03-01T14:00:00Z", {"status": "pending",
                                             "source_status": "Awaiting User Info"}),
        ("updated", "2016-03-02T12:00:00Z", {"status": "open", "source_status": "Active"}),
        ("updated", "2016-03-02T18:00:00Z", {"status": "solved", "source_status": "Resolved"}),
        # reopen: out of solved, with the counter
        ("updated", "2016-03-03T12:00:00Z", {"reopen_count": 1, "status": "open",
                                             "source_status": "Active"}),
        ("updated", "2016-03-03T19:00:00Z", {"status": "solved", "source_status": "Resolved"}),
        ("updated", "2016-03-08T20:00:00Z", {"made_sla": False, "status": "closed",
                                             "source_status": "Closed"}),
    ]  # fmt: skip


def test_event_ids_come_from_sys_mod_count_and_are_stable() -> None:
    first, _ = run_import(SOURCE, "servicenow", source_tz=SP)
    again, _ = run_import(SOURCE, "servicenow", source_tz=SP)
    assert [e.event_id for e in first] == [e.event_id for e in again]
    ids = [e.event_id for e in by_ticket(first)["INC0000001"]]
    assert ids == ["INC0000001:created"] + [f"INC0000001@{n}" for n in (1, 3, 4, 5, 6, 7, 8)]
    assert len(set(e.event_id for e in first)) == len(first)


def test_first_row_past_the_initial_status_creates_the_incident_new_then_moves() -> None:
    events, _ = run_import(SOURCE, "servicenow", source_tz=SP)
    inc2 = [summary(e) for e in by_ticket(events)["INC0000002"]]
    assert inc2[0][:2] == ("created", "2016-03-08T02:10:00Z")
    assert inc2[0][2]["status"] == "new" and inc2[0][2]["priority"] == "urgent"
    assert "customer" not in inc2[0][2]  # "?" is a missing value
    assert inc2[1] == (
        "updated", "2016-03-08T11:05:00Z", {"status": "open", "source_status": "Active"}
    )  # fmt: skip


def test_a_missing_value_clears_the_field() -> None:
    events, _ = run_import(SOURCE, "servicenow", source_tz=SP)
    closed = by_ticket(events)["INC0000002"][-1]
    assert closed.fields["assignee"] is None and closed.fields["status"] == "closed"


def test_quarantine_names_source_row_field_reason_and_keeps_the_raw_row() -> None:
    _, run = run_import(SOURCE, "servicenow", source_tz=SP)
    got = {(q.row, q.field): q for q in run.quarantined}
    assert set(got) == {(12, "incident_state"), (15, "sys_updated_at"), (17, "number")}
    unmapped = got[(12, "incident_state")]
    assert unmapped.source == str(SOURCE)
    assert "'-100' is not in the mapping's statuses" in unmapped.reason
    assert unmapped.raw["incident_state"] == "-100" and unmapped.raw["number"] == "INC0000002"
    assert (
        "'31/2/2016 10:00' does not match the timestamp format"
        in got[(15, "sys_updated_at")].reason
    )
    assert got[(17, "number")].reason == "the ticket id is missing"
    json.dumps([q.raw for q in run.quarantined])  # the raw rows stay JSON-ready


def test_a_quarantined_first_row_leaves_the_next_row_to_create_the_incident() -> None:
    events, _ = run_import(SOURCE, "servicenow", source_tz=SP)
    (only,) = by_ticket(events)["INC0000003"]
    assert only.kind is Kind.CREATED
    assert summary(only)[1] == "2016-03-09T13:00:00Z"  # opened_at, before the row's own time


def test_quarantine_reasons_are_grouped_with_values_blanked() -> None:
    _, run = run_import(SOURCE, "servicenow", source_tz=SP)
    assert run.stats.reasons == {
        "incident_state: status '…' is not in the mapping's statuses; add it with its category": 1,
        "sys_updated_at: '…' does not match the timestamp format ('…', ISO 8601)": 1,
        "number: the ticket id is missing": 1,
    }
