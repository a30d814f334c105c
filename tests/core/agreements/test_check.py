"""The ``agreements:`` section as `accord check` sees it: every problem with file, line and a
hint (accord.core.agreements.check, through the configuration loader)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from accord.core.config.loader import check_config, load_config
from accord.errors import ConfigIssue

BASE = """\
calendars:
  C1: {tz: UTC, hours: {mon-fri: [["09:00", "17:00"]]}}
policies:
  - name: Standard
    calendar: C1
    metrics: {resolution: 8h, first_response: 1h}
metrics:
  escalation: {start: {tag_added: escalated}, stop: {kind: message, actor: agent, public: true}}
"""


def _check(tmp_path: Path, agreements: str, *more: tuple[str, str]) -> list[ConfigIssue]:
    (tmp_path / "a.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "agreements:\n" + textwrap.indent(textwrap.dedent(agreements).lstrip("\n"), "  "),
        encoding="utf-8",
    )
    for name, text in more:
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    _, issues = check_config(tmp_path)
    return issues


def _one(issues: list[ConfigIssue], fragment: str) -> ConfigIssue:
    found = [i for i in issues if fragment in i.message]
    assert len(found) == 1, (fragment, [i.render() for i in issues])
    return found[0]


def test_a_valid_agreement_is_loaded_with_its_internal_metric_name(tmp_path: Path) -> None:
    issues = _check(
        tmp_path,
        """
        L2-response:
          description: L2 answers within 2 business hours of taking a ticket
          while: {team: L2}
          categories: [open, on_hold]
          calendar: C1
          targets: {P1: 1h, default: 2h}
          pause: [pending]
          warnings: {shares: [0.75]}
          underpins: resolution
        """,
    )
    assert issues == []
    (ag,) = load_config(tmp_path).agreements
    assert (ag.name, ag.metric, ag.underpins, ag.calendar) == (
        "L2-response",
        "ola:L2-response",
        "resolution",
        "C1",
    )
    assert ag.metric_targets().target_for("P1") == 3600
    assert ag.metric_targets().target_for("P3") == 7200


def test_an_unknown_calendar_is_an_error_at_its_line_with_the_near_name(tmp_path: Path) -> None:
    issue = _one(
        _check(tmp_path, "L2:\n  while: {team: L2}\n  calendar: C11\n"), "unknown calendar"
    )
    assert (issue.file, issue.line, issue.severity) == (str(tmp_path / "b.yaml"), 4, "error")
    assert issue.path == "agreements.L2.calendar"
    assert "did you mean 'C1'" in issue.hint


def test_a_target_that_is_not_a_duration_is_an_error_with_the_duration_hint(
    tmp_path: Path,
) -> None:
    issues = _check(
        tmp_path, "L2:\n  while: {team: L2}\n  calendar: C1\n  targets: {P1: two hours}\n"
    )
    (issue,) = [i for i in issues if i.severity == "error"]
    assert issue.line == 5
    assert "90m" in issue.hint


def test_target_in_the_singular_is_an_unknown_key_that_suggests_targets(tmp_path: Path) -> None:
    issue = _one(
        _check(tmp_path, "L2:\n  while: {team: L2}\n  calendar: C1\n  target: 2h\n"), "unknown key"
    )
    assert issue.line == 5
    assert "did you mean 'targets'" in issue.hint


def test_underpinning_an_unknown_metric_is_an_error_and_an_unmeasured_one_a_warning(
    tmp_path: Path,
) -> None:
    issues = _check(
        tmp_path,
        """
        A:
          while: {team: L2}
          calendar: C1
          underpins: resolutoin
        B:
          while: {team: L3}
          calendar: C1
          underpins: escalation
        """,
    )
    bad = _one(issues, "unknown metric 'resolutoin'")
    assert (bad.line, bad.severity) == (5, "error")
    assert "did you mean 'resolution'" in bad.hint
    unmeasured = _one(issues, "which no policy measures")
    assert (unmeasured.line, unmeasured.severity) == (9, "warning")


def test_an_agreement_without_a_holding_is_an_error(tmp_path: Path) -> None:
    missing = _one(_check(tmp_path, "L2:\n  calendar: C1\n"), "'while' is missing")
    assert missing.line == 2
    empty = _one(_check(tmp_path, "L2:\n  while: {}\n  calendar: C1\n"), "at least one test")
    assert empty.line == 3


def test_a_holding_field_close_to_a_standard_one_is_a_warning(tmp_path: Path) -> None:
    issue = _one(
        _check(tmp_path, "L2:\n  while: {teem: L2}\n  calendar: C1\n"), "not a standard ticket"
    )
    assert issue.severity == "warning"
    assert "did you mean 'team'" in issue.hint


def test_an_unknown_status_category_is_an_error_listing_the_categories(tmp_path: Path) -> None:
    issues = _check(tmp_path, "L2:\n  while: {team: L2}\n  calendar: C1\n  pause: [waiting]\n")
    (issue,) = [i for i in issues if i.severity == "error"]
    assert issue.line == 5
    assert "the status categories are new, open" in issue.hint


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("  categories: [solved, closed]\n", "never runs"),
        ("  pause: [new, open, pending, on_hold]\n", "never counts"),
        ("  categories: [on_hold]\n  pause: [on_hold]\n", "never counts"),
    ],
)
def test_an_agreement_whose_clock_can_never_count_is_a_warning(
    tmp_path: Path, extra: str, words: str
) -> None:
    issue = _one(_check(tmp_path, "L2:\n  while: {team: L2}\n  calendar: C1\n" + extra), words)
    assert issue.severity == "warning"


def test_an_agreement_defined_in_two_files_is_an_error_naming_the_first(tmp_path: Path) -> None:
    issues = _check(
        tmp_path,
        "L2:\n  while: {team: L2}\n  calendar: C1\n",
        ("c.yaml", "agreements:\n  L2: {while: {team: L2}, calendar: C1}\n"),
    )
    issue = _one(issues, "defined twice")
    assert issue.file == str(tmp_path / "c.yaml")
    assert f"{tmp_path / 'b.yaml'}:2" in issue.message


def test_an_agreement_name_with_spaces_is_an_error(tmp_path: Path) -> None:
    issue = _one(
        _check(tmp_path, "L2 response:\n  while: {team: L2}\n  calendar: C1\n"),
        "not a valid agreement name",
    )
    assert issue.line == 2


def test_a_custom_metric_may_not_take_the_prefix_of_internal_records(tmp_path: Path) -> None:
    issues = _check(
        tmp_path,
        "L2:\n  while: {team: L2}\n  calendar: C1\n",
        (
            "d.yaml",
            """\
            metrics:
              "ola:mine": {start: {kind: created}, stop: {status: solved}}
            """,
        ),
    )
    issue = _one(issues, "starts with 'ola:'")
    assert (issue.file, issue.line, issue.severity) == (str(tmp_path / "d.yaml"), 2, "error")
