"""Notifiers: where alerts go. Each speaks one protocol behind the small :class:`Notifier`
interface; :class:`MemoryNotifier` stands in for them in tests."""

from accord.errors import DeliveryError
from accord.io.notifiers.base import MemoryNotifier, Notifier
from accord.io.notifiers.chat import ChatNotifier
from accord.io.notifiers.factory import notifier_for
from accord.io.notifiers.smtp import EmailNotifier
from accord.io.notifiers.templates import Message, render
from accord.io.notifiers.webhook import WebhookNotifier, sign

__all__ = [
    "ChatNotifier",
    "DeliveryError",
    "EmailNotifier",
    "MemoryNotifier",
    "Message",
    "Notifier",
    "WebhookNotifier",
    "notifier_for",
    "render",
    "sign",
]
