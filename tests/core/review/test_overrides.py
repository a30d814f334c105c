"""Candidate configurations: overrides of dotted paths applied to the configuration in force,
validated like any configuration, every problem at the line the user wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.core.review.candidate import (
    candidate_with_overrides,
    load_candidate,
    load_setup,
    overrides_source,
    sources_of_files,
)
from accord.core.review.overrides import parse_key
from accord.errors import ConfigError

POLICIES = """\
calendars:
  C1: {tz: UTC, hours: {mon-fri: [["09:00", "17:00"]]}}
policies:
  - name: Gold
    calendar: C1
    pause: [pending]
    metrics:
      first_response: {high: 1h, default: 4h}
      next_reply: 2h
      resolution: {targets: {high: 8h, default: 24h}, pause: [pending, on_hold]}
      agent_work: null
    versions:
      - effective_from: 2025-01-01
        metrics:
          first_response: {high: 30m, default: 2h}
          resolution: {targets: {high: 6h}, pause: [pending]}
  - name: Tier 1.5
    calendar: C1
    metrics:
      first_response: 8h
"""
CONTRACTS = """\
contracts:
  acme:
    policies: [Gold]
    monthly_fee: '1000.00'
    currency: USD
    objectives:
      fr: {metric: first_response, met_share: 90%}
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    d = tmp_path / "cfg"
    d.mkdir()
    (d / "policies.yaml").write_text(POLICIES)
    (d / "contracts.yaml").write_text(CONTRACTS)
    return d


def _candidate(config_dir: Path, text: str) -> tuple[Path, object]:
    path = config_dir.parent / "candidate.yaml"
    path.write_text(text)
    return path, load_candidate(config_dir, path)


def _errors(config_dir: Path, text: str) -> list[str]:
    path = config_dir.parent / "candidate.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_candidate(config_dir, path)
    return [i.render() for i in exc.value.issues if i.severity == "error"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "policies.Gold.metrics.resolution.high",
            ("policies", "Gold", "metrics", "resolution", "high"),
        ),
        ('policies."Tier 1.5".calendar', ("policies", "Tier 1.5", "calendar")),
        ("policies.Gold.versions[0].metrics", ("policies", "Gold", "versions", 0, "metrics")),
        ("calendars.support-us.hours.mon-fri", ("calendars", "support-us", "hours", "mon-fri")),
        ("a..b", None),
        ("", None),
        ("a.", None),
    ],
)
def test_dotted_paths_are_read_segment_by_segment(text: str, want: object) -> None:
    assert parse_key(text) == want


def test_a_priority_target_goes_into_every_version_that_measures_the_metric(
    config_dir: Path,
) -> None:
    _, cand = _candidate(config_dir, "policies.Gold.metrics.resolution.high: 5h\n")
    gold = cand.config.policies[0]  # type: ignore[attr-defined]
    for version in gold.versions:
        assert version.metrics["resolution"].targets["high"] == 5 * 3600
    # the rest of each version is kept: its own default and pause set
    assert gold.versions[0].metrics["resolution"].targets["default"] == 24 * 3600
    assert [c.value for c in gold.versions[1].metrics["resolution"].pause] == ["pending"]


def test_a_short_form_metric_takes_a_priority_and_keeps_its_default(config_dir: Path) -> None:
    _, cand = _candidate(config_dir, "policies.Gold.metrics.next_reply.high: 1h\n")
    version = cand.config.policies[0].versions[0]  # type: ignore[attr-defined]
    assert version.metrics["next_reply"].targets == {"default": 2 * 3600, "high": 3600}


def test_a_version_that_does_not_measure_a_metric_is_left_alone(config_dir: Path) -> None:
    _, cand = _candidate(config_dir, "policies.Gold.metrics.next_reply.high: 1h\n")
    assert "next_reply" not in cand.config.policies[0].versions[1].metrics  # type: ignore[attr-defined]


def test_one_version_can_be_addressed_alone(config_dir: Path) -> None:
    _, cand = _candidate(config_dir, "policies.Gold.versions.0.metrics.first_response.high: 45m\n")
    gold = cand.config.policies[0]  # type: ignore[attr-defined]
    assert gold.versions[0].metrics["first_response"].targets["high"] == 3600
    assert gold.versions[1].metrics["first_response"].targets["high"] == 45 * 60


