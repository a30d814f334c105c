"""``accord review capacity``: the calculator's worked example as JSON, CSV and a table, the
agents needed, impossible inputs answered without NaN or a crash, and the history form over an
event log (agents needed per interval, shortfalls with --agents, the errors a user can make)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app

runner = CliRunner()

EXAMPLE = ["--calls", "100", "--interval", "30m", "--aht", "180s", "--answer-within", "20s"]


def _run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, ["review", "capacity", *args])
    return res.exit_code, res.stdout, res.stderr


def _json(*args: str) -> dict[str, object]:
    code, out, err = _run(*args, "--format", "json")
    assert code == 0, err
    parsed: dict[str, object] = json.loads(out, parse_constant=_no_constant)
    return parsed


def _no_constant(name: str) -> object:
    raise AssertionError(f"{name} in the JSON output")


def test_the_calculator_gives_the_worked_example_to_the_digits() -> None:
    got = _json(*EXAMPLE, "--agents", "14")
    assert got["erlangs"] == pytest.approx(10.0)
    assert round(got["p_wait"], 5) == 0.17413  # type: ignore[call-overload]
    assert round(got["service_level"], 5) == 0.88835  # type: ignore[call-overload]
    assert round(got["asa_seconds"], 2) == 7.84  # type: ignore[call-overload]
    assert got["stable"] is True and got["model"] == "erlang_c"
    assert got["agents_needed"] is None


def test_with_a_service_level_the_calculator_gives_the_agents_needed() -> None:
    got = _json(*EXAMPLE, "--service-level", "0.8")
    assert got["agents_needed"] == 14 and got["agents"] == 14
    got = _json(*EXAMPLE, "--service-level", "0.8", "--agents", "13")
    assert got["agents_needed"] == 14 and got["agents"] == 13
    assert round(got["service_level"] * 100, 2) == 79.56  # type: ignore[operator]


def test_with_a_patience_the_calculator_uses_erlang_a() -> None:
    got = _json(*EXAMPLE, "--agents", "14", "--patience", "120s")
    assert got["model"] == "erlang_a" and got["patience_seconds"] == 120
    assert 0 < got["p_abandon"] < 0.05  # type: ignore[operator]
    assert got["service_level"] > 0.88835  # type: ignore[operator]


def test_the_table_and_csv_show_the_same_figures() -> None:
    code, out, err = _run(*EXAMPLE, "--agents", "14", "--service-level", "0.8")
    assert code == 0, err
    for text in ("10 Erlang", "17.41%", "88.84%", "7.84s", "agents needed for 80.00% within 20s"):
        assert text in out
    code, out, err = _run(*EXAMPLE, "--agents", "14", "--format", "csv")
    assert code == 0, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert round(float(row["service_level"]), 5) == 0.88835
    assert row["stable"] == "true" and row["agents_needed"] == ""


@pytest.mark.parametrize("agents", ["10", "7", "0"])
def test_a_load_at_or_above_the_agents_answers_infinite_wait_as_null(agents: str) -> None:
    got = _json(*EXAMPLE, "--agents", agents)
    assert got["stable"] is False and got["asa_seconds"] is None
    assert got["service_level"] == 0.0 and got["p_wait"] == 1.0
    assert "infinite" in str(got["message"])


def test_zero_agents_with_patience_lose_every_contact_and_zero_calls_need_no_agent() -> None:
    got = _json(*EXAMPLE, "--agents", "0", "--patience", "2m")
    assert got["p_abandon"] == 1.0 and got["asa_seconds"] is None and got["occupancy"] is None
    got = _json("--calls", "0", "--aht", "3m", "--answer-within", "20s", "--service-level", "0.9")
    assert got["agents_needed"] == 0 and got["service_level"] == 1.0
    assert "no contacts" in str(got["message"])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--calls", "-5", "--aht", "3m", "--answer-within", "20s", "--agents", "3"], "contacts"),
        (["--calls", "nan", "--aht", "3m", "--answer-within", "20s", "--agents", "3"], "nan"),
        (["--calls", "inf", "--aht", "3m", "--answer-within", "20s", "--agents", "3"], "inf"),
        (["--calls", "5", "--aht", "0s", "--answer-within", "20s", "--agents", "3"], "handle"),
        (["--calls", "5", "--aht", "-3s", "--answer-within", "20s", "--agents", "3"], "--aht"),
        (["--calls", "5", "--aht", "3m", "--answer-within", "20s", "--agents", "-1"], "agents"),
        (["--calls", "5", "--aht", "3m", "--answer-within", "20s"], "--service-level"),
        ([*EXAMPLE, "--service-level", "1"], "between 0 and 1"),
        ([*EXAMPLE, "--service-level", "80"], "between 0 and 1"),
        ([*EXAMPLE, "--agents", "3", "--patience", "soon"], "--patience"),
        ([*EXAMPLE, "--agents", "3", "--concurrency", "0"], "concurrency"),
        (["--calls", "1e12", "--aht", "3m", "--answer-within", "20s", "--agents", "3"], "load"),
    ],
)
def test_impossible_calculator_inputs_are_clear_errors_with_exit_4(
    args: list[str], needle: str
) -> None:
    code, out, err = _run(*args)
    assert code == 4, (out, err)
    assert needle in err and "Traceback" not in err


def test_a_calculator_without_its_inputs_is_a_usage_error() -> None:
    assert _run("--calls", "100")[0] == 2
    assert _run(*EXAMPLE, "--agents", "3", "--format", "xml")[0] == 2


# ------------------------------------------------------------------ from history

CONFIG = """\
calendars:
  berlin: {tz: Europe/Berlin, hours: {mon-fri: [["09:00", "17:00"]]}}
policies:
  - name: Day
    calendar: berlin
    metrics: {first_response: {high: 1h, default: 4h}, agent_work: null}
