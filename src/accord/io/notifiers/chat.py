"""A chat incoming webhook in the Slack format: ``{"text": ...}``, which Mattermost and
Rocket.Chat accept as well."""

from __future__ import annotations

import json

from accord.core.alerts.evaluate import Alert
from accord.io.notifiers.http import post
from accord.io.notifiers.templates import render


class ChatNotifier:
    def __init__(self, name: str, url: str, timeout: float = 10.0) -> None:
        self.name, self.url, self.timeout = name, url, timeout

    def send(self, alert: Alert) -> None:
        text = render(alert).text
        post(self.name, self.url, json.dumps({"text": text}).encode(), {}, self.timeout)
