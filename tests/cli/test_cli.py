"""The `accord` command, end to end through Typer's runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from accord.cli.main import app
from accord.errors import ConfigError, InputError, NotFoundError

runner = CliRunner()
SCENARIOS = Path(__file__).parents[1] / "scenarios"


def test_check_accepts_a_valid_configuration() -> None:
    res = runner.invoke(
        app, ["check", str(SCENARIOS / "first-matching-policy-wins" / "config.yaml")]
    )
    assert res.exit_code == 0, res.output
    assert "OK" in res.output


def test_check_reports_every_problem_with_file_and_line_and_exits_3(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "calendars:\n"
        "  c1: {tz: Mars/Olympus, hours: {mon-fri: [['09:00', '17:00']]}}\n"
        "policies:\n"
        "  - name: P\n"
        "    calendar: nope\n"
        "    metrics: {first_response: soon}\n"
    )
    res = runner.invoke(app, ["check", str(tmp_path)])
    assert res.exit_code == ConfigError.exit_code
    assert "a.yaml:2" in res.output
    assert "a.yaml:5" in res.output
    assert "a.yaml:6" in res.output


def test_check_json_lists_issues(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("policies: []\n")
    res = runner.invoke(app, ["check", str(tmp_path), "--format", "json"])
    assert res.exit_code == ConfigError.exit_code
    body = json.loads(res.stdout)
    assert body["ok"] is False and body["issues"]


def test_sla_prints_json_records_at_the_given_as_of() -> None:
    d = SCENARIOS / "first-response-inside-hours"
    res = runner.invoke(
        app, ["sla", str(d / "events.jsonl"), "--config", str(d / "config.yaml"),
              "--as-of", "2024-03-04T12:00:00Z", "--format", "json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["metric"], r["state"], r["business_elapsed"], r["due"]) for r in rows] == [
        ("first_response", "met", 5400, "2024-03-04T12:00:00Z")
    ]


def test_sla_writes_csv_and_parquet_files(tmp_path: Path) -> None:
    d = SCENARIOS / "status-based-clocks"
    args = ["sla", str(d / "events.jsonl"), "-c", str(d / "config.yaml"),
            "--as-of", "2024-03-05T00:00:00Z"]  # fmt: skip
    res = runner.invoke(app, [*args, "--format", "csv", "--out", str(tmp_path / "r.csv")])
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert lines[0].startswith("ticket_id,metric,cycle")
    assert len(lines) == 4
    res = runner.invoke(app, [*args, "--format", "parquet", "--out", str(tmp_path / "r.parquet")])
    assert res.exit_code == 0, res.output
    table = pq.read_table(tmp_path / "r.parquet")
    assert sorted(table.column("metric").to_pylist()) == [
        "agent_work", "requester_wait", "total_resolution"]  # fmt: skip


def test_sla_quarantines_bad_rows_and_still_computes_the_good_ones(tmp_path: Path) -> None:
    d = SCENARIOS / "first-response-inside-hours"
    events = tmp_path / "events.jsonl"
    shutil.copy(d / "events.jsonl", events)
    with events.open("a") as f:
        f.write('{"event_id": "bad", "ticket_id": "T9", "ts": "yesterday", "kind": "created"}\n')
    res = runner.invoke(app, ["sla", str(events), "-c", str(d / "config.yaml"),
                              "--as-of", "2024-03-05T00:00:00Z", "-f", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)) == 1
    kept = [
        json.loads(x) for x in (tmp_path / "events.jsonl.quarantine.jsonl").read_text().splitlines()
    ]
    assert [(q["row"], q["field"]) for q in kept] == [(3, "ts")]


def test_sla_rejects_an_unknown_file_format_with_exit_4(tmp_path: Path) -> None:
    d = SCENARIOS / "first-response-inside-hours"
    bad = tmp_path / "events.xlsx"
    bad.write_text("x")
    res = runner.invoke(app, ["sla", str(bad), "-c", str(d / "config.yaml")])
    assert res.exit_code == InputError.exit_code


def test_demo_generate_is_deterministic_for_a_seed_and_end(tmp_path: Path) -> None:
    args = ["demo", "generate", "--seed", "3", "--tickets", "40", "--end", "2026-06-30T18:00:00Z"]
    a = runner.invoke(app, [*args, "--out", str(tmp_path / "a.jsonl")])
    b = runner.invoke(app, [*args, "--out", str(tmp_path / "b.jsonl"),
                            "--config-out", str(tmp_path / "cfg")])  # fmt: skip
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert runner.invoke(app, ["check", str(tmp_path / "cfg")]).exit_code == 0


def test_demo_run_writes_records_and_prints_the_scoreboard(tmp_path: Path) -> None:
    res = runner.invoke(app, ["demo", "run", "--dir", str(tmp_path), "--events", "3000"])
    assert res.exit_code == 0, res.output
    assert "compliance" in res.output.lower()
    assert (tmp_path / "records.csv").read_text().count("\n") > 100


def test_a_missing_file_exits_5_not_found_as_the_readme_says(tmp_path: Path) -> None:
    d = SCENARIOS / "first-response-inside-hours"
    config = str(d / "config.yaml")
    events = str(d / "events.jsonl")
    missing = str(tmp_path / "nope.jsonl")
    out = str(tmp_path / "e.jsonl")
    for args in (
        ["sla", missing, "-c", config],
        ["sla", missing, "-c", config, "--engine", "reference"],
        ["kpi", missing, "-c", config],
        ["sla", events, "-c", str(tmp_path / "no-config")],
        ["check", str(tmp_path / "no-config")],
        ["import", missing, "-f", "csv", "-o", out],
        ["import", events, "-f", "csv", "-m", str(tmp_path / "no.yaml"), "-o", out],
    ):  # fmt: skip
        res = runner.invoke(app, args)
        assert res.exit_code == NotFoundError.exit_code == 5, (args, res.output)
        assert "nope.jsonl" in res.output or "no-config" in res.output or "no.yaml" in res.output
