"""Delivery planning, pure: from the log of attempts and ``now``, which (alert, channel) pairs
to try now, and when the next retry falls due.

A failed attempt is retried after an exponential backoff (``base``, doubled each time, capped
at ``cap``) up to ``max_attempts``; then the pair is given up, and stays in the log as failed.
A pair that succeeded once is never tried again. The log is the only state, so a restart that
reads the log back neither duplicates nor loses a delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from accord.core.alerts.evaluate import Alert
from accord.core.timeutil import Instant


@dataclass(frozen=True)
class Attempt:
    """One try of one alert on one channel, as the delivery log keeps it."""

    key: str
    channel: str
    number: int  # 1 for the first try
    at: Instant
    ok: bool
    error: str | None
    alert: Alert


@dataclass(frozen=True)
class Backoff:
    base: int = 60
    cap: int = 3600
    max_attempts: int = 8

    def delay(self, failures: int) -> int:
        """Seconds to wait after ``failures`` failed attempts in a row (``failures >= 1``)."""
        return int(min(self.cap, self.base * 2 ** (failures - 1)))


@dataclass(frozen=True)
class Pending:
    """A pair to try at ``due``: attempt number ``number``."""

    alert: Alert
    channel: str
    number: int
    due: Instant


def pending(
    new: Iterable[Alert], log: Sequence[Attempt], backoff: Backoff = Backoff()
) -> list[Pending]:
    """Every pair not yet delivered nor given up, with the instant its next try is due:
    new alerts at their delivery instant, failed ones after their backoff."""
    history: dict[tuple[str, str], list[Attempt]] = {}
    alerts: dict[str, Alert] = {}
    for a in log:
        history.setdefault((a.key, a.channel), []).append(a)
        alerts.setdefault(a.key, a.alert)
    for alert in new:
        alerts.setdefault(alert.key, alert)
    out: list[Pending] = []
    for key, alert in alerts.items():
        for channel in alert.channels:
            tries = sorted(history.get((key, channel), []), key=lambda a: a.number)
            if any(t.ok for t in tries) or len(tries) >= backoff.max_attempts:
                continue
            due = tries[-1].at + backoff.delay(len(tries)) if tries else alert.deliver_at
            out.append(Pending(alert, channel, len(tries) + 1, due))
    return sorted(out, key=lambda p: (p.due, p.alert.key, p.channel))


def due_now(plan: Iterable[Pending], now: Instant) -> list[Pending]:
    return [p for p in plan if p.due <= now]


def next_retry(plan: Iterable[Pending], now: Instant) -> Instant | None:
    return min((p.due for p in plan if p.due > now), default=None)