def test_a_quoted_policy_name_a_contract_objective_and_a_new_calendar_apply(
    config_dir: Path,
) -> None:
    path, cand = _candidate(
        config_dir,
        'policies."Tier 1.5".calendar: C2\n'
        "calendars.C2: {tz: Europe/Berlin, hours: {mon-sun: [['08:00', '20:00']]}}\n"
        "contracts.acme.objectives.fr.met_share: 85%\n",
    )
    assert cand.config.policies[1].versions[0].calendar == "C2"  # type: ignore[attr-defined]
    assert "C2" in cand.config.calendars  # type: ignore[attr-defined]
    assert str(cand.contracts["acme"].objectives["fr"].met_share) == "0.85"  # type: ignore[attr-defined]
    # where each override went, for the what-if's account of its candidate
    applied = cand.describe()["overrides"]  # type: ignore[attr-defined]
    assert applied[1]["applied_to"] == [f"{path} (calendars.C2)"]


def test_a_candidate_never_changes_the_files_it_starts_from(config_dir: Path) -> None:
    before = {p.name: p.read_text() for p in config_dir.iterdir()}
    _candidate(config_dir, "policies.Gold.metrics.resolution.high: 5h\n")
    assert {p.name: p.read_text() for p in config_dir.iterdir()} == before
    current = load_setup(config_dir)
    assert current.config.policies[0].versions[1].metrics["resolution"].targets["high"] == 6 * 3600


def test_every_problem_of_a_candidate_is_reported_at_the_line_of_its_override(
    config_dir: Path,
) -> None:
    errors = _errors(
        config_dir,
        "policies.Gold.metrics.resolution.high: 5 hours\n"  # 1: not a duration
        "policies.Glod.pause: [pending]\n"  # 2: no such policy
        "contracts.acme.objectives.fr.met_share: 185%\n"  # 3: not a share
        "polices.Gold.calendar: C1\n"  # 4: no such section
        "policies.Gold.calendar: nowhere\n"  # 5: unknown calendar
        "a..b: 1\n",  # 6: not a path
    )
    path = config_dir.parent / "candidate.yaml"
    lines = sorted({int(e.split(":")[1]) for e in errors})
    assert lines == [1, 2, 3, 4, 5, 6]
    assert all(e.startswith(f"{path}:") for e in errors)
    joined = "\n".join(errors)
    assert "did you mean 'Gold'?" in joined
    assert "did you mean 'policies'?" in joined
    assert "unknown calendar 'nowhere'" in joined
    # the hint names where the changed item lives
    assert "policies.yaml:" in joined


def test_an_override_cannot_reach_into_a_single_value(config_dir: Path) -> None:
    errors = _errors(config_dir, "policies.Gold.calendar.tz: UTC\n")
    assert len(errors) == 1
    assert ":1: error:" in errors[0] and "single value" in errors[0]


def test_a_list_is_addressed_by_an_index_it_has(config_dir: Path) -> None:
    errors = _errors(config_dir, "policies.Gold.versions.3.calendar: C1\n")
    assert "there is no item 3" in errors[0]


def test_replacing_a_whole_metric_with_one_duration_warns_of_the_options_it_drops(
    config_dir: Path,
) -> None:
    _, cand = _candidate(config_dir, "policies.Gold.metrics.resolution: 12h\n")
    warnings = [i.render() for i in cand.warnings]  # type: ignore[attr-defined]
    assert any("dropping its pause" in w and ":1: warning" in w for w in warnings)


def test_a_whole_configuration_directory_is_a_candidate_too(
    config_dir: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "all.yaml").write_text(POLICIES.replace("high: 1h", "high: 3h"))
    cand = load_candidate(config_dir, other)
    assert cand.config.policies[0].versions[0].metrics["first_response"].targets["high"] == 3 * 3600
    assert cand.contracts == {}


def test_a_mapping_of_overrides_is_located_by_its_position(config_dir: Path) -> None:
    files = {p.name: p.read_text() for p in config_dir.iterdir()}
    sources, problems = sources_of_files(files)
    src = overrides_source(
        {"policies.Gold.pause": ["pending"], "policies.Gold.metrics.first_response.high": "soon"}
    )
    with pytest.raises(ConfigError) as exc:
        candidate_with_overrides(sources, "<stored>", src, problems)
    (issue,) = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.file, issue.line) == ("overrides.yaml", 2)
