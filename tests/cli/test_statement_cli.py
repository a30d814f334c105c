"""``accord statement``: a customer's statement from an event log and a configuration, as a
table, JSON and CSV, in the contract's zone; and the errors a user can make, with their exit
codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from accord.cli.main import app

runner = CliRunner()
AS_OF = "2026-11-10T00:00:00Z"

CONFIG = """\
calendars:
  always: {tz: UTC, hours: {daily: [["00:00", "24:00"]]}}
policies:
  - name: Gold
    when: {customer: acme}
    calendar: always
    metrics: {first_response: 1h}
  - name: Standard
    calendar: always
    metrics: {first_response: 4h}
contracts:
  acme:
    policies: [Gold]
    tz: America/Los_Angeles
    monthly_fee: "20000.00"
    currency: USD
    objectives:
      first_response:
        metric: first_response
        met_share: 95%
        credit:
          tiers: [{below: 95%, credit: 10%}, {below: 90%, credit: 25%}]
"""

EVENTS = [
    # 31 October 22:00 PDT, answered 23:30 PDT (1 November 06:30 UTC): late, and in October
    ("T1", "2026-11-01T05:00:00Z", "2026-11-01T06:30:00Z"),
    ("T2", "2026-10-15T10:00:00Z", "2026-10-15T10:20:00Z"),
    # 1 November 01:00 PDT: November
    ("T3", "2026-11-01T08:00:00Z", "2026-11-01T08:10:00Z"),
]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    rows: list[dict[str, Any]] = []
    for n, (ticket, created, reply) in enumerate(EVENTS):
        rows.append(
            {
                "event_id": f"c{n}",
                "ticket_id": ticket,
                "ts": created,
                "kind": "created",
                "actor": "customer",
                "fields": {"customer": "acme", "status": "new"},
            }
        )
        rows.append({"event_id": f"r{n}", "ticket_id": ticket, "ts": reply, "kind": "message",
                     "actor": "agent", "public": True})  # fmt: skip
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = tmp_path / "config"
    config.mkdir()
    (config / "accord.yaml").write_text(CONFIG, encoding="utf-8")
    return events, config


def _run(setup: tuple[Path, Path], customer: str, *args: str) -> tuple[int, str, str]:
    events, config = setup
    res = runner.invoke(
        app, ["statement", str(events), "--config", str(config), customer, "--as-of", AS_OF, *args]
    )
    return res.exit_code, res.stdout, res.stderr


def test_json_states_october_in_the_contracts_zone(setup: tuple[Path, Path]) -> None:
    code, out, err = _run(setup, "acme", "--period", "2026-10", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["period"], data["period_start"], data["period_end"], data["final"]) == (
        "2026-10", "2026-10-01T07:00:00Z", "2026-11-01T07:00:00Z", True)  # fmt: skip
    fr = data["objectives"][0]
    # T2 met and T1 late: 1 of 2 = 50 %, below 90 %: 25 % of 20,000.00 = 5,000.00
    assert (fr["numerator"], fr["denominator"], fr["status"]) == (1, 2, "missed")
    assert [b["ticket_id"] for b in fr["breaches"]] == ["T1"]
    assert data["totals"]["due"] == "5000.00"
    assert data["credits"][0]["computation"] == (
        "attainment 50.00% (1 of 2) is below 90%: 25% of the period fee 20,000.00 USD = "
        "5,000.00 USD"
    )


def test_the_current_period_by_default(setup: tuple[Path, Path]) -> None:
    code, out, err = _run(setup, "acme", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["period"], data["final"]) == ("2026-11", False)
    assert data["objectives"][0]["denominator"] == 1  # T3
    assert data["objectives"][0]["forecast"] is not None


def test_csv_has_a_row_per_objective_and_the_totals(setup: tuple[Path, Path]) -> None:
    code, out, err = _run(setup, "acme", "--period", "2026-10", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["objective"], r["credit"], r["credit_status"]) for r in rows] == [
        ("first_response", "5000.00", "due"),
        ("total", "5000.00", "due"),
        ("total", "0.00", "pending"),
    ]
    assert (rows[0]["numerator"], rows[0]["denominator"], rows[0]["breached_tickets"]) == (
        "1", "2", "T1")  # fmt: skip


def test_the_table_shows_objectives_breaches_and_how_credits_were_computed(
    setup: tuple[Path, Path],
) -> None:
    code, out, err = _run(setup, "acme", "--period", "2026-10")
    assert code == 0, err
    assert "Statement of acme" in out and "2026-10-01 00:00 to 2026-11-01 00:00" in out
    assert "breaches of first_response: T1" in out
    assert "25% of the period fee 20,000.00 USD = 5,000.00 USD" in out
    assert "total due 5,000.00 USD" in out


def test_mistakes_exit_with_their_codes(setup: tuple[Path, Path]) -> None:
    code, _, err = _run(setup, "acmee")
    assert code == 5 and "no contract for customer 'acmee'; did you mean 'acme'?" in err
    code, _, err = _run(setup, "acme", "--period", "2026-12")
    assert code == 4 and "has not started" in err
    code, _, err = _run(setup, "acme", "--period", "October")
    assert code == 4 and "write it like 2026-10" in err
    assert _run(setup, "acme", "--format", "xml")[0] == 2
    _, config = setup
    (config / "bad.yaml").write_text(
        "contracts:\n  globex:\n    policies: [Gold]\n    monthly_fee: 10.5\n"
        "    currency: USD\n    objectives: {fr: {metric: first_response, met_share: 95%}}\n",
        encoding="utf-8",
    )
    code, _, err = _run(setup, "acme")
    # the console wraps long lines at a space it then drops, or inside a long path
    squeezed = "".join(err.split())
    assert code == 3 and "bad.yaml:4:error:moneymustbeexact" in squeezed
