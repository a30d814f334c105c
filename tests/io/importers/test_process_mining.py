"""Process-mining CSV logs: each activity is one event; the mapping gives its meaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.core.events import Kind
from accord.errors import ConfigError
from accord.io.importers import load_import_mapping
from tests.io.importers.helpers import run_import, summary

HEADER = "case:concept:name,concept:name,org:resource,time:timestamp\r\n"
ROWS = [
    "Case1,Assign seriousness,Value 1,2010-01-13 08:40:25+00:00",
    "Case1,Take in charge ticket,Value 2,2010-01-13 09:00:00+00:00",
    "Case1,Wait,Value 2,2010-01-14 10:00:00+00:00",
    "Case1,Resolve ticket,Value 2,2010-01-15 11:00:00+00:00",
    "Case1,Closed,Value 3,2010-02-14 11:00:00+00:00",
    "Case1,Closed,Value 3,2010-02-14 11:00:00+00:00",
    "Case2,Insert ticket,Value 4,2010-07-01 08:00:00+00:00",
    "Case2,Call the customer,Value 4,2010-07-01 09:00:00+00:00",
]


def write(tmp_path: Path, rows: list[str] = ROWS) -> Path:
    p = tmp_path / "log.csv"
    p.write_text(HEADER + "".join(r + "\r\n" for r in rows), encoding="utf-8")
    return p


def test_each_activity_is_an_event_and_the_first_creates_the_ticket(tmp_path: Path) -> None:
    events, _ = run_import(write(tmp_path), "process-mining")
    assert [e.kind for e in events[:2]] == [Kind.CREATED, Kind.UPDATED]
    assert [e.fields.get("status") for e in events if e.ticket_id == "Case1"] == [
        "new", "open", "pending", "solved", "closed",
    ]  # fmt: skip
    assert events[1].fields["assignee"] == "Value 2"  # assign: true takes the resource
    assert "assignee" not in events[0].fields
    assert events[0].fields["activity"] == "Assign seriousness"


def test_a_repeated_identical_row_is_counted_as_a_duplicate(tmp_path: Path) -> None:
    _, run = run_import(write(tmp_path), "process-mining")
    assert (run.stats.rows, run.stats.duplicates, run.stats.events) == (8, 1, 7)


def test_unmapped_activities_are_kept_as_activity_only_by_default(tmp_path: Path) -> None:
    events, _ = run_import(write(tmp_path), "process-mining")
    call = [e for e in events if e.fields.get("activity") == "Call the customer"]
    assert len(call) == 1 and "status" not in call[0].fields


def test_unmapped_activities_are_quarantined_when_the_mapping_says_so(tmp_path: Path) -> None:
    _, run = run_import(write(tmp_path), "process-mining", mapping="helpdesk-italian")
    (q,) = run.quarantined
    assert (q.row, q.field) == (9, "concept:name")
    assert q.reason == "activity 'Call the customer' is not in the mapping's activities"


def test_drop_offset_reads_the_wall_clock_in_the_source_zone(tmp_path: Path) -> None:
    events, _ = run_import(write(tmp_path), "process-mining", mapping="helpdesk-italian")
    # "+00:00" in the file is an artefact: 08:40:25 is Rome time (CET, UTC+1 in January)
    assert summary(events[0])[1] == "2010-01-13T07:40:25Z"
    july = next(e for e in events if e.ticket_id == "Case2")
    assert summary(july)[1] == "2010-07-01T06:00:00Z"  # CEST, UTC+2


def test_an_activity_can_be_a_message(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns: {ticket_id: 'case:concept:name', ts: 'time:timestamp',\n"
        "          activity: 'concept:name'}\n"
        "activities:\n"
        "  Insert ticket: {status: new}\n"
        "  Call the customer: {status: open, message: {actor: agent, public: true}}\n",
        encoding="utf-8",
    )
    events, _ = run_import(write(tmp_path, ROWS[6:]), "process-mining", mapping=mapping)
    assert [(e.kind.value, e.actor) for e in events] == [
        ("created", None), ("message", "agent"), ("updated", None),
    ]  # fmt: skip


def test_activity_status_must_be_a_category_or_a_mapped_status(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns: {ticket_id: a, ts: b, activity: c}\nactivities:\n  Park: {status: parked}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as e:
        load_import_mapping(mapping, "process-mining")
    (issue,) = e.value.issues
    assert issue.line == 3 and "status 'parked' of activity 'Park'" in issue.message
