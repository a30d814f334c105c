"""Freshdesk tickets: creation, status changes dated by stats, conversations."""

from __future__ import annotations

from tests.io.importers.helpers import FIXTURES, run_import, summary

TICKETS = FIXTURES / "freshdesk-tickets.json"


def test_ticket_stats_and_conversations_become_a_timeline() -> None:
    events, run = run_import(TICKETS, "freshdesk")
    assert (run.stats.rows, run.stats.quarantined) == (3, 1)
    t1001 = [(e.kind.value, summary(e)[1], e.actor, e.public, e.fields.get("status"))
             for e in events if e.ticket_id == "1001"]  # fmt: skip
    assert t1001 == [
        ("created", "2026-03-02T09:00:00Z", None, None, "open"),
        ("message", "2026-03-02T09:30:00Z", "agent", True, None),  # the reply, then pending
        ("updated", "2026-03-02T09:30:00Z", None, None, "pending"),
        ("message", "2026-03-02T09:45:00Z", "agent", False, None),  # private note
        ("message", "2026-03-03T08:00:00Z", "customer", True, None),  # incoming
        ("message", "2026-03-03T11:55:00Z", "agent", True, None),
        ("updated", "2026-03-03T12:00:00Z", None, None, "solved"),
        ("updated", "2026-03-04T10:00:00Z", None, None, "closed"),
    ]


def test_codes_map_through_value_maps_and_nested_custom_fields_are_reachable() -> None:
    events, _ = run_import(TICKETS, "freshdesk")
    created = events[0].fields
    assert (created["priority"], created["channel"], created["team"]) == ("high", "portal", "4001")
    assert created["tags"] == ("billing", "vat") and created["source_status"] == "2"
    assert events[-1].ticket_id == "1002" and events[-1].fields["priority"] == "low"
    assert "team" not in events[-1].fields  # null values are left out of the creation


def test_a_custom_status_must_be_mapped() -> None:
    _, run = run_import(TICKETS, "freshdesk")
    (q,) = run.quarantined
    assert (q.row, q.field, q.raw["id"]) == (3, "status", 1003)
    assert "status '7' is not in the mapping's statuses" in q.reason
