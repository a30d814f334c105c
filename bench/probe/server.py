"""A real ``accord serve`` subprocess on a free port, over a given store, that can be killed
with SIGKILL and started again over the same store; and the stores to run it on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

PG_URL = os.environ.get(
    "ACCORD_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WAIT = 120.0  # seconds for the server to come up before giving up


class ServerError(RuntimeError):
    """The server did not start, or exited."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """``accord serve`` over ``database_url`` with the configuration directory ``config``."""

    database_url: str
    config: Path
    log: Path
    env: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-c",
            "from accord.cli.main import app; app()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--database-url",
            self.database_url,
            "--config",
            str(self.config),
            "--log-level",
            "warning",
        ]
        with self.log.open("ab") as log:
            env = {**os.environ, **self.env}
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"accord serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise ServerError("accord serve did not come up")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when the machine loses the process."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def sqlite_store(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / f'probe-{uuid.uuid4().hex[:8]}.db'}"


@contextmanager
def postgres_store(url: str = PG_URL) -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema, dropped afterwards (like the tests' stores)."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    schema = f"accord_probe_{uuid.uuid4().hex[:10]}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as e:
        engine.dispose()
        raise ServerError(f"PostgreSQL is not reachable at {url}: {e.orig}") from None
    scoped = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def store(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        with sqlite_store(folder) as url:
            yield url
    elif kind == "postgresql":
        with postgres_store() as url:
            yield url
    else:
        raise ValueError(f"unknown store {kind!r}: sqlite or postgresql")
