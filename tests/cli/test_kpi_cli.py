"""``accord kpi``: KPI values from an event log and a configuration, as JSON, CSV and a
table; dimensions, grains, a chosen KPI and the errors a user can make."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.errors import ConfigError

runner = CliRunner()
AS_OF = "2024-03-08T12:00:00Z"

CONFIG = """\
calendars:
  C1: {tz: UTC, hours: {mon-fri: [["09:00", "17:00"]]}}
policies:
  - name: Standard
    calendar: C1
    metrics: {first_response: 1h, resolution: 8h}
kpis:
  first_response_median: {target: 30m, bands: {green: 30m, amber: 1h}}
  emea_tickets:
    measure: {over: tickets, agg: count, where: {field.region: EMEA}}
"""

EVENTS = [
    {"ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created", "actor": "customer",
     "fields": {"status": "new", "team": "A", "region": "EMEA"}},
    {"ticket_id": "T1", "ts": "2024-03-04T09:20:00Z", "kind": "message", "actor": "agent",
     "public": True},
    {"ticket_id": "T1", "ts": "2024-03-04T10:00:00Z", "kind": "updated", "actor": "agent",
     "fields": {"status": "solved"}},
    {"ticket_id": "T2", "ts": "2024-03-05T09:00:00Z", "kind": "created", "actor": "customer",
     "fields": {"status": "new", "team": "B", "region": "APAC"}},
    {"ticket_id": "T2", "ts": "2024-03-05T10:30:00Z", "kind": "message", "actor": "agent",
     "public": True},
    {"ticket_id": "T3", "ts": "2024-02-28T09:00:00Z", "kind": "created", "actor": "customer",
     "fields": {"status": "new", "team": "A", "region": "EMEA"}},
]  # fmt: skip


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps({"event_id": f"e{i}", **e}) + "\n"
                              for i, e in enumerate(EVENTS)))  # fmt: skip
    config = tmp_path / "config"
    config.mkdir()
    (config / "accord.yaml").write_text(CONFIG)
    return events, config


def _run(setup: tuple[Path, Path], *args: str) -> tuple[int, str, str]:
    events, config = setup
    res = runner.invoke(app, ["kpi", str(events), "--config", str(config), "--as-of", AS_OF, *args])
    return res.exit_code, res.stdout, res.stderr


def test_json_gives_value_target_band_and_forecast_per_period(setup: tuple[Path, Path]) -> None:
    code, out, err = _run(setup, "--kpi", "first_response_median", "--kpi", "tickets_created",
                          "--periods", "2", "--format", "json")  # fmt: skip
    assert code == 0, err
    rows = {(r["kpi"], r["period"]): r for r in json.loads(out)}
    frt = rows[("first_response_median", "2024-W10")]
    # T1 20m, T2 1h30m: median 55m, between the green 30m and the amber 1h
    assert (frt["value"], frt["target"], frt["band"]) == (3300.0, 1800.0, "amber")
    assert (frt["current"], frt["period_start"]) == (True, "2024-03-04T00:00:00Z")
    created = rows[("tickets_created", "2024-W10")]
    assert created["value"] == 2 and created["forecast"] == pytest.approx(
        2 / ((4.5 * 86400 + 1) / (7 * 86400))
    )
    assert rows[("tickets_created", "2024-W09")]["value"] == 1


def test_by_a_dimension_and_a_monthly_grain(setup: tuple[Path, Path]) -> None:
    code, out, err = _run(setup, "--kpi", "tickets_created", "--by", "team", "--grain", "month",
                          "--periods", "1", "--format", "csv")  # fmt: skip
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["period"], r["team"], r["value"]) for r in rows} == {
        ("2024-03", "A", "1.0"), ("2024-03", "B", "1.0")}  # fmt: skip


def test_a_yaml_kpi_on_a_custom_field_and_rolling_windows(setup: tuple[Path, Path]) -> None:
    code, out, err = _run(setup, "--kpi", "emea_tickets", "--grain", "7d", "--periods", "2",
                          "--format", "json")  # fmt: skip
    assert code == 0, err
    assert [r["value"] for r in json.loads(out)] == [1.0, 1.0]  # T3, then T1


def test_the_table_lists_every_kpi_and_marks_the_current_period(setup: tuple[Path, Path]) -> None:
    code, out, err = _run(setup, "--periods", "1")
    assert code == 0, err
    for name in ("tickets_created", "backlog", "first_response_median", "csat", "emea_tickets"):
        assert name in out
    assert "2024-W10*" in out


def test_the_whole_library_by_metric_leaves_out_the_ticket_kpis(setup: tuple[Path, Path]) -> None:
    code, out, err = _run(setup, "--by", "metric", "--periods", "1", "--format", "json")
    assert code == 0, err
    kpis = {r["kpi"] for r in json.loads(out)}
    assert "breaches" in kpis and "tickets_created" not in kpis
    assert "not broken down by metric" in err and "tickets_created" in err


def test_mistakes_exit_with_their_codes(setup: tuple[Path, Path]) -> None:
    assert _run(setup, "--grain", "fortnight")[0] == 2
    assert _run(setup, "--kpi", "nope")[0] == 5
    code, _, err = _run(setup, "--kpi", "tickets_created", "--by", "metric")
    assert code == 4 and "cannot be broken down" in err
    _, config = setup
    (config / "bad.yaml").write_text("kpis:\n  x: {measure: {agg: count, where: {tem: A}}}\n")
    code, _, err = _run(setup)
    assert code == ConfigError.exit_code and "bad.yaml:2" in err


DEMO_CONFIG = Path(__file__).parents[2] / "src" / "accord" / "demo" / "config"


@pytest.mark.parametrize("by", [None, "team", "field.region", "priority"])
def test_both_engines_give_the_same_kpis(tmp_path: Path, by: str | None) -> None:
    from datetime import UTC, datetime

    from accord.demo.generate import generate_events

    end = datetime(2026, 6, 30, 18, tzinfo=UTC)
    log = tmp_path / "events.jsonl"
    log.write_text(
        "".join(
            json.dumps(e.to_dict()) + "\n" for e in generate_events(seed=4, end=end, tickets=150)
        )
    )
    args = ["kpi", str(log), "-c", str(DEMO_CONFIG), "--as-of", "2026-06-30T18:00:00Z"]
    args += ["--format", "json", *(["--by", by] if by else [])]
    batch = runner.invoke(app, args)
    reference = runner.invoke(app, [*args, "--engine", "reference"])
    assert batch.exit_code == reference.exit_code == 0, batch.output + reference.output
    rows = json.loads(batch.stdout)
    assert len(rows) > 10 and any(r["value"] for r in rows)
    assert rows == json.loads(reference.stdout)
