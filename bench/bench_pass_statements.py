"""The PostgreSQL server's CPU in a recompute pass, by statement kind.

Runs :mod:`bench_recompute_pass`'s passes (on its filled store: ``fill`` first) with psycopg's
cursor calls wrapped: around each call the CPU of the connection's backend process is read
from ``/proc/<pid>/schedstat`` (nanoseconds on the CPU; the server runs on this machine), and
added to the call's statement kind. pg_stat_statements is not needed (nor loaded). Only the
recompute's own calls are counted (after the events' ingest of each pass):

    .venv/bin/python bench/bench_pass_statements.py
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

import bench_recompute_pass as bp
from accord.service import recompute

_ON = [False]  # counting: inside a recompute pass
_CPU: dict[str, float] = defaultdict(float)
_CALLS: dict[str, int] = defaultdict(int)


def _kind(sql: Any) -> str:
    text = " ".join(str(sql).split())
    m = re.match(r"UPDATE (\w+) AS t SET (.*?) FROM", text)
    if m:
        return f"UPDATE {m.group(1)} (unnest)"
    m = re.match(r"SELECT r\.\* FROM unnest.*? FROM (\w+)", text)
    if m:
        return f"SELECT {m.group(1)} (lateral)"
    return text[:60]


def _backend_ns(conn: Any) -> int:
    pid = conn.info.backend_pid
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def _wrap(name: str) -> None:
    original = getattr(psycopg.Cursor, name)

    def wrapper(self: Any, query: Any, *args: Any, **kw: Any) -> Any:
        if not _ON[0]:
            return original(self, query, *args, **kw)
        before = _backend_ns(self.connection)
        try:
            return original(self, query, *args, **kw)
        finally:
            kind = ("executemany " if name == "executemany" else "") + _kind(query)
            _CPU[kind] += _backend_ns(self.connection) - before
            _CALLS[kind] += 1

    setattr(psycopg.Cursor, name, wrapper)


def _wrap_copy() -> None:
    original = psycopg.Cursor.copy

    @contextmanager
    def copy(self: Any, statement: Any, *args: Any, **kw: Any) -> Iterator[Any]:
        before = _backend_ns(self.connection) if _ON[0] else 0
        with original(self, statement, *args, **kw) as c:
            yield c
        if _ON[0]:
            kind = _kind(statement)
            _CPU[kind] += _backend_ns(self.connection) - before
            _CALLS[kind] += 1

    psycopg.Cursor.copy = copy  # type: ignore[method-assign,assignment]


def _wrap_commit() -> None:
    original = psycopg.Connection.commit

    def commit(self: Any) -> None:
        if not _ON[0]:
            return original(self)
        before = _backend_ns(self)
        try:
            return original(self)
        finally:
            _CPU["COMMIT"] += _backend_ns(self) - before
            _CALLS["COMMIT"] += 1

    psycopg.Connection.commit = commit  # type: ignore[method-assign]


def main() -> int:
    for name in ("execute", "executemany"):
        _wrap(name)
    _wrap_copy()
    _wrap_commit()
    original = recompute.recompute_tickets

    passes = [0]

    def counted(*args: Any, **kw: Any) -> Any:
        _ON[0] = True
        try:
            return original(*args, **kw)
        finally:
            _ON[0] = False
            passes[0] += 1
            if passes[0] == 1:  # the warm-up pass, which run() does not report
                _CPU.clear()
                _CALLS.clear()

    recompute.recompute_tickets = counted  # type: ignore[assignment]
    out = bp.run("postgresql", Path("/unused"))
    tickets = sum(r["tickets"] for r in out)
    server = sum(r["server"] for r in out)
    total = sum(_CPU.values()) / 1e9
    print(f"{tickets} tickets; server CPU {server / tickets * 1e6:.0f} us a ticket (stat), "
          f"{total / tickets * 1e6:.0f} us in the counted calls (schedstat)")  # fmt: skip
    for kind, ns in sorted(_CPU.items(), key=lambda kv: -kv[1]):
        print(f"{ns / 1e3 / tickets:8.1f} us/ticket {_CALLS[kind]:6} calls  {kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
