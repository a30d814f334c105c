"""What a source must hold for its mapping: the columns every row needs, checked on the
header before any row; and the warning when no event gets a status."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.errors import InputError
from accord.io.importers import import_file, open_import
from tests.io.importers.helpers import FIXTURES, run_import

SERVICENOW = FIXTURES / "servicenow-incidents.csv"


def _renamed(tmp_path: Path, old: str, new: str) -> Path:
    lines = SERVICENOW.read_text(encoding="utf-8").splitlines(keepends=True)
    header = ",".join(new if c == old else c for c in lines[0].rstrip("\r\n").split(","))
    path = tmp_path / "export.csv"
    path.write_text(header + "\n" + "".join(lines[1:]), encoding="utf-8")
    return path


def test_a_source_missing_the_mapped_ticket_id_column_is_refused_once_from_its_header(
    tmp_path: Path,
) -> None:
    source = _renamed(tmp_path, "number", "Number ")  # a typo'd export header
    out = tmp_path / "events.jsonl"
    with pytest.raises(InputError) as e:
        import_file(source, "servicenow", out)
    message = e.value.message
    assert "the header lacks a column the servicenow mapping needs on every row" in message
    assert "'number' (columns.ticket_id; did you mean 'Number'?)" in message
    assert "The header has 'Number', 'incident_state'," in message  # the columns there are
    assert e.value.details[0]["missing"] == ["number"]
    # refused before any row: nothing written, nothing quarantined row by row
    assert not out.exists()
    assert not (tmp_path / "events.jsonl.quarantine.jsonl").exists()


def test_every_missing_required_column_is_named_in_one_error(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("Case ID,Activity,Complete Timestamp\nC1,Insert ticket,2010-01-01\n")
    run = open_import(path, "process-mining")
    with pytest.raises(InputError) as e:
        next(iter(run.events()))
    message = e.value.message
    for wanted in ("'case:concept:name' (columns.ticket_id", "'time:timestamp' (columns.ts",
                   "'concept:name' (columns.activity"):  # fmt: skip
        assert wanted in message
    assert run.stats.rows == 0  # not one row was read


def test_a_missing_optional_column_is_a_warning_and_the_import_goes_on(tmp_path: Path) -> None:
    source = _renamed(tmp_path, "assignment_group", "Assignment group")
    events, run = run_import(source, "servicenow")
    assert events and all("team" not in e.fields for e in events)
    (warning,) = [w for w in run.stats.warnings if "lacks mapped column" in w]
    assert "'assignment_group' (fields.team; did you mean 'Assignment group'?)" in warning


def test_the_first_xes_event_must_carry_the_case_id(tmp_path: Path) -> None:
    text = (FIXTURES / "bpic2013-sample.xes").read_text(encoding="utf-8")
    renamed = tmp_path / "log.xes"
    case_key = '<trace>\n\t\t<string key="concept:name"'
    renamed.write_text(text.replace(case_key, case_key.replace("concept:name", "case-id")))
    with pytest.raises(InputError, match=r"the first XES event lacks a column .*case:concept:name"):
        run_import(renamed, "bpic2013-xes")


def test_a_mapping_that_gives_no_event_a_status_warns_how_to_map_one(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "case:concept:name,concept:name,org:resource,time:timestamp\n"
        "C1,Open case,Ann,2010-01-13 08:40:25+00:00\n"
        "C1,Answer,Ann,2010-01-13 09:40:25+00:00\n"
        "C1,Finish,Bob,2010-01-14 09:40:25+00:00\n"
        "C2,Open case,Ann,2010-01-15 08:40:25+00:00\n",
        encoding="utf-8",
    )
    events, run = run_import(log, "process-mining")
    assert len(events) == 4 and not any("status" in e.fields for e in events)
    (warning,) = run.stats.warnings
    assert "none of the 4 events written sets a status" in warning
    assert "'activities:', e.g. 'Resolve ticket: {status: solved}'" in warning
    assert "'Open case' (2 rows), 'Answer' (1 rows), 'Finish' (1 rows)" in warning


def test_no_warning_when_the_events_carry_statuses() -> None:
    _, run = run_import(SERVICENOW, "servicenow")
    assert run.stats.status_events > 0 and run.stats.warnings == []
