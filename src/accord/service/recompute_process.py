"""The background recompute in a process of its own.

In the server's process the recompute competes with ingest and reads for one interpreter lock:
under sustained ingest every batch was acknowledged while the recompute starved and its
backlog grew without bound. When the store can be opened by another process (a SQL store with
a file or a server URL), :class:`RecomputeProcess` runs the same :class:`Recomputer` loop in a
child process (spawn context: the server has threads), on the other core.

- The marks live in the store: the child drains them as the thread did; a child that dies
  (killed, crashed) leaves its marks, and the server starts a new one (one at a time, never
  two) which recomputes them.
- The server learns of every pass over a pipe: the ids of the tickets saved with the highest
  event ``seq`` each was computed from (not their records), how many tickets were recomputed
  or failed, and the child's CPU time. The server then reads those tickets' records from the
  store into the records view (:meth:`RecordsView.refresh`), tells the KPI view to read them
  again, counts the save in the snapshot stamp, and wakes the alert loop when a drain ends.
- The server wakes the child after each ingest through a shared event, as it woke the thread.
- Once the child has recomputed its first batch of tickets (its engine's kernels compiled, its
  modules imported), it collects its garbage and freezes what is left (:func:`settle_heap`):
  the full collections of its later passes no longer walk the long-lived heap.
- On SQLite both processes write one file: WAL and a 30 s busy timeout (see
  :mod:`accord.io.store.sql.connection`); a write still refused raises ``StoreError``, the pass
  stops with its marks kept, and the loop tries again a second later.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any

from accord.core.config.resolved import Configuration
from accord.core.timeutil import Instant
from accord.io.store import SqlStore, TicketResult
from accord.service.heap import settle_heap

log = logging.getLogger("accord.service")

RESTART_AFTER = 1.0  # seconds between a child's death and the start of the next one ...
RESTART_MAX = 60.0  # ... doubled for each child in a row that died young, up to this
YOUNG = 60.0  # seconds: a child that ran less than this died young (it failed to start?)
STOP_WAIT = 10.0  # seconds a stopping child may take to finish its pass

# what the server does with the tickets a pass saved: {ticket: highest event seq}
Passed = Callable[[Mapping[str, int]], None]


class RecomputeProcess:
    """Runs the recompute in a child process, restarted if it dies; thread-safe."""

    def __init__(
        self,
        url: str,
        *,
        interval: float,
        batch: int,
        sqlite_synchronous: str,
        on_pass: Passed,
        on_drained: Callable[[], None],
    ) -> None:
        self._url = url
        self._interval = interval
        self._batch = batch
        self._sync = sqlite_synchronous
        self._on_pass = on_pass
        self._on_drained = on_drained
        self._ctx = multiprocessing.get_context("spawn")
        self._wake = self._ctx.Event()
        self._stop = self._ctx.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._child: SpawnProcess | None = None
        self._watch: threading.Thread | None = None
        # what the children did, summed over restarts (for /metrics and tests)
        self.starts = 0
        self.recomputed = 0
        self.failed = 0
        self.cpu_seconds = 0.0
        self._child_cpu = 0.0  # the current child's CPU seconds, as it last told

    @property
    def pid(self) -> int | None:
        with self._lock:
            child = self._child
        return child.pid if child is not None and child.is_alive() else None

    @property
    def cpu_total(self) -> float:
        """CPU seconds of every child so far, the current one's as of its last message."""
        return self.cpu_seconds + self._child_cpu

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._watch is not None:
            return
        self._watch = threading.Thread(target=self._run, name="accord-recompute-watch", daemon=True)
        self._watch.start()

    def stop(self) -> None:
        self._stopping.set()
        self._stop.set()
        self._wake.set()
        if self._watch is not None:
            self._watch.join(timeout=STOP_WAIT + 5)
        with self._lock:
            child = self._child
        if child is not None and child.is_alive():  # the watch gave up on it: end it
            child.kill()
            child.join(timeout=5)

    # ------------------------------------------------------------------ the watch thread

    def _spawn(self) -> tuple[SpawnProcess, Connection]:
        reader, writer = self._ctx.Pipe(duplex=False)
        child = self._ctx.Process(
            target=child_main,
            args=(
                self._url,
                self._interval,
                self._batch,
                self._sync,
                writer,
                self._wake,
                self._stop,
            ),
            name="accord-recompute",
            daemon=True,  # never outlives the server, even when it ends without stop()
        )
        child.start()
        writer.close()  # the child's copy alone: its end of the pipe closes when it dies
        with self._lock:
            self._child = child
        self.starts += 1
        self._child_cpu = 0.0
        return child, reader

    def _run(self) -> None:
        young = 0  # children in a row that died young
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                child, reader = self._spawn()
            except Exception:  # cannot start one now (out of memory, processes): try again
                log.exception("starting the recompute process failed")
                young += 1
                self._stopping.wait(restart_delay(young))
                continue
            self._serve(child, reader)
            reader.close()
            child.join(timeout=STOP_WAIT)
            if child.is_alive():
                child.kill()
                child.join(timeout=5)
            self.cpu_seconds += self._child_cpu
            self._child_cpu = 0.0
            if self._stopping.is_set():
                return
            # its marks are still in the store: the next child recomputes them
            young = young + 1 if time.monotonic() - started < YOUNG else 1
            delay = restart_delay(young)
            log.warning(
                "the recompute process (pid %s) ended with exit code %s; starting another in %g s",
                child.pid,
                child.exitcode,
                delay,
            )
            self._stopping.wait(delay)

    def _serve(self, child: SpawnProcess, reader: Connection) -> None:
        """Handle the child's messages until it ends (or the server stops and it ends)."""
        while True:
            ready = wait([reader, child.sentinel], timeout=1.0)
            if reader in ready:
                try:
                    message = reader.recv()
                except (EOFError, OSError):
                    return  # the child is gone: every message it sent has been read
                self._handle(message)
            elif child.sentinel in ready:
                # it ended: read what it sent before (the pipe keeps it), then stop
                while _poll(reader):
                    try:
                        self._handle(reader.recv())
                    except (EOFError, OSError):
                        break
                return

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        try:
            if kind == "pass":
                _, seqs, recomputed, failed, cpu = message
                self.recomputed += recomputed
                self.failed += failed
                self._child_cpu = cpu
                if seqs:
                    self._on_pass(seqs)
            elif kind == "drained":
                self._child_cpu = message[1]
                self._on_drained()
        except Exception:  # the records view falls back to the store; keep listening
            log.exception("handling a message of the recompute process failed")


