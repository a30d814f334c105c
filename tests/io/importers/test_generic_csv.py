"""Generic CSV with a column mapping: event rows, snapshot rows, messages."""

from __future__ import annotations

from pathlib import Path

from tests.io.importers.helpers import run_import, summary

MAPPING = """\
columns:
  ticket_id: Ticket
  ts: When
  kind: What
  actor: Who
  public: Visibility
  status: State
timestamp_format: "%Y-%m-%d %H:%M"
source_tz: Europe/Berlin
statuses: {Neu: new, Offen: open, Erledigt: solved}
fields: {priority: Prio, team: Queue, tags: Labels}
custom_fields:
  region: Region
  seats: {column: Seats, type: int}
values:
  kind: {Kommentar: message, Anlage: created}
  actor: {Kunde: customer, Agent: agent}
  public: {extern: "true", intern: "false"}
  priority: {"1": urgent, "2": normal}
tag_separator: ","
"""

ROWS = """\
Ticket,When,What,Who,Visibility,State,Prio,Queue,Labels,Region,Seats
T1,2026-03-02 09:00,Anlage,Kunde,,Neu,1,Billing,"vip, eu",EMEA,40
T1,2026-03-02 09:30,Kommentar,Agent,intern,,,,,,
T1,2026-03-02 10:00,Kommentar,Agent,extern,Offen,,,,,
T1,2026-03-02 11:00,,,,Erledigt,2,,,,
"""


def _files(tmp_path: Path, mapping: str = MAPPING, rows: str = ROWS) -> tuple[Path, Path]:
    m = tmp_path / "mapping.yaml"
    m.write_text(mapping, encoding="utf-8")
    src = tmp_path / "tickets.csv"
    src.write_text(rows, encoding="utf-8")
    return src, m


def test_each_row_is_one_event_with_mapped_kinds_actors_and_values(tmp_path: Path) -> None:
    src, m = _files(tmp_path)
    events, run = run_import(src, "csv", mapping=m)
    assert run.stats.quarantined == 0
    shape = [(e.kind.value, summary(e)[1], e.actor, e.public) for e in events]
    assert shape == [
        ("created", "2026-03-02T08:00:00Z", "customer", None),  # Berlin, UTC+1
        ("message", "2026-03-02T08:30:00Z", "agent", False),
        ("message", "2026-03-02T09:00:00Z", "agent", True),
        ("updated", "2026-03-02T09:00:00Z", None, None),  # the row's status change follows
        ("updated", "2026-03-02T10:00:00Z", None, None),
    ]
    assert events[0].fields == {
        "priority": "urgent", "team": "Billing", "tags": ("vip", "eu"), "region": "EMEA",
        "seats": 40, "status": "new", "source_status": "Neu",
    }  # fmt: skip
    assert events[4].fields == {"priority": "normal", "status": "solved",
                                "source_status": "Erledigt"}  # fmt: skip


def test_snapshot_rows_emit_only_changes(tmp_path: Path) -> None:
    mapping = "snapshot: true\ncolumns: {ticket_id: id, ts: at, status: state}\n" \
              "fields: {assignee: owner}\n"  # fmt: skip
    rows = "id,at,state,owner\nA,2026-03-02T09:00:00Z,new,\nA,2026-03-02T09:05:00Z,new,\n" \
           "A,2026-03-02T09:10:00Z,open,ann\n"  # fmt: skip
    src, m = _files(tmp_path, mapping, rows)
    events, run = run_import(src, "csv", mapping=m)
    assert (run.stats.rows, run.stats.unchanged, len(events)) == (3, 1, 2)
    assert events[1].fields == {"assignee": "ann", "status": "open", "source_status": "open"}


def test_a_bad_custom_value_quarantines_the_row_with_its_column(tmp_path: Path) -> None:
    src, m = _files(tmp_path, rows=ROWS.replace(",EMEA,40", ",EMEA,forty"))
    events, run = run_import(src, "csv", mapping=m)
    (q,) = run.quarantined
    assert (q.row, q.field) == (2, "Seats")
    assert q.reason == "custom field 'seats': 'forty' is not an integer"
    assert events[0].kind.value == "message"  # the ticket's first accepted row comes next


def test_a_wrong_kind_is_reported_by_the_canonical_validator(tmp_path: Path) -> None:
    src, m = _files(tmp_path, rows=ROWS.replace(",Anlage,", ",Telefonat,"))
    _, run = run_import(src, "csv", mapping=m)
    (q,) = run.quarantined
    assert q.field == "kind" and "'Telefonat' is not an event kind" in q.reason
