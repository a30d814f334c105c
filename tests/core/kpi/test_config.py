"""The ``kpis:`` configuration section: valid definitions, customised built-ins, and every
mistake reported with its file and line, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from accord.core.config.loader import check_config, check_config_kpis, check_data_kpis
from accord.core.kpi.models import KpiSpec
from accord.errors import ConfigIssue

BASE = """
calendars:
  C1: {tz: UTC, hours: {mon-fri: [["09:00", "17:00"]]}}
policies:
  - name: Standard
    calendar: C1
    metrics: {first_response: 1h, resolution: 8h}
"""


def _write(dir_: Path, name: str, text: str) -> None:
    (dir_ / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _errors(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return [i for i in issues if i.severity == "error"]


def _line_of(issues: list[ConfigIssue], fragment: str) -> tuple[str, int | None]:
    found = [i for i in issues if fragment in i.message]
    assert len(found) == 1, (fragment, [i.render() for i in issues])
    return Path(found[0].file).name, found[0].line


def test_valid_definitions_load_beside_the_builtin_library(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", BASE)
    _write(
        tmp_path,
        "kpis.yaml",
        """
        kpis:
          p1_first_response:
            description: Median business first response on P1
            owner: support-ops
            measure: {metric: first_response, agg: median, of: business_elapsed,
                      where: {priority: P1, state: [met, breached]}}
            period: {grain: month, tz: Europe/Berlin}
            by: [team]
            target: 30m
            direction: lower
            bands: {green: 30m, amber: 45m}
          emea_share:
            measure: {over: tickets, agg: share, condition: {field.region: EMEA}}
            target: 40%
            direction: higher
          solved_per_created:
            expr: tickets_solved / tickets_created
          backlog: {target: 25, bands: {green: 25, amber: 40}, owner: team leads}
        """,
    )
    config, catalog, issues = check_config_kpis(tmp_path)
    assert config is not None and not _errors(issues), [i.render() for i in issues]
    p1 = catalog["p1_first_response"]
    assert (p1.target, p1.direction, p1.period.tz, p1.by) == (
        1800.0,
        "lower",
        "Europe/Berlin",
        ("team",),
    )
    assert catalog["emea_share"].target == pytest.approx(0.4)
    backlog = catalog["backlog"]  # customised: the built-in measure, the YAML target
    assert backlog.measure is not None and backlog.measure.over == "backlog"
    assert (backlog.target, backlog.owner, backlog.direction) == (25.0, "team leads", "lower")
    assert "sla_compliance_resolution" in catalog  # per metric of the policies
    assert "sla_compliance_next_reply" not in catalog


def test_every_mistake_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", BASE)
    _write(
        tmp_path,
        "b.yaml",
        """
        kpis:
          slow:
            measure: {metric: first_responce, agg: median, of: business_elapsed}
          odd_column:
            measure:
              agg: count
              where: {tem: A}
          bad_agg:
            measure: {agg: average, of: business_elapsed}
          no_p:
            measure: {agg: percentile, of: business_elapsed}
          text_mean:
            measure: {agg: mean, of: team}
          unknown_ref:
            expr: tickets_solved / tickets_creatd
          loop_a:
            expr: loop_b + 1
          loop_b:
            expr: loop_a * 2
          bands_wrong:
            measure: {agg: count}
            direction: lower
            bands: {green: 10, amber: 5}
          no_direction:
            measure: {agg: count}
            target: 10
          bad_zone:
            measure: {agg: count}
            period: {grain: week, tz: Mars/Olympus}
          bad_state:
            measure: {agg: count, where: {state: late}}
          bad_expr:
            expr: "tickets_solved ** 2"
          nothing: {description: says nothing}
          bad_at:
            measure: {agg: count, at: team}
          two_things:
            measure: {agg: count}
            expr: tickets_created
          bad_dim:
            measure: {agg: count}
            by: [created]
        """,
    )
    _write(tmp_path, "c.yaml", "kpis:\n  slow: {expr: tickets_created}\n")
    config, _, issues = check_config_kpis(tmp_path)
    assert config is None
    expect = {
        "unknown metric 'first_responce'": 3,
        "unknown column 'tem'": 7,
        "average": 9,
        "needs 'p'": 11,
        "'mean' needs a numeric column, and 'team' is text": 13,
        "unknown KPI 'tickets_creatd'": 15,
        "cycle: loop_a → loop_b → loop_a": 17,
        "amber threshold must not be below": 20,
        "needs 'direction'": 24,
        "Mars/Olympus": 29,
        "'late' is not a value 'state' takes": 31,
        "tickets_solved ** 2": 33,
        "says nothing to compute": 34,
        "'at' places rows in periods by an instant, and 'team' is text": 36,
        "gives measure and expr": 37,
        "'created' is instant and cannot be a dimension": 42,
    }
    for fragment, line in expect.items():
        assert _line_of(issues, fragment) == ("b.yaml", line)
    assert _line_of(issues, "KPI 'slow' is defined twice") == ("c.yaml", 2)
    hints = {i.message: i.hint for i in issues}
    assert hints["unknown metric 'first_responce'"] == "did you mean 'first_response'?"
    assert len(_errors(issues)) == len(expect) + 1


def test_accord_check_reports_kpi_problems_too(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", BASE + "kpis:\n  x: {measure: {agg: count, where: {tem: A}}}\n")
    config, issues = check_config(tmp_path)
    assert config is None
    assert [(Path(i.file).name, i.line) for i in _errors(issues)] == [("a.yaml", 8)]


def test_kpi_names_must_work_in_expressions() -> None:
    _, _, issues = check_data_kpis({**_base_data(), "kpis": {"first response": {"expr": "1"}}})
    assert any("not a valid KPI name" in i.message for i in issues)


def test_a_missing_file_silences_the_reference_checks_it_could_satisfy(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", BASE + "kpis:\n  x: {measure: {metric: custom_one, agg: count}}\n")
    _write(tmp_path, "b.yaml", "metrics: [unclosed\n")
    _, _, issues = check_config_kpis(tmp_path)
    assert not any("custom_one" in i.message for i in issues)


def _base_data() -> dict[str, object]:
    return {
        "calendars": {"C1": {"tz": "UTC", "hours": {"mon-fri": [["09:00", "17:00"]]}}},
        "policies": [{"name": "S", "calendar": "C1", "metrics": {"first_response": "1h"}}],
    }


def test_thresholds_read_numbers_percentages_and_durations() -> None:
    spec = KpiSpec.model_validate(
        {"measure": {"agg": "count"}, "direction": "higher", "target": "95%",
         "bands": {"green": 0.95, "amber": "90%"}}
    )  # fmt: skip
    assert (spec.target, spec.bands and spec.bands.amber) == (
        pytest.approx(0.95),
        pytest.approx(0.9),
    )
    assert (
        KpiSpec.model_validate({"expr": "1", "direction": "lower", "target": "1h30m"}).target
        == 5400
    )


def test_a_label_is_one_short_line_and_a_bad_one_is_reported_at_its_line(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", BASE)
    _write(
        tmp_path,
        "kpis.yaml",
        """
        kpis:
          backlog: {label: Open tickets}
          p1_count:
            measure: {over: tickets, agg: count}
            label: "two\\nlines"
        """,
    )
    _, issues = check_config(tmp_path)
    assert _line_of(issues, "a label is one line") == ("kpis.yaml", 5)
    assert KpiSpec.model_validate({"label": "  Open tickets "}).label == "Open tickets"
    with pytest.raises(ValueError, match="at most 60"):
        KpiSpec.model_validate({"label": "x" * 61})