"""


def _event(i: int, ticket: str, ts: str, kind: str, **extra: object) -> str:
    return json.dumps({"event_id": f"e{i}", "ticket_id": ticket, "ts": ts, "kind": kind, **extra})


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, Path]:
    """Two weeks: each Monday 10:00–11:00 Berlin (09:00Z) 40 tickets of team a, each solved
    after 15 minutes of agent work; and 30 tickets of team b on the Saturday between."""
    lines: list[str] = []
    n = 0
    for day in ("2026-03-02", "2026-03-09"):
        for k in range(40):
            ts = f"{day}T09:{k:02d}:00Z"
            end = f"{day}T09:{k + 15:02d}:00Z"
            fields = {"status": "new", "team": "a", "priority": "high"}
            lines.append(_event(n, f"a{day}{k}", ts, "created", actor="customer", fields=fields))
            done = {"status": "solved"}
            lines.append(_event(n + 1, f"a{day}{k}", end, "updated", actor="agent", fields=done))
            n += 2
    for k in range(30):
        lines.append(_event(n, f"b{k}", "2026-03-07T12:00:00Z", "created", actor="customer",
                            fields={"status": "new", "team": "b"}))  # fmt: skip
        n += 1
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(lines) + "\n")
    config = tmp_path / "config"
    config.mkdir()
    (config / "accord.yaml").write_text(CONFIG)
    return events, config


def _history(h: tuple[Path, Path], *args: str) -> tuple[int, str, str]:
    events, config = h
    return _run(str(events), "--config", str(config), "--as-of", "2026-03-20T00:00:00Z",
                "--from", "2026-03-02", "--to", "2026-03-15", *args)  # fmt: skip


def test_history_gives_agents_needed_per_interval_per_team(history: tuple[Path, Path]) -> None:
    code, out, err = _history(history, "--by", "team", "--format", "json")
    assert code == 0, err
    got = json.loads(out, parse_constant=_no_constant)
    assert got["metric"] == "first_response" and got["model"] == "erlang_c"
    a, b = got["groups"]
    assert (a["group"], a["calendar"], a["tz"], a["weeks"]) == ("a", "berlin", "Europe/Berlin", 2)
    assert a["aht_seconds"] == 900 and a["aht_source"] == "agent_work of 80 ticket(s)"
    mon = a["intervals"][10]
    assert (mon["day"], mon["from"], mon["to"], mon["arrivals"]) == ("Mon", "10:00", "11:00", 40)
    assert mon["erlangs"] == pytest.approx(10.0)  # 40 × 15 min in an hour
    assert mon["agents_needed"] == 11 and a["peak_agents_needed"] == 11
    assert a["shortfalls"] == []  # no agents given: nothing to fall short of
    # team b's Saturday tickets wait for Monday 09:00; its handle time is team a's
    assert b["aht_source"] == "agent_work of all groups (80 ticket(s))"
    sat, opening = b["intervals"][5 * 24 + 13], b["intervals"][9]
    assert sat["arrivals"] == 15 and sat["erlangs"] is None and sat["agents_needed"] == 0
    assert opening["deferred"] == 15 and opening["agents_needed"] > 0
    assert "upper bound" in err  # agent_work counts queueing too


def test_history_with_agents_lists_the_shortfalls_and_the_best_target(
    history: tuple[Path, Path],
) -> None:
    code, out, err = _history(history, "--aht", "15m", "--agents", "10", "--format", "json")
    assert code == 0, err
    (g,) = json.loads(out, parse_constant=_no_constant)["groups"]
    mon = g["intervals"][10]
    assert mon["agents"] == 10 and mon["shortfall"] == 1
    assert mon["reachable"] is False and mon["best_target_seconds"] is None  # 10 Erlang, 10
    assert [(s["day"], s["from"]) for s in g["shortfalls"]] == [("Mon", "10:00")]
    code, out, err = _history(history, "--aht", "15m", "--agents", "10")
    assert code == 0, err
    assert "1 interval(s) short of agents: Mon 10:00 (+1)" in out
    assert "Mon 10:00–11:00" in out and "never" in out


def test_history_as_csv_has_one_row_per_group_and_interval(history: tuple[Path, Path]) -> None:
    code, out, err = _history(history, "--aht", "15m", "--interval", "30m",
                              "--target", "first_response=20m", "--format", "csv")  # fmt: skip
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 7 * 48
    mon = [r for r in rows if r["day"] == "Mon" and r["from"] in ("10:00", "10:30")]
    assert [r["arrivals"] for r in mon] == ["30.0", "10.0"]
    assert rows[0]["erlangs"] == "" and rows[0]["reachable"] == "true"


def test_history_mistakes_exit_with_their_codes(history: tuple[Path, Path]) -> None:
    events, config = history
    assert _history(history, "--by", "customer")[0] == 2
    assert _history(history, "--period", "2026-Q1")[0] == 2  # with --from/--to
    assert _run(str(events), "--calls", "3", "--config", str(config))[0] == 2
    assert _run(str(events))[0] == 2  # no --config
    code, _, err = _history(history, "--target", "first_response", "--interval", "7m")
    assert code == 4 and "divide a day" in err
    code, _, err = _history(history, "--target", "nope=1h", "--aht", "1m")
    assert code == 4 and "no policy measures 'nope'" in err
    code, _, err = _run(str(events), "--config", str(config), "--period", "2020-01",
                        "--aht", "1m", "--as-of", "2026-03-20T00:00:00Z")  # fmt: skip
    assert code == 4 and "no 'first_response' arrivals" in err
    (config / "bad.yaml").write_text("policies:\n  - {name: X, calendar: nowhere, metrics: {}}\n")
    assert _history(history)[0] == 3
