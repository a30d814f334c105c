"""The notifier interface, its failure, and an in-memory double."""

from __future__ import annotations

from typing import Protocol

from accord.core.alerts.evaluate import Alert
from accord.errors import DeliveryError


class Notifier(Protocol):
    """Sends one alert to one channel, or raises :class:`DeliveryError`."""

    name: str

    def send(self, alert: Alert) -> None: ...


class MemoryNotifier:
    """Keeps what it is sent; ``fail`` makes the next sends fail, as a broken channel would."""

    def __init__(self, name: str = "memory", fail: int = 0) -> None:
        self.name = name
        self.fail = fail
        self.sent: list[Alert] = []
        self.attempts = 0

    def send(self, alert: Alert) -> None:
        self.attempts += 1
        if self.fail > 0:
            self.fail -= 1
            raise DeliveryError(f"{self.name}: refused (simulated)")
        self.sent.append(alert)
