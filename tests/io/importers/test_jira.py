"""Jira Service Management issues: values at creation are rebuilt from the changelog."""

from __future__ import annotations

from tests.io.importers.helpers import FIXTURES, run_import, summary

ISSUE = FIXTURES / "jira-issue.json"
SEARCH = FIXTURES / "jira-search.json"


def test_issue_history_replays_from_the_values_at_creation() -> None:
    events, run = run_import(ISSUE, "jira")
    assert (run.stats.rows, run.stats.events, run.stats.quarantined) == (1, 8, 0)
    shape = [(e.kind.value, summary(e)[1][11:16], e.actor, e.public) for e in events]
    assert shape == [
        ("created", "08:15", None, None),
        ("updated", "09:05", None, None),
        ("message", "09:10", "agent", True),
        ("message", "09:12", "agent", False),  # jsdPublic: false is an internal comment
        ("message", "09:40", "customer", True),
        ("updated", "10:00", None, None),
        ("message", "13:30", "agent", True),  # a reply at the resolving instant comes first
        ("updated", "13:30", None, None),
    ]


def test_creation_holds_the_values_before_every_change() -> None:
    events, _ = run_import(ISSUE, "jira")
    assert events[0].event_id == "jira:SD-7"
    assert events[0].fields == {
        "status": "open",
        "source_status": "Waiting for support",
        "priority": "normal",  # Medium before the change to High
        "customer": "cust-9",
        "type": "Service Request",
        "project": "IT Service Desk",
    }
    assert events[1].fields == {"status": "open", "source_status": "In Progress",
                                "assignee": "agent-1"}  # fmt: skip
    assert events[5].fields == {"priority": "high", "tags": ("urgent-customer", "vpn")}
    assert events[7].fields == {"status": "solved", "source_status": "Resolved"}
    assert events[7].event_id == "jira:SD-7:h20003"


def test_a_cut_short_changelog_quarantines_the_issue() -> None:
    events, run = run_import(SEARCH, "jira")
    assert [e.ticket_id for e in events] == ["SD-8"]
    assert events[0].fields["priority"] == "low" and "assignee" not in events[0].fields
    (q,) = run.quarantined
    assert (q.row, q.field) == (2, "changelog")
    assert "holds 0 of 140 histories" in q.reason and q.raw["key"] == "SD-9"
