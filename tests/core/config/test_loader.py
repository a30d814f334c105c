"""load_config / check_config / build_config: every problem with its file and line, and the
resolved configuration the engines use."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from accord.core.config.loader import (
    build_config,
    check_config,
    check_data,
    effective_instant,
    load_config,
)
from accord.core.config.resolved import Configuration
from accord.core.events import FieldValue, StatusCategory
from accord.errors import ConfigError, ConfigIssue


def _write(dir_: Path, name: str, text: str) -> Path:
    path = dir_ / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def _errors(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return [i for i in issues if i.severity == "error"]


def _at(issues: list[ConfigIssue], fragment: str) -> ConfigIssue:
    found = [i for i in issues if fragment in i.message]
    assert len(found) == 1, (fragment, [i.render() for i in issues])
    return found[0]


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


CALENDARS = """
calendars:
  support-eu:
    tz: Europe/Berlin
    hours: {mon-fri: [["09:00", "17:00"]]}
    holidays: [{country: DE, subdivision: BE}]
    closed_dates: [2026-12-24]
    special_hours: [{date: 2026-12-23, hours: [["09:00", "13:00"]]}]
    closures: [{date: 2026-06-01, from: "12:00", to: "14:00", reason: all-hands}]
    versions: [{effective_from: 2027-01-01, hours: {mon-fri: [["08:00", "18:00"]]}}]
  always:
    hours: {daily: [[00:00, 24:00]]}
statuses:
  "Awaiting customer": pending
  "  Waiting on Vendor ": on_hold
  2: open
"""

POLICIES = """
policies:
  - name: Gold
    when: {customer: [acme, globex], tags: {any: [vip]}}
    calendar: support-eu
    pause: [pending]
    reopen: continue
    priority_change: keep
    warnings: {shares: [0.75], remaining: [30m]}
    metrics:
      first_response: {urgent: 30m, high: 1h, default: 4h}
      resolution:
        {targets: {urgent: 4h, default: 24h}, pause: [pending, on_hold], reopen: new_cycle}
      agent_work: null
    versions:
      - {effective_from: 2026-06-01, metrics: {first_response: 2h}}
      - {effective_from: "2026-09-01T08:00:00+02:00", calendar: always, reopen: new_cycle}
  - name: Standard
    calendar: always
    metrics:
      first_response: 8h
      escalation_response: {default: 2h}
metrics:
  escalation_response:
    start: {kind: updated, tag_added: escalated}
    stop: {kind: message, actor: agent, public: true}
