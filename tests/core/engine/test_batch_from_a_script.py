"""compute_batch(jobs > 1) called from a plain script, as the README shows it: with or
without the ``if __name__ == "__main__":`` guard (run in a subprocess, as a user would)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DEMO_CONFIG = Path(__file__).parents[3] / "src" / "accord" / "demo" / "config"

BODY = f"""
from datetime import UTC, datetime

from accord.core.config.loader import load_config
from accord.core.engine.batch import compute_batch, events_to_table
from accord.demo.generate import generate_events

print("top level ran", flush=True)  # once per process that runs the script
end = datetime(2026, 6, 30, 18, tzinfo=UTC)
config = load_config({str(DEMO_CONFIG)!r})
events = events_to_table(list(generate_events(seed=5, end=end, tickets=60)))
as_of = int(end.timestamp())
"""
COMPUTE = """
two = compute_batch(events, config, as_of, jobs=2, chunk_events=200)
one = compute_batch(events, config, as_of, jobs=1)
print("rows", two.num_rows, "same", two.to_pylist() == one.to_pylist())
"""


def _run(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "report.py"
    path.write_text(script, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize("guarded", [False, True], ids=["without-guard", "with-guard"])
def test_a_script_computes_on_worker_processes_with_or_without_the_main_guard(
    tmp_path: Path, guarded: bool
) -> None:
    if guarded:
        script = BODY + 'if __name__ == "__main__":\n' + textwrap.indent(COMPUTE, "    ")
    else:
        script = BODY + COMPUTE
    done = _run(tmp_path, script)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    # the workers never run the script: it ran once, in the process that started it
    assert lines.count("top level ran") == 1, done.stdout
    rows = next(line for line in lines if line.startswith("rows "))
    assert rows.endswith("same True") and int(rows.split()[1]) > 0, rows
