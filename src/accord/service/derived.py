"""Answers derived from a snapshot, kept as long as that snapshot is served.

A trend is an evaluation over the replayed inputs that one snapshot holds (seconds with a
million tickets); the same choice of series, grain, range, customer and team over the same
snapshot gives the same answer, so it is computed once and then served from here until the
snapshot is refreshed. An answer is keyed by the snapshot's identity (its key, the instant its
figures are for, the store's change stamp and the caller's guard it was computed under) and by
the choice: a refreshed snapshot has another instant or stamp, so an answer derived from an
older one is never served with newer inputs, and least recently used answers are dropped
beyond ``capacity``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from accord.service.snapshots import Key, Snapshot

T = TypeVar("T")


class Derived:
    """A bounded, thread-safe memo of answers computed from snapshots."""

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, base: Key, snap: Snapshot[Any], choice: Hashable, compute: Callable[[], T]) -> T:
        """The answer for ``choice`` derived from ``snap`` (the snapshot of ``base``):
        ``compute()`` runs only when no answer is kept for them. Two readers missing at once
        may both compute; the answers are equal, the later one is kept."""
        key = (base, snap.at, snap.stamp, snap.guard, choice)
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                self.hits += 1
                return self._answers[key]  # type: ignore[no-any-return]
            self.misses += 1
        answer = compute()  # outside the lock: other choices are served meanwhile
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)
        return answer

    def __len__(self) -> int:
        return len(self._answers)