settings: {default_priority: normal}
"""


@pytest.fixture
def valid_dir(tmp_path: Path) -> Path:
    _write(tmp_path, "10-calendars.yaml", CALENDARS)
    _write(tmp_path, "20-policies.yml", POLICIES)
    return tmp_path


# ---------------------------------------------------------------- a valid configuration


def test_a_valid_configuration_split_over_two_files_loads(valid_dir: Path) -> None:
    from accord.core.calendar import BusinessCalendar

    config = load_config(valid_dir)
    assert isinstance(config, Configuration)
    assert set(config.calendars) == {"support-eu", "always"}
    assert all(isinstance(c, BusinessCalendar) for c in config.calendars.values())
    assert config.settings.default_priority == "normal"
    assert list(config.metrics) == ["escalation_response"]
    assert config.issues == ()


def test_policies_keep_their_written_order_and_first_match_wins(valid_dir: Path) -> None:
    config = load_config(valid_dir)
    assert [(p.name, p.index) for p in config.policies] == [("Gold", 0), ("Standard", 1)]
    gold: dict[str, FieldValue] = {"customer": "acme", "tags": ("vip", "x")}
    assert config.select_policy(gold) is config.policies[0]
    assert config.select_policy({"customer": "acme", "tags": ()}) is config.policies[1]


def test_targets_resolve_per_priority_with_default_for_the_rest(valid_dir: Path) -> None:
    base = load_config(valid_dir).policies[0].versions[0]
    assert base.target("first_response", "urgent") == 1800
    assert base.target("first_response", "high") == 3600
    assert base.target("first_response", "low") == 4 * 3600
    assert base.target("first_response", None) == 4 * 3600
    assert base.target("resolution", "urgent") == 4 * 3600
    assert base.target("resolution", "normal") == 24 * 3600
    assert "agent_work" in base.metrics and base.target("agent_work", "urgent") is None
    assert base.target("next_reply", "urgent") is None  # not measured by this policy


def test_pause_sets_and_options_fall_back_to_the_policy_unless_the_metric_overrides(
    valid_dir: Path,
) -> None:
    base = load_config(valid_dir).policies[0].versions[0]
    assert base.pause_set("first_response") == {StatusCategory.PENDING}
    assert base.pause_set("resolution") == {StatusCategory.PENDING, StatusCategory.ON_HOLD}
    assert base.reopen_rule("first_response") == "continue"
    assert base.reopen_rule("resolution") == "new_cycle"
    assert base.priority_change_rule("resolution") == "keep"
    assert base.warnings_for("resolution").shares == (0.75,)
    assert base.warnings_for("resolution").remaining == (1800,)


def test_versions_are_numbered_from_the_base_and_resolved_to_instants(valid_dir: Path) -> None:
    gold = load_config(valid_dir).policies[0]
    assert [v.number for v in gold.versions] == [1, 2, 3]
    assert gold.versions[0].effective_from is None
    # a date means 00:00 UTC of that date; an instant keeps its offset
    assert gold.versions[1].effective_from == _ts("2026-06-01T00:00:00+00:00")
    assert gold.versions[2].effective_from == _ts("2026-09-01T06:00:00+00:00")


def test_versions_are_cumulative_and_replace_metrics_wholesale(valid_dir: Path) -> None:
    v1, v2, v3 = load_config(valid_dir).policies[0].versions
    # version 2 replaces 'metrics' entirely: resolution and agent_work are gone
    assert set(v2.metrics) == {"first_response"}
    assert v2.target("first_response", "urgent") == 2 * 3600
    assert v2.calendar == "support-eu" and v2.pause == v1.pause
    # version 3 changes calendar and reopen, and keeps version 2's metrics
    assert v3.calendar == "always" and v3.reopen == "new_cycle"
    assert v3.metrics == v2.metrics
    assert v3.warnings == v1.warnings


def test_version_at_picks_the_version_in_force(valid_dir: Path) -> None:
    gold = load_config(valid_dir).policies[0]
    assert gold.version_at(_ts("2026-05-31T23:59:59+00:00")).number == 1
    assert gold.version_at(_ts("2026-06-01T00:00:00+00:00")).number == 2
    assert gold.version_at(_ts("2030-01-01T00:00:00+00:00")).number == 3


def test_status_names_are_casefolded_and_trimmed_and_numeric_ids_are_names(
    valid_dir: Path,
) -> None:
    config = load_config(valid_dir)
    assert config.statuses == {
        "awaiting customer": StatusCategory.PENDING,
        "waiting on vendor": StatusCategory.ON_HOLD,
        "2": StatusCategory.OPEN,
    }
    assert config.status_category("AWAITING Customer") is StatusCategory.PENDING
    assert config.status_category(2) is StatusCategory.OPEN
    assert config.status_category("solved") is StatusCategory.SOLVED


def test_a_custom_metric_may_be_named_in_a_policy(valid_dir: Path) -> None:
    standard = load_config(valid_dir).policies[1].versions[0]
    assert standard.target("escalation_response", "urgent") == 2 * 3600


def test_a_single_file_can_be_loaded(tmp_path: Path) -> None:
    path = _write(tmp_path, "all.yaml", CALENDARS + POLICIES)
    assert [p.name for p in load_config(path).policies] == ["Gold", "Standard"]
    assert [p.name for p in load_config(str(path)).policies] == ["Gold", "Standard"]


def test_files_are_read_in_name_order_and_other_files_are_ignored(tmp_path: Path) -> None:
    _write(tmp_path, "b.yaml", "calendars:\n  c: {hours: {daily: [['09:00', '17:00']]}}\n")
    _write(tmp_path, "a.yml", "policies:\n  - {name: P, calendar: c, metrics: {resolution: 1h}}\n")
    _write(tmp_path, "notes.txt", "not: [yaml")
    _write(tmp_path, ".a.yaml.swp", "not: [yaml")
    _write(tmp_path, ".hidden.yaml", "not: [yaml")
    (tmp_path / "sub.yaml").mkdir()
    config, issues = check_config(tmp_path)
    assert issues == [] and config is not None
    # 'a.yml' comes before 'b.yaml', so a problem in both is reported in that order
    _write(tmp_path, "a.yml", "bogus: 1\npolicies: [{name: P, calendar: c, metrics: {}}]\n")
    _write(tmp_path, "b.yaml", "bogus: 1\ncalendars: {c: {hours: {daily: []}}}\n")
    _, issues = check_config(tmp_path)
    assert [(Path(i.file).name, i.line) for i in _errors(issues)] == [("a.yml", 1), ("b.yaml", 1)]


def test_times_of_day_may_be_written_without_quotes(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "c.yaml",
        """
        calendars:
          c: {hours: {mon-fri: [[9:00, 17:30]]}}
        policies:
          - {name: P, calendar: c, metrics: {resolution: 8h}}
        """,
    )
    spec = load_config(path).policies[0]
    assert spec.name == "P"


# ---------------------------------------------------------------- every problem, with file and line

A_YAML = """
calendars:
  support-eu:
    tz: Europe/Berlin
    hours: {mon-fri: [["09:00", "17:00"]]}
    holidayz: [{country: DE}]
