"""``accord import``: streams a source into an event file and reports every row's fate."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accord.cli.main import app
from accord.errors import ConfigError, InputError
from accord.io.readers import read_events
from tests.io.importers.helpers import FIXTURES

runner = CliRunner()
SOURCE = FIXTURES / "servicenow-incidents.csv"


def test_import_writes_events_and_quarantine_and_ends_with_the_counts(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    res = runner.invoke(
        app, ["import", str(SOURCE), "--format", "servicenow", "--out", str(out),
              "--source-tz", "America/Sao_Paulo"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "16 audit rows read" in text
    assert "13 events written for 3 tickets (10 updated, 3 created)" in text
    assert "1 audit row without change" in text
    assert "3 audit rows quarantined → " + str(out) + ".quarantine.jsonl" in text
    assert "1 × incident_state: status '…' is not in the mapping's statuses" in text
    read = read_events(out)
    assert (len(read.events), len(read.quarantined)) == (13, 0)  # every event written is valid
    lines = (tmp_path / "events.jsonl.quarantine.jsonl").read_text().splitlines()
    assert {json.loads(line)["row"] for line in lines} == {12, 15, 17}


def test_no_quarantine_file_when_nothing_is_quarantined(tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    stale = tmp_path / "events.csv.quarantine.jsonl"
    stale.write_text("{}\n")
    res = runner.invoke(
        app, ["import", str(FIXTURES / "jira-issue.json"), "-f", "jira", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "0 issues quarantined" in res.stdout
    assert not stale.exists()  # the quarantine of an earlier run does not linger
    assert len(read_events(out).events) == 8


def test_imported_events_feed_accord_sla(tmp_path: Path) -> None:
    out = tmp_path / "zendesk.jsonl"
    assert (
        runner.invoke(
            app, ["import", str(FIXTURES / "zendesk-audits.json"), "-f", "zendesk", "-o", str(out)]
        ).exit_code
        == 0
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "calendars: {c: {tz: UTC, hours: {daily: [['00:00', '24:00']]}}}\n"
        "policies: [{name: P, calendar: c, metrics: {first_response: 1h}}]\n"
    )
    res = runner.invoke(
        app, ["sla", str(out), "-c", str(config), "--as-of", "2026-03-04T00:00:00Z", "-f", "json"]
    )
    assert res.exit_code == 0, res.output
    (record,) = json.loads(res.stdout)
    assert (record["metric"], record["state"], record["business_elapsed"]) == (
        "first_response", "met", 3600,
    )  # fmt: skip


def test_an_unknown_format_exits_with_the_input_error_code(tmp_path: Path) -> None:
    res = runner.invoke(app, ["import", str(SOURCE), "-f", "remedy", "-o", str(tmp_path / "e")])
    assert res.exit_code == InputError.exit_code
    assert "unknown import format 'remedy'" in res.output


def test_a_bad_mapping_exits_3_with_file_and_line(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns:\n  ticket_id: number\n  ts: sys_updated_at\nstatuses: {New: neu}\n"
    )
    res = runner.invoke(
        app, ["import", str(SOURCE), "-f", "servicenow", "-m", str(mapping),
              "-o", str(tmp_path / "e.jsonl")],
    )  # fmt: skip
    assert res.exit_code == ConfigError.exit_code
    assert f"{mapping}:4" in res.output


def test_an_output_name_without_a_format_fails_before_reading(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["import", str(SOURCE), "-f", "servicenow", "-o", str(tmp_path / "x.txt")]
    )
    assert res.exit_code == InputError.exit_code
    assert not (tmp_path / "x.txt").exists()
