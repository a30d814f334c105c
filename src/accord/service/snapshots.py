"""Snapshots of the figures that replay the stored events (KPI values, contract statements):
served at once, refreshed in the background (stale-while-revalidate).

A snapshot is one computed answer, kept under a key that names everything that changes the
answer: the configuration version, the endpoint, each parameter that matters and the caller's
customer scope (so a customer token can never be served a snapshot computed for another
caller). It remembers the instant its figures are for (:attr:`Snapshot.at`), the change stamp
of the store it was computed from and how long the computation took.

:meth:`Snapshots.get` decides, per request:

- **no snapshot**: compute now, in the request (the first request pays);
- **fresh** (same change stamp, younger than ``max_age`` on the service's clock): serve it;
- **stale and cheap** (the stamp changed or it is too old, and it took less than ``cheap``
  seconds to compute): compute again now, in the request. Small stores (tests, the demo)
  therefore always see their latest writes, exactly as without snapshots;
- **stale and expensive**: serve it as it is and schedule one refresh on the background worker;
- **guard changed** (the caller's guard, read before each computation, differs: for a
  customer-scoped read, a ticket moved away from its customer since): compute now, in the
  request. Such a snapshot is never served, not even stale.

The background worker is one thread, so refreshes never take more than one core. A key is
never refreshed twice at once, and a refresh that took ``T`` seconds does not start again
sooner than ``max(min_gap, 2·T)`` after it last started: the worker is idle at least as long
as it works on that key, so a huge store cannot keep a core busy forever. Nothing is refreshed
unless it is read: an idle dashboard costs nothing.

Where a computation runs is the caller's choice: the routers send a snapshot whose last
computation took long to a worker process (:mod:`accord.service.offload`), so that a refresh
does not hold this process's interpreter lock for minutes.

The change stamp and both clocks are injected, and so is the scheduler (tests run the
scheduled refreshes by hand).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from accord.core.timeutil import Instant

log = logging.getLogger("accord.service.snapshots")

T = TypeVar("T")
Key = tuple[Hashable, ...]
Stamp = tuple[int, ...]
Job = Callable[[], None]
# (seconds on the timer at which the job may start, the job)
Scheduler = Callable[[float, Job], None]
# the instant figures are for, on answers that carry it in no body (CSV)
AS_OF_HEADER = "X-Accord-As-Of"


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    value: T
    at: Instant  # the instant the figures are for (the service's clock when computed)
    stamp: Stamp  # the store's change stamp read before computing
    took: float  # seconds the computation took
    guard: Hashable = None  # the caller's guard value read before computing (see ``get``)


@dataclass
class _Entry:
    snap: Snapshot[Any]
    not_before: float  # timer: the earliest start of the next refresh of this key
    refreshing: bool = False  # a refresh is scheduled or running


class Snapshots:
    """A bounded, thread-safe memo of computed figures (see the module doc)."""

    def __init__(
        self,
        *,
        stamp: Callable[[], Stamp],
        clock: Callable[[], Instant],
        max_age: float = 60.0,
        cheap: float = 0.25,
        min_gap: float = 1.0,
        capacity: int = 256,
        background: bool = True,
        timer: Callable[[], float] = time.perf_counter,
        schedule: Scheduler | None = None,
    ) -> None:
        self._stamp = stamp
        self._clock = clock
        self.max_age = max_age
        self.cheap = cheap
        self.min_gap = min_gap
        self.capacity = capacity
        # without background work (tests, one-shot tools) a stale snapshot is always recomputed
        self.background = background
        self._timer = timer
        self._schedule = schedule or self._enqueue
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._key_locks: dict[Key, threading.Lock] = {}
        self._worker: _Worker | None = None
        self.refreshes = 0  # background refreshes run (for tests and metrics)

    # ------------------------------------------------------------------ reads

    def get(
        self,
        key: Key,
        compute: Callable[[Instant], T],
        guard: Callable[[], Hashable] | None = None,
    ) -> Snapshot[T]:
        """The snapshot of ``key``; ``compute(at)`` computes the figures at instant ``at``.

        ``guard``: a value that must not have changed since the snapshot was computed for it
        to be served at all, even stale (a customer-scoped read passes the store's last move
        of a ticket away from its customer: figures that may count a ticket it no longer
        owns are computed again in the request, never served)."""
        stamp = self._stamp()
        held = guard() if guard is not None else None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.snap.guard == held:
                self._entries.move_to_end(key)
                if self._fresh(entry.snap, stamp):
                    return entry.snap
                if self.background and entry.snap.took >= self.cheap:
                    self._refresh_later(key, entry, compute, guard)
                    return entry.snap
        return self._compute_now(key, compute, guard)

    def peek(self, key: Key) -> Snapshot[Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            return entry.snap if entry else None

    def refreshing(self, key: Key) -> bool:
        with self._lock:
            entry = self._entries.get(key)
            return entry is not None and entry.refreshing

    def __len__(self) -> int:
        return len(self._entries)

    def _fresh(self, snap: Snapshot[Any], stamp: Stamp) -> bool:
        return snap.stamp == stamp and self._clock() - snap.at < self.max_age

    # ------------------------------------------------------------------ computing

    def _key_lock(self, key: Key) -> threading.Lock:
        with self._lock:
            lock = self._key_locks.get(key)
            if lock is None:
                lock = self._key_locks[key] = threading.Lock()
            return lock

    def _compute_now(
        self, key: Key, compute: Callable[[Instant], T], guard: Callable[[], Hashable] | None
    ) -> Snapshot[T]:
        # one computation per key at a time: a second request for it waits and then takes
        # what the first computed, instead of computing the same figures again
        with self._key_lock(key):
            stamp = self._stamp()
            held = guard() if guard is not None else None
            with self._lock:
                entry = self._entries.get(key)
                if (
                    entry is not None
                    and entry.snap.guard == held
                    and self._fresh(entry.snap, stamp)
                ):
                    snap: Snapshot[T] = entry.snap
                    return snap
            return self._run(key, compute, stamp, held)

    def _run(
        self, key: Key, compute: Callable[[Instant], T], stamp: Stamp, held: Hashable = None
    ) -> Snapshot[T]:
        at = self._clock()
        started = self._timer()
        value = compute(at)
        took = self._timer() - started
        snap = Snapshot(value, at, stamp, took, held)
        with self._lock:
            self._entries[key] = _Entry(snap, started + max(self.min_gap, 2 * took))
            self._entries.move_to_end(key)
            self._evict()
        return snap

    def _evict(self) -> None:
        while len(self._entries) > self.capacity:
            old, _ = self._entries.popitem(last=False)
            lock = self._key_locks.get(old)
            if lock is not None and not lock.locked():
                del self._key_locks[old]

    def _refresh_later(
        self,
        key: Key,
        entry: _Entry,
        compute: Callable[[Instant], Any],
        guard: Callable[[], Hashable] | None,
    ) -> None:
        """Schedule one refresh of ``key`` (called under the lock)."""
        if entry.refreshing:
            return
        entry.refreshing = True

        def job() -> None:
            try:
                with self._key_lock(key):
                    stamp = self._stamp()
                    self._run(key, compute, stamp, guard() if guard is not None else None)
                self.refreshes += 1
            except Exception:  # the stale snapshot stays; the next read schedules again
                log.exception("refreshing the figures of %r failed", key)
                with self._lock:
                    failed = self._entries.get(key)
                    if failed is not None:
                        failed.refreshing = False
                        failed.not_before = self._timer() + max(self.min_gap, 2 * failed.snap.took)

        self._schedule(entry.not_before, job)

    # ------------------------------------------------------------------ the worker

    def _enqueue(self, not_before: float, job: Job) -> None:
        if self._worker is None:
            self._worker = _Worker(self._timer)
        self._worker.put(not_before, job)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()


class _Worker:
    """One daemon thread running jobs in order of their earliest start."""

    def __init__(self, timer: Callable[[], float]) -> None:
        self._timer = timer
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Job]] = []
        self._order = itertools.count()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="accord-snapshots", daemon=True)
        self._thread.start()

    def put(self, not_before: float, job: Job) -> None:
        with self._cond:
            heapq.heappush(self._heap, (not_before, next(self._order), job))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if self._heap:
                        wait = self._heap[0][0] - self._timer()
                        if wait <= 0:
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
                if self._stopped:
                    return
                _, _, job = heapq.heappop(self._heap)
            job()