statuses:
  "Awaiting customer": pendng
polices: []
"""

B_YAML = """
policies:
  - name: Gold
    calendar: support-us
    metrics:
      first_response: 1hour
      resolutoin: 8h
  - name: Gold
    calendar: support-eu
    metrics: {resolution: 8h}
    versions:
      - {effective_from: 2026-06-01, metrics: {resolution: 4h}}
      - {effective_from: 2026-05-01, metrics: {resolution: 2h}}
calendars:
  support-eu:
    hours: {mon-fri: [["09:00", "17:00"]]}
"""


def test_mistakes_spread_over_two_files_are_all_reported_with_file_and_line(
    tmp_path: Path,
) -> None:
    a = str(_write(tmp_path, "a.yaml", A_YAML))
    b = str(_write(tmp_path, "b.yaml", B_YAML))
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    issues = caught.value.issues
    expected = [
        (a, 5, "unknown key 'holidayz'"),
        (a, 7, "got 'pendng'"),
        (a, 8, "unknown section 'polices'"),
        (b, 3, "unknown calendar 'support-us'"),
        (b, 5, "'1hour' is not a duration"),
        (b, 6, "unknown metric 'resolutoin'"),
        (b, 7, "policy name 'Gold' is used twice"),
        (b, 12, "version 2 of policy 'Gold' has an earlier effective_from than version 1"),
        (b, 14, "calendar 'support-eu' is defined twice"),
    ]
    assert [(i.file, i.line, i.message) for i in issues if i.severity == "error"] == [
        (f, line, _at(issues, text).message) for f, line, text in expected
    ]
    assert len(_errors(issues)) == len(expected)
    assert caught.value.exit_code == 3
    assert caught.value.to_json()["error"]["code"] == "config_invalid"


def test_each_issue_carries_a_hint_that_helps_fix_it(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", A_YAML)
    _write(tmp_path, "b.yaml", B_YAML)
    _, issues = check_config(tmp_path)
    assert _at(issues, "holidayz").hint == "did you mean 'holidays'?"
    assert "did you mean 'pending'?" in _at(issues, "pendng").hint
    assert "new, open, pending, on_hold, solved, closed" in _at(issues, "pendng").hint
    assert _at(issues, "polices").hint == "did you mean 'policies'?"
    assert _at(issues, "support-us").hint == "did you mean 'support-eu'?"
    assert "'90m', '8h', '1h30m'" in _at(issues, "1hour").hint
    assert _at(issues, "resolutoin").hint == "did you mean 'resolution'?"
    assert "increasing" in _at(issues, "earlier effective_from").hint
    assert "b.yaml:2" in _at(issues, "used twice").message  # names where the first one is
    assert "a.yaml:2" in _at(issues, "defined twice").message
    assert _at(issues, "holidayz").path == "calendars.support-eu.holidayz"
    assert _at(issues, "1hour").path == "policies[0].metrics.first_response"


def test_check_config_returns_the_issues_without_raising(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", A_YAML)
    config, issues = check_config(tmp_path)
    assert config is None
    assert len(_errors(issues)) == 3 + 1  # three mistakes, and no policies at all


def test_one_bad_policy_does_not_hide_the_problems_of_the_others(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "p.yaml",
        """
        calendars: {c: {hours: {daily: [["09:00", "17:00"]]}}}
        policies:
          - {name: A, calendar: c, metrics: {resolution: 8x}}
          - {name: B, calendar: c, reopen: sometimes, metrics: {resolution: 8h}}
          - {name: C, calendar: nope, metrics: {resolution: 8h}}
        """,
    )
    _, issues = check_config(tmp_path)
    assert [i.line for i in _errors(issues)] == [3, 4, 5]


def test_a_schema_error_in_a_policy_does_not_hide_its_wrong_references(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "p.yaml",
        """
        calendars: {c: {hours: {daily: [["09:00", "17:00"]]}}}
        policies:
          - name: A
            calendar: d
            reopen: sometimes
            metrics: {resolushun: 8h}
        """,
    )
    _, issues = check_config(tmp_path)
    assert [(i.line, i.message.split(",")[0]) for i in _errors(issues)] == [
        (4, "unknown calendar 'd'"),
        (5, "Input should be 'continue' or 'new_cycle'"),
        (6, "unknown metric 'resolushun': neither a built-in metric nor a custom one"),
    ]


def test_a_yaml_syntax_error_in_one_file_does_not_hide_problems_in_another(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "a.yaml", "calendars:\n  c: {hours: [\n")
    _write(
        tmp_path, "b.yaml", "policies:\n  - {name: P, calendar: c, reopen: x, metrics: {m: 1h}}\n"
    )
    _, issues = check_config(tmp_path)
    assert [(Path(i.file).name, i.line) for i in _errors(issues)] == [("a.yaml", 3), ("b.yaml", 2)]
    assert _errors(issues)[0].message.startswith("YAML syntax error")
    assert "'continue' or 'new_cycle'" in _errors(issues)[1].message
    # calendar 'c' and metric 'm' may be defined in the broken file: they are not called unknown
    assert not any("unknown" in i.message for i in issues)


def test_a_duplicate_key_in_a_file_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.yaml", CALENDARS + POLICIES + "settings: {}\n")
    lines = path.read_text().splitlines()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [issue] = caught.value.issues
    assert issue.line == len(lines)
    assert f"first on line {len(lines) - 1}" in issue.message


def test_policies_in_more_than_one_file_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    b = _write(
        tmp_path, "b.yaml", "# more\npolicies:\n  - {name: X, calendar: always, metrics: {}}\n"
    )
    _, issues = check_config(tmp_path)
    issue = _at(issues, "more than one file")
    assert (issue.file, issue.line) == (str(b), 2)
    assert "order would be ambiguous" in issue.message


def test_settings_in_more_than_one_file_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    _write(tmp_path, "b.yaml", "settings: {default_priority: low}\n")
    _, issues = check_config(tmp_path)
    assert _at(issues, "'settings' is given in more than one file").line == 1


def test_a_calendar_defined_in_two_files_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    b = _write(tmp_path, "b.yaml", "calendars:\n  always: {hours: {daily: []}}\n")
    _, issues = check_config(tmp_path)
    issue = _at(issues, "calendar 'always' is defined twice")
    assert (issue.file, issue.line) == (str(b), 2)


def test_no_policies_at_all_is_an_error_naming_the_configuration(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS)
    config, issues = check_config(tmp_path)
    assert config is None
    [issue] = issues
    assert issue.file == str(tmp_path) and issue.line is None
    assert "nothing to compute" in issue.message


def test_an_empty_policy_list_is_an_error_at_its_line(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + "policies: []\n")
    [issue] = check_config(tmp_path)[1]
    assert issue.line == CALENDARS.count("\n")
    assert "empty" in issue.message


def test_a_missing_path_or_an_empty_directory_is_an_issue(tmp_path: Path) -> None:
    [issue] = check_config(tmp_path / "nope")[1]
    assert "no such file" in issue.message
    [issue] = check_config(tmp_path)[1]
    assert "no YAML files" in issue.message


def test_a_file_must_hold_a_mapping_of_sections(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    _write(tmp_path, "b.yaml", "- policies\n")
    issue = _at(check_config(tmp_path)[1], "mapping of sections")
    assert issue.line == 1


def test_unknown_calendar_and_metric_in_a_policy_version_are_errors(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "p.yaml",
        """
        calendars: {c: {hours: {daily: [["09:00", "17:00"]]}}}
        policies:
          - name: A
            calendar: c
            metrics: {resolution: 8h}
            versions:
              - effective_from: 2026-01-01
                calendar: d
                metrics: {resolution: 4h, first_reponse: 1h}
        """,
    )
    _, issues = check_config(tmp_path)
    assert [(i.line, i.message) for i in _errors(issues)] == [
        (8, "unknown calendar 'd'"),
        (9, "unknown metric 'first_reponse': neither a built-in metric nor a custom one"),
    ]


def test_versions_with_the_same_effective_from_are_an_error(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "p.yaml",
        """
        calendars: {c: {hours: {daily: [["09:00", "17:00"]]}}}
        policies:
          - name: A
            calendar: c
            metrics: {resolution: 8h}
            versions:
              - {effective_from: 2026-01-01, reopen: new_cycle}
              - {effective_from: "2026-01-01T00:00:00Z", reopen: continue}
              - {effective_from: "2026-02-01T00:00:00", reopen: continue}
        """,
    )
    _, issues = check_config(tmp_path)
    assert [(i.line, i.message) for i in _errors(issues)] == [
        (8, "version 2 of policy 'A' has the same effective_from as version 1"),
        (9, "'2026-02-01T00:00:00' has no UTC offset; add one such as 'Z'"),
    ]


def test_a_version_that_changes_nothing_is_a_warning(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "p.yaml",
        """
        calendars: {c: {hours: {daily: [["09:00", "17:00"]]}}}
        policies:
          - name: A
            calendar: c
            metrics: {resolution: 8h}
            versions: [{effective_from: 2026-01-01}]
        """,
    )
    config = load_config(tmp_path)
    [issue] = config.issues
    assert (issue.severity, issue.line) == ("warning", 6)
    assert len(config.policies[0].versions) == 2


def test_a_custom_metric_named_like_a_built_in_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    _write(
        tmp_path,
        "b.yaml",
        """
        metrics:
          resolution: {start: {kind: created}, stop: {status: solved}}
        """,
    )
    issue = _at(check_config(tmp_path)[1], "has the name of a built-in metric")
    assert issue.line == 2


def test_a_custom_metric_defined_in_two_files_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    _write(
        tmp_path,
        "b.yaml",
        """
        metrics:
          escalation_response: {start: {kind: created}, stop: {status: solved}}
        """,
    )
    issue = _at(check_config(tmp_path)[1], "custom metric 'escalation_response' is defined twice")
    assert issue.line == 2


def test_a_status_mapped_to_two_categories_ignoring_case_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    b = _write(tmp_path, "b.yaml", "statuses:\n  awaiting CUSTOMER: open\n  2: open\n")
    issue = _at(check_config(tmp_path)[1], "is mapped to 'open' here and to 'pending'")
    assert (issue.file, issue.line) == (str(b), 2)
    assert "ignoring case" in issue.hint


def test_an_unknown_status_category_lists_the_six_categories(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    _write(tmp_path, "b.yaml", "statuses:\n  Parked: parked\n")
    issue = _at(check_config(tmp_path)[1], "got 'parked'")
    assert issue.hint == "the status categories are new, open, pending, on_hold, solved, closed"


def test_errors_from_the_arms_of_one_union_are_merged_into_one_issue(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CALENDARS + POLICIES)
    _write(
        tmp_path,
        "b.yaml",
        """
        metrics:
          m: {start: {kind: created}, stop: {status: solved}, pause: sometimes}
        """,
    )
    [issue] = _errors(check_config(tmp_path)[1])
    assert issue.message == "Input should be 'policy' or 'none' or a valid tuple, got 'sometimes'"
    assert issue.line == 2


def test_a_mistyped_option_in_a_short_metric_form_says_it_was_read_as_a_priority(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        "p.yaml",
        """
        calendars: {c: {hours: {daily: [["09:00", "17:00"]]}}}
        policies:
          - name: A
            calendar: c
            metrics:
              resolution:
                urgent: 4h
                pauze: [pending]
        """,
    )
    [issue] = _errors(check_config(tmp_path)[1])
    assert issue.line == 8
    assert "did you mean the option 'pause'?" in issue.hint


def test_a_near_miss_of_a_standard_field_in_when_is_a_warning(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "p.yaml",
        """
        calendars: {c: {hours: {daily: [["09:00", "17:00"]]}}}
        policies:
          - {name: A, calendar: c, when: {priorty: high, region: eu}, metrics: {resolution: 8h}}
        """,
    )
    [issue] = load_config(tmp_path).issues
    assert issue.severity == "warning" and "did you mean 'priority'?" in issue.hint


def test_a_calendar_the_calendar_module_rejects_is_reported_at_its_line(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "p.yaml",
        """
        policies:
          - {name: A, calendar: c, metrics: {resolution: 8h}}
        calendars:
          c:
            hours: {daily: [["09:00", "17:00"]]}
            closures: [{date: 2026-06-01, from: 0, to: 90000}]
        """,
    )
    [issue] = check_config(tmp_path)[1]
    assert issue.line == 4 and "calendar 'c'" in issue.message


# ---------------------------------------------------------------- policy analysis through loading


def test_shadowed_and_identical_policies_are_warned_with_their_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "p.yaml",
        """
        calendars: {c: {hours: {daily: [["09:00", "17:00"]]}}}
        policies:
          - {name: Gold, when: {customer: [acme, globex]}, calendar: c, metrics: {resolution: 4h}}
          - {name: Acme, when: {customer: acme}, calendar: c, metrics: {resolution: 2h}}
          - {name: Gold2, when: {customer: [globex, acme]}, calendar: c, metrics: {resolution: 1h}}
          - {name: Rest, calendar: c, metrics: {resolution: 8h}}
          - {name: Late, when: {team: l2}, calendar: c, metrics: {resolution: 8h}}
        """,
    )
    config = load_config(path)  # warnings do not block
    warnings = [(i.line, i.message.split(":")[0]) for i in config.issues]
    assert warnings == [
        (4, "policy 'Acme' can never match"),
        (5, "policy 'Gold2' can never match"),
        (7, "policy 'Late' can never match"),
    ]
    assert all(i.severity == "warning" and i.file == str(path) for i in config.issues)
    assert "overlap completely" in config.issues[1].message
    assert f"{path}:3" in config.issues[1].message
    assert "catch-all policy 'Rest'" in config.issues[2].message
    assert check_config(path)[1] == list(config.issues)


# ---------------------------------------------------------------- from a mapping


def _data() -> dict[str, Any]:
    return {
        "calendars": {"c": {"tz": "UTC", "hours": {"mon-fri": [["09:00", "17:00"]]}}},
        "statuses": {"Waiting": "pending"},
        "policies": [
            {
                "name": "P",
                "calendar": "c",
                "when": {"priority": ["urgent", "high"]},
                "pause": ["pending"],
                "metrics": {"first_response": {"urgent": "1h", "default": 3600 * 4}},
                "versions": [{"effective_from": date(2026, 1, 1), "metrics": {"resolution": "8h"}}],
            }
        ],
    }


def test_build_config_builds_from_an_in_memory_mapping() -> None:
    config = build_config(_data())
    [policy] = config.policies
    assert policy.versions[0].target("first_response", "urgent") == 3600
    assert policy.versions[0].target("first_response", "normal") == 4 * 3600
    assert policy.versions[1].effective_from == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    assert config.status_category("waiting") is StatusCategory.PENDING


def test_build_config_raises_with_every_problem_named_by_source_without_lines() -> None:
    data = _data()
    data["policies"][0]["calendar"] = "x"
    data["policies"][0]["metrics"]["first_response"]["urgent"] = "soon"
    data["extra"] = 1
    with pytest.raises(ConfigError) as caught:
        build_config(data, source="tests")
    issues = caught.value.issues
    assert len(issues) == 3
    assert all(i.file == "tests" and i.line is None for i in issues)
    assert {i.path for i in issues} == {
        "extra",
        "policies[0].calendar",
        "policies[0].metrics.first_response.urgent",
    }


def test_check_data_returns_warnings_alongside_the_configuration() -> None:
    data = _data()
    data["policies"].append(dict(data["policies"][0], name="Q"))
    config, issues = check_data(data)
    assert config is not None
    [issue] = issues
    assert issue.severity == "warning" and "overlap completely" in issue.message


# ---------------------------------------------------------------- effective_from


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-06-01", "2026-06-01T00:00:00+00:00"),
        (date(2026, 6, 1), "2026-06-01T00:00:00+00:00"),
        ("2026-06-01T10:00:00+02:00", "2026-06-01T08:00:00+00:00"),
        ("2026-06-01T10:00:00Z", "2026-06-01T10:00:00+00:00"),
        (datetime(2026, 6, 1, 10, tzinfo=UTC), "2026-06-01T10:00:00+00:00"),
    ],
)
def test_effective_from_is_a_date_at_midnight_utc_or_an_instant_with_offset(
    value: object, expected: str
) -> None:
    assert effective_instant(value) == _ts(expected)


@pytest.mark.parametrize("value", ["2026-06-01T10:00:00", datetime(2026, 6, 1), "soon", 5, None])
def test_effective_from_without_offset_or_of_another_kind_is_rejected(value: object) -> None:
    with pytest.raises(ValueError):
        effective_instant(value)
