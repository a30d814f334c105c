"""Mapping files: the shipped defaults load, and every problem is reported with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.errors import ConfigError, NotFoundError
from accord.io.importers import FORMATS, default_mapping, load_import_mapping, shipped_mappings


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ships_a_default_mapping_that_loads(fmt: str) -> None:
    assert fmt in shipped_mappings()
    assert default_mapping(fmt).format == fmt


def test_a_shipped_mapping_can_be_named_instead_of_a_file() -> None:
    m = load_import_mapping("helpdesk-italian", "process-mining")
    assert (m.source_tz, m.drop_offset) == ("Europe/Rome", True)


def test_a_missing_mapping_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no mapping file"):
        load_import_mapping(tmp_path / "nope.yaml", "servicenow")


def _problems(tmp_path: Path, text: str, fmt: str = "servicenow") -> list[tuple[int | None, str]]:
    p = tmp_path / "mapping.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_import_mapping(p, fmt)
    assert all(i.file == str(p) for i in e.value.issues)
    return [(i.line, i.message) for i in e.value.issues]


def test_every_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    got = _problems(
        tmp_path,
        "format: servicenow\n"  # 1
        "source_tz: Mars/Olympus\n"  # 2
        "columns:\n"  # 3
        "  ticket_id: number\n"  # 4
        "  tss: sys_updated_at\n"  # 5
        "statuses:\n"  # 6
        "  New: fresh\n"  # 7
        "fields:\n"  # 8
        "  priority: priority\n"  # 9
        "  region: u_region\n"  # 10
        "custom_fields:\n"  # 11
        "  team: assignment_group\n"  # 12
        "activities: {}\n",  # 13
    )
    lines = {line for line, _ in got}
    assert {2, 3, 5, 7, 10, 12, 13} <= lines, got
    messages = " | ".join(m for _, m in got)
    assert "'Mars/Olympus' is not an IANA time zone" in messages
    assert "unknown column role 'tss'" in messages
    assert "the column role 'ts' is required" in messages
    assert "'region' is not a standard field" in messages
    assert "'team' is a standard field" in messages
    assert "'activities' is not used by the servicenow importer" in messages
    assert "Input should be 'new', 'open'" in messages


def test_an_unknown_key_gets_a_suggestion(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text("columns: {ticket_id: a, ts: b}\nstatus: {New: new}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_import_mapping(p, "servicenow")
    (issue,) = e.value.issues
    assert (issue.line, issue.message) == (2, "unknown key 'status'")
    assert "statuses" in issue.hint


def test_a_mapping_for_another_format_is_refused(tmp_path: Path) -> None:
    got = _problems(tmp_path, "format: jira\ncolumns: {ticket_id: a, ts: b}\n")
    assert got == [(1, "this mapping is for format 'jira', not 'servicenow'")]


def test_yaml_syntax_errors_carry_their_line(tmp_path: Path) -> None:
    got = _problems(tmp_path, "columns:\n  ticket_id: [a\n  ts: b\n")
    assert got[0][0] is not None and got[0][1].startswith("YAML syntax error")


def test_initial_status_must_be_mapped(tmp_path: Path) -> None:
    got = _problems(tmp_path, "columns: {ticket_id: a, ts: b}\ninitial_status: Draft\n")
    assert got == [(2, "initial_status 'Draft' is not in statuses")]


def test_status_names_compare_ignoring_case_and_numbers_are_names() -> None:
    m = default_mapping("freshdesk")
    assert m.status_category("2") == "open" and m.status_category(4) == "solved"
    assert default_mapping("servicenow").status_category("awaiting user info") == "pending"
