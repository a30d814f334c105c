"""``accord review whatif`` and ``accord review targets``: the worked examples through the
command, every output format, and the mistakes a user can make with their exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app

runner = CliRunner()
SCENARIOS = Path(__file__).parents[1] / "review_scenarios"
W1 = SCENARIOS / "W1-looser-first-response-target"
T2 = SCENARIOS / "T2-open-clocks-are-not-met"
AS_OF = "2024-03-04T12:00:00Z"


def _whatif(*extra: str, candidate: Path = W1 / "candidate.yaml") -> list[str]:
    return [
        "review", "whatif", str(W1 / "events.jsonl"), "--config", str(W1 / "config.yaml"),
        "--candidate", str(candidate), "--as-of", AS_OF, *extra,
    ]  # fmt: skip


def test_whatif_json_has_each_group_under_both_configurations_and_the_changed_clocks() -> None:
    got = runner.invoke(app, _whatif("--format", "json"))
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    (group,) = data["groups"]
    assert group["key"] == {"metric": "first_response"}
    assert {k: group["current"][k] for k in ("judged", "met", "breached")} == {
        "judged": 4, "met": 2, "breached": 2,
    }  # fmt: skip
    assert {k: group["candidate"][k] for k in ("judged", "met", "breached")} == {
        "judged": 4, "met": 3, "breached": 1,
    }  # fmt: skip
    assert group["delta"]["compliance"] == 0.25
    (clock,) = group["changed"]
    assert (clock["ticket_id"], clock["current"]["state"], clock["candidate"]["state"]) == (
        "C", "breached", "met",
    )  # fmt: skip
    assert [s["what"] for s in clock["explanation"]["candidate"]] == ["start", "stop"]
    assert data["configurations"]["candidate"]["overrides"][0]["line"] == 2


def test_whatif_csv_has_a_row_per_group_and_a_total() -> None:
    got = runner.invoke(app, _whatif("--format", "csv"))
    assert got.exit_code == 0, got.output
    rows = list(csv.DictReader(io.StringIO(got.stdout)))
    assert [r["metric"] for r in rows] == ["first_response", "total"]
    first = rows[0]
    got_breaches = (first["breached_current"], first["breached_candidate"], first["breached_delta"])
    assert got_breaches == ("2", "1", "-1")


def test_whatif_table_shows_the_figures_and_the_clock_that_changes() -> None:
    got = runner.invoke(app, _whatif())
    assert got.exit_code == 0, got.output
    assert "first_response" in got.stdout and "2 → 1" in got.stdout
    assert "breached → met" in got.stdout and "30m → 45m" in got.stdout


def test_a_candidate_that_does_not_validate_lists_every_problem_with_its_line(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "policies.Standard.metrics.first_response: 45 minutes\n"
        "policies.Standrd.pause: [pending]\n"
        "calendars.24x7.tz: Mars/Olympus\n"
    )
    # wide enough that no problem is wrapped, whatever the length of the temporary path
    got = runner.invoke(app, _whatif(candidate=bad), env={"COLUMNS": "400"})
    assert got.exit_code == 3
    for line in (1, 2, 3):
        assert f"{bad}:{line}: error:" in got.stderr
    assert "hint:" in got.stderr and "did you mean 'Standard'?" in got.stderr


def test_a_whole_configuration_directory_is_a_candidate(tmp_path: Path) -> None:
    cand = tmp_path / "cand"
    cand.mkdir()
    (cand / "config.yaml").write_text((W1 / "config.yaml").read_text().replace("30m", "60m"))
    got = runner.invoke(app, _whatif("--format", "json", candidate=cand))
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["groups"][0]["candidate"]["met"] == 4


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (("--period", "2024-13"), 4, "is not a period"),
        (("--by", "agent"), 4, "cannot group by 'agent'"),
        (("--format", "xml"), 2, "choose one of"),
        (("--period", "2024-03", "--from", "2024-03-01"), 4, "not both"),
    ],
)
def test_bad_options_get_a_clear_error_and_their_exit_code(
    extra: tuple[str, ...], code: int, message: str
) -> None:
    got = runner.invoke(app, _whatif(*extra))
    assert got.exit_code == code
    assert message in got.output


def test_a_period_without_clocks_says_so() -> None:
    got = runner.invoke(app, _whatif("--period", "2023-Q1", "--format", "json"))
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    assert data["groups"] == []
    assert data["total"]["current"]["compliance"] is None
    assert "no data" in got.stderr and "2023-Q1" in got.stderr


def test_targets_json_says_open_clocks_leave_the_target_undecided() -> None:
    got = runner.invoke(
        app,
        ["review", "targets", str(T2 / "events.jsonl"), "--config", str(T2 / "config.yaml"),
         "--as-of", AS_OF, "--attainment", "0.9", "--periods", "1",
         "--grid", "1m,5m,10m,15m,30m,1h", "--format", "json"],
    )  # fmt: skip
    assert got.exit_code == 0, got.output
    (group,) = json.loads(got.stdout)["groups"]
    assert (group["recommended"], group["at_least"], group["status"]) == (None, "1h", "undecidable")


def test_targets_table_and_the_credits_of_adopting_them(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    shutil.copytree(Path(__file__).parents[2] / "src/accord/demo/config", cfg)
    events = tmp_path / "events.jsonl"
    got = runner.invoke(
        app, ["demo", "generate", "--out", str(events), "--tickets", "300",
              "--end", "2026-06-30T18:00:00Z"],
    )  # fmt: skip
    assert got.exit_code == 0, got.output
    got = runner.invoke(
        app, ["review", "targets", str(events), "-c", str(cfg), "--as-of", "2026-06-30T18:00:00Z",
              "--periods", "3"],
    )  # fmt: skip
    assert got.exit_code == 0, got.output
    assert "Recommended targets" in got.stdout and "first_response" in got.stdout
    assert "Credits if every recommendation had been in force" in got.stdout
    assert "acme" in got.stdout


def test_targets_by_an_unknown_dimension_is_refused() -> None:
    got = runner.invoke(
        app, ["review", "targets", str(T2 / "events.jsonl"), "-c", str(T2 / "config.yaml"),
              "--by", "agent"],
    )  # fmt: skip
    assert got.exit_code == 4
    assert "cannot group by 'agent'" in got.output
