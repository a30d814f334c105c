"""BPI Challenge 2013 logs: the CSV and the (synthesised) XES form import alike."""

from __future__ import annotations

from pathlib import Path

from accord.core.events import Kind
from accord.io.importers import default_mapping
from tests.io.importers.helpers import FIXTURES, by_ticket, run_import, summary
from tests.io.importers.xes import csv_to_xes

CSV = FIXTURES / "bpic2013-sample.csv"
XES = FIXTURES / "bpic2013-sample.xes"  # written by tests/io/importers/xes.py from CSV


def test_csv_rows_become_a_creation_then_the_changes() -> None:
    events, run = run_import(CSV, "bpic2013")
    s = run.stats
    assert (s.rows, s.quarantined, s.tickets) == (30, 1, 2)
    assert s.rows == s.rows_with_events + s.unchanged + s.quarantined
    first = by_ticket(events)["1-523391859"]
    assert [summary(e)[:2] for e in first[:2]] == [
        ("created", "2011-05-05T13:47:54Z"),  # +01:00 in the source
        ("updated", "2011-05-05T14:01:23Z"),  # the second row changes nothing mapped
    ]
    assert first[0].fields["status"] == "open"
    assert first[0].fields["priority"] == "normal"  # impact Medium
    assert [e.fields.get("source_status") for e in first if "status" in e.fields] == [
        "Accepted-In Progress",
        "Accepted-Wait - Vendor",
        "Accepted-In Progress",
        "Accepted-Wait - User",
        "Accepted-In Progress",
        "Completed-Resolved",
        "Completed-Closed",
    ]


def test_wait_states_map_to_pause_categories() -> None:
    m = default_mapping("bpic2013")
    assert m.status_category("Accepted-Wait - User") == "pending"
    assert m.status_category("Accepted-Wait - Vendor") == "on_hold"
    assert m.status_category("Completed-In Call") == "solved"


def test_unmatched_status_is_quarantined_not_guessed() -> None:
    _, run = run_import(CSV, "bpic2013")
    (q,) = run.quarantined
    assert (q.field, q.raw["Activity"]) == ("Status", "Unmatched-Unmatched")


def _status_timeline(events: list) -> list[tuple[str, str, str | None]]:  # type: ignore[type-arg]
    return [(e.ticket_id, summary(e)[1], e.fields.get("status")) for e in events]


def test_xes_and_csv_of_the_same_rows_give_the_same_timeline(tmp_path: Path) -> None:
    written = tmp_path / "sample.xes.gz"
    assert csv_to_xes(CSV, written) == 30
    from_csv, _ = run_import(CSV, "bpic2013")
    for source in (XES, written):
        from_xes, run = run_import(source, "bpic2013-xes")
        assert run.stats.rows == 30 and run.stats.quarantined == 1
        # the XES assignee is the owner's first name (CSV: country-name), so rows that only
        # change the owner's country may fold differently; statuses and instants agree
        assert [x for x in _status_timeline(from_xes) if x[2]] == [
            x for x in _status_timeline(from_csv) if x[2]
        ]
        assert from_xes[0].kind is Kind.CREATED
        assert from_xes[0].fields["team"] == from_csv[0].fields["team"] == "V39 2nd"


def test_xes_rows_carry_trace_attributes_as_case_keys() -> None:
    from accord.io.importers.sources import SourceFile, xes_rows

    with SourceFile(XES).binary() as stream:
        rows = list(xes_rows(stream, str(XES)))
    assert len(rows) == 30
    assert rows[0].data["case:concept:name"] == "1-523391859"
    assert rows[0].data["lifecycle:transition"] == "In Progress"
    assert [r.row for r in rows[:3]] == [1, 2, 3]


def test_malformed_xml_quarantines_the_rest_with_its_reason(tmp_path: Path) -> None:
    text = XES.read_text(encoding="utf-8")
    cut = tmp_path / "cut.xes"
    cut.write_text(text[: text.index("</event>", 2000)] + "<event><broken", encoding="utf-8")
    events, run = run_import(cut, "bpic2013-xes")
    assert events and run.stats.quarantined == 1
    assert run.quarantined[-1].reason.startswith("not well-formed XML after event")
