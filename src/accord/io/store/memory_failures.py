"""The in-memory store's tickets whose recompute failed (see
:meth:`~accord.io.store.base.Store.record_failures`)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from accord.core.timeutil import Instant
from accord.io.store.base import FailedTicket
from accord.io.store.refusals import failure_text


class FailuresInMemory:
    """Mixed into :class:`~accord.io.store.memory.MemoryStore`, whose lock and marks it uses."""

    _lock: threading.RLock
    _dirty: dict[str, int]
    _since: dict[str, int]
    _failed: dict[str, FailedTicket]

    def record_failures(
        self, errors: Mapping[str, str], *, at: Instant, clear: Sequence[tuple[str, int]] = ()
    ) -> None:
        with self._lock:
            for tid, error in errors.items():
                old = self._failed.get(tid)
                text = failure_text(error)
                self._failed[tid] = (
                    FailedTicket(tid, text, at, at, 1)
                    if old is None
                    else replace(old, error=text, last_failed_at=at, attempts=old.attempts + 1)
                )
            for tid, mark in clear:  # as clear_dirty: only a mark no newer event replaced
                if self._dirty.get(tid) == mark:
                    del self._dirty[tid]

    def failed_tickets(self, *, after: str | None = None, limit: int = 100) -> list[FailedTicket]:
        with self._lock:
            ids = sorted(i for i in self._failed if after is None or i > after)
            return [self._failed[i] for i in ids[:limit]]

    def count_failed_tickets(self) -> int:
        return len(self._failed)

    def retry_failed(self, ticket_ids: Collection[str] | None = None) -> list[str]:
        with self._lock:
            wanted = self._failed if ticket_ids is None else set(ticket_ids)
            ids = sorted(i for i in wanted if i in self._failed)
            mark = secrets.randbits(62)
            for tid in ids:
                if tid not in self._dirty:
                    self._since[tid] = 0  # as the SQL store's default: first in line
                self._dirty[tid] = mark
            return ids
