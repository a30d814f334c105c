"""The ``accord`` console script ends the process without tearing the interpreter down, and
still exits as Python would: the same status, every line of output, the ``atexit`` handlers
run, and a thread still running waited for."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _script(args: list[str], before: str = "") -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(
        f"""
        import sys
        {before}
        from accord.cli.main import main
        sys.argv = ["accord", *{args!r}]
        main()
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT
    )


def test_a_command_exits_zero_with_its_output() -> None:
    from accord import __version__

    res = _script(["version"])
    assert res.returncode == 0 and res.stdout == __version__ + "\n"


def test_a_usage_error_exits_two_and_an_unknown_config_one() -> None:
    assert _script(["no-such-command"]).returncode == 2
    res = _script(["check", "/no/such/dir"])
    assert res.returncode not in (0, 2), res.stderr


def test_long_output_to_a_pipe_is_written_whole(tmp_path: Path) -> None:
    events = tmp_path / "e.jsonl"
    made = _script(
        [
            "demo",
            "generate",
            "--events",
            "3000",
            "--end",
            "2026-06-30T18:00:00Z",
            "-o",
            str(events),
            "-q",
        ]
    )
    assert made.returncode == 0, made.stderr
    res = _script(
        ["sla", str(events), "-c", "src/accord/demo/config", "--as-of", "2026-06-30T18:00:00Z",
         "-f", "csv", "--quiet"]
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) > 100 and lines[0].startswith("ticket_id,")
    assert all(line.count(",") == lines[0].count(",") or '"' in line for line in lines)


def test_atexit_handlers_run_and_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    before = textwrap.dedent(
        f"""
        import atexit, threading, time
        from pathlib import Path
        atexit.register(lambda: Path({str(mark)!r}).write_text("atexit"))
        def late():
            time.sleep(0.5)
            Path({str(mark)!r} + ".thread").write_text("thread")
        threading.Thread(target=late).start()
        """
    ).replace("\n", "\n        ")
    res = _script(["version"], before)
    assert res.returncode == 0, res.stderr
    assert mark.read_text() == "atexit"
    assert Path(str(mark) + ".thread").read_text() == "thread"
