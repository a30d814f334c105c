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


def test_sla_leaves_free_memory_to_the_process_end_from_the_console_script_only(
    tmp_path: Path,
) -> None:
    events = tmp_path / "e.jsonl"
    made = _script(
        ["demo", "generate", "--events", "300", "--end", "2026-06-30T18:00:00Z", "-o",
         str(events), "-q"]
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    spy = (
        "from accord.core.engine.batch import memory; "
        "memory.engine_memory = lambda *, give_back=True, _real=memory.engine_memory: "
        "(print('give_back', give_back, file=sys.stderr), _real(give_back=give_back))[1]"
    )
    res = _script(
        ["sla", str(events), "-c", "src/accord/demo/config", "--as-of", "2026-06-30T18:00:00Z",
         "-f", "csv", "-o", str(tmp_path / "r.csv"), "--quiet"],
        before=spy,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "give_back False" in res.stderr.splitlines()
    # run in-process (as here, by tests or an embedding program), the memory is given back
    from accord.cli import main

    assert main.process_ends is False


def test_sla_from_the_console_script_leaves_pandas_out_and_writes_the_same_records(
    tmp_path: Path,
) -> None:
    import pyarrow as pa
    import pyarrow.json as pajson
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from accord.cli.main import app

    events = tmp_path / "e.jsonl"
    made = _script(
        ["demo", "generate", "--events", "400", "--end", "2026-06-30T18:00:00Z", "-o",
         str(events), "-q"]
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    # as Parquet, with a row to quarantine: the rows read again for it come through
    # pyarrow.dataset, which imports pandas where it can
    rows = pajson.read_json(events).to_pylist()
    rows[5]["kind"] = "no-such-kind"
    log = tmp_path / "e.parquet"
    pq.write_table(pa.Table.from_pylist(rows), log)
    common = ["sla", str(log), "-c", "src/accord/demo/config", "--as-of",
              "2026-06-30T18:00:00Z", "--source-tz", "UTC", "--jobs", "1", "--quiet"]  # fmt: skip
    pandas_seen = "import atexit; atexit.register(lambda: print('pandas', 'pandas' in sys.modules))"
    for fmt in ("parquet", "csv"):
        script_out, here_out = tmp_path / f"script.{fmt}", tmp_path / f"here.{fmt}"
        res = _script([*common, "-f", fmt, "-o", str(script_out)], before=pandas_seen)
        assert res.returncode == 0, res.stderr
        assert res.stdout.splitlines() == ["pandas False"]
        here = CliRunner().invoke(app, [*common, "-f", fmt, "-o", str(here_out)])
        assert here.exit_code == 0, here.output
        assert script_out.read_bytes() == here_out.read_bytes()
        assert "1 quarantined" in res.stderr
