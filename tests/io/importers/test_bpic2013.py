"""BPI Challenge 2013 logs: the CSV and the (synthesised) XES form import alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.core.events import Kind
from accord.errors import DamagedInputError
from accord.io.importers import default_mapping, open_import
from tests.io.importers.helpers import FIXTURES, by_ticket, run_import, summary
from tests.io.importers.xes import EVENT_KEYS, csv_to_xes

CSV = FIXTURES / "bpic2013-sample.csv"
XES = FIXTURES / "bpic2013-sample.xes"  # written by tests/io/importers/xes.py from CSV


def test_csv_rows_become_a_creation_then_the_changes() -> None:
    events, run = run_import(CSV, "bpic2013")
    s = run.stats
    assert (s.rows, s.quarantined, s.tickets) == (36, 1, 3)
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


def test_xes_and_csv_of_the_same_rows_give_the_same_events(tmp_path: Path) -> None:
    written = tmp_path / "sample.xes.gz"
    assert csv_to_xes(CSV, written) == 36
    from_csv, _ = run_import(CSV, "bpic2013")
    for source in (XES, written):
        from_xes, run = run_import(source, "bpic2013-xes")
        assert run.stats.rows == 36 and run.stats.quarantined == 1
        assert from_xes == from_csv  # ids, instants, statuses, teams, owners, custom fields
        assert from_xes[0].kind is Kind.CREATED
        assert from_xes[0].fields["team"] == "V39 2nd"


def test_both_bpic2013_routes_map_each_published_attribute_to_the_same_field() -> None:
    # each XES key of the published log and the CSV column it holds (tests/io/importers/xes.py)
    csv_map, xes_map = default_mapping("bpic2013"), default_mapping("bpic2013-xes")

    def target(m: object, column: str) -> str | None:
        from accord.io.importers.base import targets_by_source

        got = targets_by_source(m)  # type: ignore[arg-type]
        return ",".join(t.name for t in got[column]) if column in got else None

    for key, column in EVENT_KEYS:
        if key in ("concept:name", "lifecycle:transition"):
            continue  # the status, from columns: status
        assert target(xes_map, key) == target(csv_map, column), (key, column)
    assert set(xes_map.fields) == set(csv_map.fields)
    assert set(xes_map.custom_fields) == set(csv_map.custom_fields)
    assert csv_map.role("status") == ("Status", "Sub Status")
    assert xes_map.role("status") == ("concept:name", "lifecycle:transition")


def test_the_support_team_is_the_team_and_the_organisation_line_a_custom_field() -> None:
    # a real case of the log, reassigned across support teams and organisation lines
    for source, fmt in ((CSV, "bpic2013"), (XES, "bpic2013-xes")):
        events, _ = run_import(source, fmt)
        case = by_ticket(events)["1-736726674"]
        teams = [e.fields["team"] for e in case if "team" in e.fields]
        lines = [e.fields["org_line"] for e in case if "org_line" in e.fields]
        owners = [e.fields["assignee"] for e in case if "assignee" in e.fields]
        assert teams == ["N38", "N30 2nd", "N44"], fmt
        assert lines == ["Org line C", "Org line A2", "Org line C"], fmt
        assert owners == ["Sue", "Jon", "Siebel"], fmt


def test_xes_rows_carry_trace_attributes_as_case_keys() -> None:
    from accord.io.importers.sources import SourceFile, xes_rows

    with SourceFile(XES).binary() as stream:
        rows = list(xes_rows(stream, str(XES)))
    assert len(rows) == 36
    assert rows[0].data["case:concept:name"] == "1-523391859"
    assert rows[0].data["lifecycle:transition"] == "In Progress"
    assert "__INVALID__" not in rows[0].data.values()  # the header's global defaults
    assert [r.row for r in rows[:3]] == [1, 2, 3]


def test_malformed_xml_keeps_the_events_before_it_and_says_where_the_read_stopped(
    tmp_path: Path,
) -> None:
    text = XES.read_text(encoding="utf-8")
    cut = tmp_path / "cut.xes"
    end = text.index("</event>", 4000)
    whole = text[:end].count("</event>")  # the events before the cut one
    cut.write_text(text[:end] + "<event><broken", encoding="utf-8")
    run = open_import(cut, "bpic2013-xes")
    events = []
    with pytest.raises(
        DamagedInputError, match=f"stops being well-formed XML after XES event {whole}"
    ):
        for e in run.events():
            events.append(e)
    assert events and run.stats.rows == whole and run.stats.accounted()
