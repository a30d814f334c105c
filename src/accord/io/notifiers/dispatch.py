"""One delivery round: evaluate the rules, try every pair that is due, log every attempt.

The delivery log sits behind :class:`DeliveryLog`; :class:`MemoryDeliveryLog` is its
in-memory double. The keys of every alert in the log are the "already sent" set of the
evaluation, so an alert is taken in charge once; its retries come from the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from accord.core.alerts.delivery import Attempt, Backoff, due_now, next_retry, pending
from accord.core.alerts.evaluate import Readings, evaluate, next_wakeup
from accord.core.alerts.models import AlertRule
from accord.core.calendar import BusinessCalendar
from accord.core.timeutil import Instant
from accord.errors import DeliveryError
from accord.io.notifiers.base import Notifier


class DeliveryLog(Protocol):
    def append(self, attempt: Attempt) -> None: ...

    def attempts(self) -> list[Attempt]: ...


class MemoryDeliveryLog:
    def __init__(self) -> None:
        self._attempts: list[Attempt] = []

    def append(self, attempt: Attempt) -> None:
        self._attempts.append(attempt)

    def attempts(self) -> list[Attempt]:
        return list(self._attempts)


@dataclass(frozen=True)
class Round:
    """What one round did, and when the next one is worth running (``None``: nothing
    foreseen)."""

    attempts: tuple[Attempt, ...]
    wake_at: Instant | None


def run_once(
    rules: Mapping[str, AlertRule],
    readings: Readings,
    calendars: Mapping[str, BusinessCalendar],
    notifiers: Mapping[str, Notifier],
    log: DeliveryLog,
    now: Instant,
    *,
    since: Instant | None = None,
    backoff: Backoff = Backoff(),
) -> Round:
    """Deliver what is due at ``now``; every attempt, failed or not, goes to ``log``."""
    history = log.attempts()
    sent = {a.key for a in history}
    new = evaluate(rules, readings, calendars, sent, now, since=since)
    done: list[Attempt] = []
    for p in due_now(pending(new, history, backoff), now):
        notifier = notifiers.get(p.channel)
        error: str | None = None
        if notifier is None:
            error = f"no notifier for channel '{p.channel}'"
        else:
            try:
                notifier.send(p.alert)
            except DeliveryError as exc:
                error = exc.message
        attempt = Attempt(p.alert.key, p.channel, p.number, now, error is None, error, p.alert)
        log.append(attempt)
        done.append(attempt)
    after = log.attempts()
    wake = [
        t
        for t in (
            next_retry(pending((), after, backoff), now),
            next_wakeup(rules, readings, calendars, {a.key for a in after}, now),
        )
        if t is not None
    ]
    return Round(tuple(done), min(wake, default=None))
