"""The first run: ``accord demo serve`` refuses a busy port before generating anything, prints
a sign-in link once the server accepts connections (the link signs the read-only token in
with one click), and stops on Ctrl-C without a traceback; ``accord serve`` prints its URL only
when it accepts connections."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ACCORD = str(Path(sys.executable).with_name("accord"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for_line(proc: subprocess.Popen[str], pattern: str, limit: int = 4000) -> str:
    """The first line of stdout matching ``pattern`` (a bound on lines, not on time)."""
    assert proc.stdout is not None
    for _ in range(limit):
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line matching {pattern!r}")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    proc = subprocess.Popen(
        [ACCORD, "demo", "serve", "--dir", str(tmp_path / "demo"), "--port", str(port),
         "--events", "800"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_demo_prints_a_link_that_signs_in_once_it_accepts_connections(
    demo: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = demo
    line = _wait_for_line(proc, r"/signin/link/")
    link = line.strip()
    # printed only once the socket accepts: the very next request is answered
    res = httpx.get(link, follow_redirects=False, timeout=60)
    assert res.status_code == 303 and res.headers["location"] == "/overview"
    cookie = res.cookies.get("accord_token")
    assert cookie and cookie.startswith("acc_")
    me = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/at-risk?limit=1",
        cookies={"accord_token": cookie},
        timeout=60,
    )
    assert me.status_code == 200
    wrong = httpx.get(f"http://127.0.0.1:{port}/signin/link/nope", timeout=60)
    assert wrong.status_code == 404 and "not valid" in wrong.text
    # Ctrl-C: a clean stop, no traceback
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert "Traceback" not in stderr
    assert "stopped" in stderr


def test_ctrl_c_while_generating_stops_without_a_traceback(
    demo: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    proc, _ = demo
    store = tmp_path / "demo" / "accord.db"
    for _ in range(3000):  # until it generates (a bound on polls, not a time limit)
        if store.exists() or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert store.exists()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr


def test_a_busy_port_is_refused_before_anything_is_generated(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run(
            [ACCORD, "demo", "serve", "--dir", str(tmp_path / "demo"), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode != 0
    assert f"port {port}" in run.stderr and "in use" in run.stderr
    assert not (tmp_path / "demo").exists()  # nothing generated


def test_serve_prints_its_url_only_when_it_accepts_connections(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [ACCORD, "serve", "--database-url", f"sqlite:///{tmp_path / 'a.db'}", "--port", str(port),
         "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        line = ""
        for _ in range(200):
            line = proc.stderr.readline()
            if "Accord on" in line or (not line and proc.poll() is not None):
                break
        assert f"Accord on http://127.0.0.1:{port}" in line
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=60).status_code == 200
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=120)
        assert "Traceback" not in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
