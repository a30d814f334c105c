"""Probes put into an ``accord serve`` process by ``bench_slow_reads.py`` (never by the product):
what the process was doing while a read was slow.

:func:`install` (before the server starts) writes to the file named by ``ACCORD_PROBE_LOG``,
one tab-separated line per fact, times in ``time.time()`` seconds:

- ``gc  <start> <seconds> <generation> <collected> <CPU seconds>``: each collection of the
  cyclic garbage collector that took 2 ms or more (it holds the interpreter lock throughout);
- ``sql <start> <seconds> <thread> <statement head>``: each statement the store ran;
- ``heap <start> <objects> <frozen> <commonest types> <largest containers>``: after the
  first three full collections of 30 ms or more, then every eighth, the objects such a
  collection walks;
- ``stall <start> <seconds>``: a thread that sleeps 2 ms woke 10 ms late or more (another
  thread held the interpreter lock, or no core was free);
- ``thread <native id> <name>``: each thread started, so the per-thread CPU times that the
  bench reads from ``/proc`` can be named (the threads also get their name at the OS level).
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
import time
from collections import Counter, deque
from typing import Any

_PR_SET_NAME = 15
# lines wait here for the writer thread: a collection may start inside any allocation, even
# one made while writing a line, so its callback must take no lock (a lock here deadlocked)
_lines: deque[str] = deque()


def _write(*fields: object) -> None:
    _lines.append("\t".join(str(f) for f in fields) + "\n")


def _writer(path: str) -> None:
    with open(path, "a") as out:
        while True:
            while _lines:
                out.write(_lines.popleft())
            out.flush()
            time.sleep(0.05)


def _name_native(name: str) -> None:
    libc = ctypes.CDLL(None)
    libc.prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    _write("thread", threading.get_native_id(), name)


def _patch_threads() -> None:
    original = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def bootstrap(self: threading.Thread) -> None:
        _name_native(self.name)
        try:
            original(self)
        finally:
            _write("thread-end", f"{time.time():.6f}", self.name)

    threading.Thread._bootstrap_inner = bootstrap  # type: ignore[attr-defined]


def _patch_gc() -> None:
    started = [0.0, 0.0]
    dumped = [0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.time(), time.thread_time()]
            return
        took = time.time() - started[0]
        cpu = time.thread_time() - started[1]
        if took >= 0.002:
            at = f"{started[0]:.6f}"
            _write("gc", at, f"{took:.6f}", info["generation"], info["collected"], f"{cpu:.6f}")
        if info["generation"] == 2 and took >= 0.03:
            dumped[0] += 1
            if dumped[0] > 3 and dumped[0] % 8:
                return
            heap = gc.get_objects()
            kinds = Counter(type(o).__name__ for o in heap).most_common(8)
            # a container's entries are visited too: one set of a million ids costs as much
            # as a million objects
            big = sorted(
                ((len(o), type(o).__name__) for o in heap if isinstance(o, (dict, list, set))),
                reverse=True,
            )[:4]
            _write("heap", f"{started[0]:.6f}", len(heap), gc.get_freeze_count(), kinds, big)

    gc.callbacks.append(callback)


def _patch_sql() -> None:
    import sqlalchemy as sa

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info.setdefault("probe", []).append(time.time())

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        t0 = conn.info["probe"].pop()
        head = " ".join(statement.split())[:90]
        name = threading.current_thread().name
        _write("sql", f"{t0:.6f}", f"{time.time() - t0:.6f}", name, head)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", after)


def _heartbeat() -> None:
    while True:
        t0 = time.time()
        time.sleep(0.002)
        late = time.time() - t0 - 0.002
        if late >= 0.010:
            _write("stall", f"{t0:.6f}", f"{late:.6f}")


def install() -> None:
    path = os.environ["ACCORD_PROBE_LOG"]
    threading.Thread(target=_writer, args=(path,), name="probe-writer", daemon=True).start()
    _name_native("main")
    _patch_threads()
    _patch_gc()
    _patch_sql()
    threading.Thread(target=_heartbeat, name="probe-heartbeat", daemon=True).start()