def restart_delay(young: int) -> float:
    """Seconds before the next child when ``young`` children in a row died young (the last
    one counts 1 whatever its age): a child that cannot start (a store refusing connections)
    is not restarted, and logged, every second."""
    return float(min(RESTART_MAX, RESTART_AFTER * 2 ** min(16, max(0, young - 1))))


def _poll(reader: Connection) -> bool:
    try:
        return reader.poll()
    except (EOFError, OSError):
        return False


# ---------------------------------------------------------------------- the child


class _Stopped(Exception):
    """Raised between two passes of a drain when the server stops the process."""


def child_main(
    url: str,
    interval: float,
    batch: int,
    sqlite_synchronous: str,
    out: Connection,
    wake: ProcessEvent,
    stop: ProcessEvent,
) -> None:
    """The recompute process: drain the store's marks after each wake (or every ``interval``
    seconds) until ``stop`` is set or the server is gone."""
    # Ctrl-C reaches the whole process group: the server stops this process itself, after
    # its pass, so that a stop never interrupts a transaction halfway
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # imported here: the module is imported by the server before any of this is needed
    from accord.service.configuration import ConfigState
    from accord.service.recompute import BATCH_TICKETS, Recomputer
    from accord.service.runtime import wall_clock

    parent = multiprocessing.parent_process()
    store = SqlStore(url, sqlite_synchronous=sqlite_synchronous, run_migrations=False)
    configs = ConfigState(store)
    known = store.change_stamp()[1]

    def config_at(now: Instant) -> Configuration | None:
        nonlocal configs, known
        # a version uploaded to the server since: read the versions again (an index look-up)
        latest = store.change_stamp()[1]
        if latest != known:
            configs, known = ConfigState(store), latest
        got = configs.current(now)
        return got[1] if got else None

    recomputer = Recomputer(store, config_at, wall_clock, batch=batch)
    pending: dict[str, int] = {}

    def saved(results: Sequence[TicketResult], seqs: Mapping[str, int]) -> None:
        pending.update(seqs)

    sent = [0, 0]  # recomputed, failed: told so far
    settled = [False]  # settle_heap done

    def progress(_done: int) -> None:
        message = (
            "pass",
            dict(pending),
            recomputer.recomputed - sent[0],
            recomputer.failed - sent[1],
            time.process_time(),
        )
        pending.clear()
        sent[:] = [recomputer.recomputed, recomputer.failed]
        out.send(message)
        if not settled[0] and recomputer.recomputed >= BATCH_TICKETS:  # a batch pass ran
            settle_heap()
            settled[0] = True
        if stop.is_set():  # between two passes of a long drain: the rest waits in the store
            raise _Stopped

    recomputer.on_saved = saved
    recomputer.on_drained = lambda: out.send(("drained", time.process_time()))
    try:
        first = True
        while not stop.is_set():
            if parent is not None and not parent.is_alive():
                return
            if not first:
                wake.wait(interval)
                # let the ingests of the next moment join this pass (as the thread does)
                stop.wait(interval)
            first = False
            wake.clear()
            if stop.is_set():
                return
            try:
                recomputer.drain(progress)
            except (BrokenPipeError, EOFError, _Stopped):
                return  # the server is gone, or stops us
            except Exception:  # the marks stay for the next pass
                log.exception("recompute of touched tickets failed")
                stop.wait(1.0)
    finally:
        store.close()
        out.close()
