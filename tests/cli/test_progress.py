"""Every long command shows its phases: plain lines when stderr is not a terminal (a log, CI),
nothing with --quiet; the results are printed either way."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from accord.cli.main import app
from accord.cli.progress import Progress
from accord.demo import CONFIG_DIR

runner = CliRunner()
END = "2026-03-04T12:00:00Z"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _plain() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=False, width=200), buf


def test_a_phase_ends_with_its_count_time_and_rate() -> None:
    console, buf = _plain()
    clock = Clock()
    with Progress(console=console, clock=clock).phase("computing", 1000) as phase:
        clock.now += 2.0
        phase.update(1000)
    assert buf.getvalue() == "computing: 1,000 events in 2.0 s (500 events/s)\n"


def test_a_long_phase_prints_a_line_every_few_seconds_with_the_time_left() -> None:
    console, buf = _plain()
    clock = Clock()
    with Progress(console=console, clock=clock, every=5).phase("writing", 400, "records") as p:
        clock.now += 1
        p.update(50)  # too soon after the start: no line
        clock.now += 4
        p.update(100)
        clock.now += 5
        p.update(200)
    lines = buf.getvalue().splitlines()
    assert lines == [
        "writing: 100 of 400 records (25 %), 20 records/s, about 15 s left",
        "writing: 200 of 400 records (50 %), 20 records/s, about 10 s left",
        "writing: 200 records in 10.0 s (20 records/s)",
    ]


def test_quiet_prints_nothing() -> None:
    console, buf = _plain()
    with Progress(quiet=True, console=console).phase("reading") as phase:
        phase.update(10)
    assert buf.getvalue() == ""


def test_a_terminal_gets_a_bar_with_counts() -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120)
    with Progress(console=console).phase("generating", 10) as phase:
        phase.update(10)
    assert Progress(console=console).mode == "bar"
    assert "generating" in buf.getvalue() and "10 of 10 events" in buf.getvalue()


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "events.jsonl"
    res = runner.invoke(
        app, ["demo", "generate", "--tickets", "60", "--end", END, "--out", str(path)]
    )
    assert res.exit_code == 0, res.output
    assert "generating: " in res.stderr and "writing: " in res.stderr
    return path


def _run(args: list[str]) -> tuple[str, str]:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res.stdout, res.stderr


COMMANDS = {
    "sla": (["sla", "{log}", "-c", str(CONFIG_DIR), "--as-of", END], ["reading", "computing"]),
    "kpi": (["kpi", "{log}", "-c", str(CONFIG_DIR), "--as-of", END],
            ["reading", "computing", "evaluating"]),
    "whatif": (["review", "whatif", "{log}", "-c", str(CONFIG_DIR), "--as-of", END,
                "--candidate", str(CONFIG_DIR)], ["reading", "replaying"]),
    "statement": (["statement", "{log}", "acme", "-c", str(CONFIG_DIR), "--as-of", END],
                  ["reading", "computing"]),
    "targets": (["review", "targets", "{log}", "-c", str(CONFIG_DIR), "--as-of", END],
                ["reading", "computing"]),
    "capacity": (["review", "capacity", "{log}", "-c", str(CONFIG_DIR), "--as-of", END],
                 ["reading", "computing"]),
    "drivers": (["review", "drivers", "{log}", "-c", str(CONFIG_DIR), "--as-of", END,
                 "--period", "2026-02"], ["reading", "computing"]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_long_command_prints_its_phases_and_none_with_quiet(log: Path, name: str) -> None:
    args, phases = COMMANDS[name]
    args = [a.replace("{log}", str(log)) for a in args]
    out, err = _run(args)
    for phase in phases:
        assert any(line.startswith(phase) and " in " in line for line in err.splitlines()), (
            phase,
            err,
        )
    quiet_out, quiet_err = _run([*args, "--quiet"])
    assert quiet_out == out
    for phase in phases:
        assert not any(line.startswith(phase) for line in quiet_err.splitlines()), quiet_err


def test_demo_generate_quiet_prints_no_phase(tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    _, err = _run(["demo", "generate", "--tickets", "5", "--end", END, "-o", str(out), "-q"])
    assert "generating" not in err and "writing:" not in err
    assert err.startswith("wrote ")


def test_demo_run_prints_each_phase_and_none_with_quiet(tmp_path: Path) -> None:
    args = ["demo", "run", "--dir", str(tmp_path), "--events", "3000"]
    out, err = _run(args)
    for phase in ("generating", "writing", "reading", "computing", "writing records"):
        assert any(line.startswith(f"{phase}: ") and " in " in line for line in err.splitlines())
    assert "compliance" in out and (tmp_path / "records.csv").stat().st_size > 0
    quiet_out, quiet_err = _run([*args, "--quiet"])
    assert quiet_err == ""
    assert "compliance" in quiet_out
