"""Zendesk audits and incremental ticket events (fixtures written from the API docs)."""

from __future__ import annotations

import json

from accord.core.config.loader import build_config
from accord.core.engine import compute
from accord.core.timeutil import parse_as_of
from tests.io.importers.helpers import FIXTURES, run_import, summary

AUDITS = FIXTURES / "zendesk-audits.json"
EVENTS = FIXTURES / "zendesk-ticket-events.json"


def _shape(events: list) -> list[tuple[str, str, str | None, bool | None]]:  # type: ignore[type-arg]
    return [(e.kind.value, summary(e)[1][11:16], e.actor, e.public) for e in events]


def test_an_audit_page_becomes_creation_messages_changes_and_ratings() -> None:
    events, run = run_import(AUDITS, "zendesk")
    s = run.stats
    assert (s.rows, s.rows_with_events, s.unchanged, s.quarantined, s.events) == (7, 6, 1, 0, 11)
    assert _shape(events) == [
        ("created", "09:00", None, None),
        ("message", "09:00", "customer", True),  # the requester's description
        ("message", "09:30", "agent", False),  # an internal note
        ("updated", "09:30", None, None),
        ("message", "10:00", "agent", True),
        ("updated", "10:00", None, None),
        ("message", "11:00", "customer", True),
        ("updated", "11:00", None, None),
        ("message", "12:00", "agent", True),  # the reply sent "as solved" comes first
        ("updated", "12:00", None, None),
        ("rating", "08:00", "customer", None),
    ]


def test_creation_holds_the_mapped_fields_and_the_channel() -> None:
    events, _ = run_import(AUDITS, "zendesk")
    assert events[0].fields == {
        "status": "new",
        "source_status": "new",
        "priority": "high",
        "requester": "501",
        "customer": "7001",
        "team": "301",
        "tags": ("printer", "vip"),
        "channel": "email",
    }
    assert events[0].event_id == "zendesk:9001"
    assert events[3].fields == {"assignee": "601", "status": "open", "source_status": "open"}
    assert events[9].fields["tags"] == ("printer", "vip", "warranty")
    assert events[10].fields == {"rating": "good"}


def test_internal_note_does_not_stop_first_response_but_public_reply_does() -> None:
    events, _ = run_import(AUDITS, "zendesk")
    cfg = build_config(
        {
            "calendars": {"24x7": {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}},
            "policies": [
                {
                    "name": "P",
                    "calendar": "24x7",
                    "pause": ["pending"],
                    "metrics": {"first_response": "1h", "next_reply": "1h", "resolution": "4h"},
                }
            ],
        }
    )
    records = compute(events, cfg, parse_as_of("2026-03-04T00:00:00Z"))
    got = {(r.metric, r.cycle): (r.business_elapsed, r.state.value) for r in records}
    assert got[("first_response", 1)] == (3600, "met")  # 09:00 -> the 10:00 public reply
    assert got[("next_reply", 1)] == (3600, "met")  # 11:00 customer -> 12:00 agent
    assert got[("resolution", 1)] == (2 * 3600, "met")  # 3h minus the pending hour


def test_incremental_ticket_events_with_and_without_comment_sideload() -> None:
    events, run = run_import(EVENTS, "zendesk")
    s = run.stats
    assert (s.rows, s.unchanged, s.events) == (4, 1, 5)  # the SLA metric event holds nothing
    assert _shape(events) == [
        ("created", "09:00", None, None),
        ("message", "09:00", "customer", True),  # comment_present / comment_public only
        ("message", "09:20", "agent", True),  # from the comment_events sideload
        ("updated", "09:20", None, None),
        ("updated", "11:00", None, None),
    ]
    assert events[0].fields["priority"] == "urgent"
    assert events[0].fields["tags"] == ("outage",)
    assert events[0].fields["channel"] == "Web form"
    assert events[3].fields == {"assignee": "602", "status": "open", "source_status": "open"}
    assert events[4].fields["status"] == "solved"


def test_an_unmapped_status_quarantines_the_whole_audit(tmp_path: object) -> None:
    from pathlib import Path

    p = Path(str(tmp_path)) / "a.jsonl"
    p.write_text(
        '{"id": 1, "ticket_id": 5, "created_at": "2026-03-02T09:00:00Z", "author_id": 9, '
        '"events": [{"type": "Comment", "public": true, "author_id": 9}, '
        '{"type": "Change", "field_name": "status", "value": "escalated"}]}\n',
        encoding="utf-8",
    )
    events, run = run_import(p, "zendesk")
    assert events == [] and run.stats.quarantined == 1
    (q,) = run.quarantined
    assert (q.row, q.field) == (1, "status") and "'escalated'" in q.reason


def test_a_single_audit_response_is_unwrapped(tmp_path: object) -> None:
    from pathlib import Path

    page = json.loads(AUDITS.read_text())
    p = Path(str(tmp_path)) / "one.json"
    p.write_text(json.dumps({"audit": page["audits"][0]}), encoding="utf-8")
    events, _ = run_import(p, "zendesk")
    assert [e.kind.value for e in events] == ["created", "message"]
