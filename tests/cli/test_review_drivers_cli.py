"""``accord review drivers``: the breach drivers of a log through the command, every output
format, the clocks behind a row, and the mistakes a user can make with their exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app

runner = CliRunner()
AS_OF = "2026-11-30T00:00:00Z"

CONFIG = """\
calendars:
  paris:
    tz: Europe/Paris
    hours: {mon-fri: [["09:00", "17:00"]]}
policies:
  - name: Standard
    calendar: paris
    metrics:
      first_response: 2h
"""

# Monday 2026-11-02 09:00 Paris is 08:00Z. B1: L1 1h then L2 2h, answered after 3h
# (breached); B2: L2 3h (breached, acme); M1: L1 answers within 1h (met)
EVENTS = [
    {"event_id": "1", "ticket_id": "B1", "ts": "2026-11-02T08:00:00Z", "kind": "created",
     "actor": "customer", "fields": {"team": "L1", "customer": "globex", "status": "new"}},
    {"event_id": "2", "ticket_id": "B1", "ts": "2026-11-02T09:00:00Z", "kind": "updated",
     "actor": "agent", "fields": {"team": "L2"}},
    {"event_id": "3", "ticket_id": "B1", "ts": "2026-11-02T11:00:00Z", "kind": "message",
     "actor": "agent", "public": True},
    {"event_id": "4", "ticket_id": "B2", "ts": "2026-11-03T08:00:00Z", "kind": "created",
     "actor": "customer", "fields": {"team": "L2", "customer": "acme", "status": "new"}},
    {"event_id": "5", "ticket_id": "B2", "ts": "2026-11-03T11:00:00Z", "kind": "message",
     "actor": "agent", "public": True},
    {"event_id": "6", "ticket_id": "M1", "ts": "2026-11-04T08:00:00Z", "kind": "created",
     "actor": "customer", "fields": {"team": "L1", "customer": "acme", "status": "new"}},
    {"event_id": "7", "ticket_id": "M1", "ts": "2026-11-04T09:00:00Z", "kind": "message",
     "actor": "agent", "public": True},
]  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(CONFIG, encoding="utf-8")
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8")
    return log, tmp_path / "config"


def _run(files: tuple[Path, Path], *extra: str) -> object:
    log, config = files
    args = ["review", "drivers", str(log), "--config", str(config), "--period", "2026-11",
            "--as-of", AS_OF, *extra]  # fmt: skip
    return runner.invoke(app, args)


def test_json_ranks_each_dimension_by_contribution(files: tuple[Path, Path]) -> None:
    got = _run(files, "--format", "json", "--by", "team")
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    assert (data["breached_clocks"], data["met_clocks"]) == (2, 1)
    rows = [
        (r["value"], r["breached_seconds"], r["contribution"], r["excess"]) for r in data["rows"]
    ]
    assert rows == [("L2", 18000, 83.33, 83.33), ("L1", 3600, 16.67, -83.33)]
    assert data["window"]["label"] == "2026-11"


def test_a_customer_and_the_default_dimensions(files: tuple[Path, Path]) -> None:
    got = _run(files, "--format", "json", "--customer", "acme")
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    assert (data["breached_clocks"], data["met_clocks"]) == (1, 1)
    assert data["dimensions"] == ["team", "assignee", "status", "channel", "hour", "weekday"]
    hours = {r["value"] for r in data["rows"] if r["dimension"] == "hour"}
    assert hours == {"09", "10", "11"}  # Paris hours, not UTC


def test_csv_and_table(files: tuple[Path, Path]) -> None:
    got = _run(files, "--format", "csv", "--by", "team,weekday")
    assert got.exit_code == 0, got.output
    rows = list(csv.DictReader(io.StringIO(got.stdout)))
    assert [(r["dimension"], r["value"]) for r in rows][:2] == [("team", "L2"), ("team", "L1")]
    table = _run(files, "--by", "team")
    assert table.exit_code == 0, table.output
    assert "L2" in table.stdout and "83.3%" in table.stdout


def test_the_clocks_behind_a_row(files: tuple[Path, Path]) -> None:
    got = _run(files, "--format", "json", "--dimension", "team", "--value", "L2")
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    assert [(c["ticket_id"], c["state"], c["seconds"]) for c in data["clocks"]] == [
        ("B1", "breached", 7200),
        ("B2", "breached", 10800),
    ]


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (("--by", "tags"), 4),  # bad input (InputError)
        (("--period", "2026-13"), 4),
        (("--format", "xml"), 2),  # usage
    ],
)
def test_mistakes_exit_with_their_codes(
    files: tuple[Path, Path], extra: tuple[str, ...], code: int
) -> None:
    got = _run(files, *extra)
    assert got.exit_code == code, got.output
