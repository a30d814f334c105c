"""A generic webhook: the alert as JSON, signed so that the receiver can trust it.

The signature is ``X-Accord-Signature: sha256=<hex>``, the HMAC-SHA256 of the exact body bytes
with the shared secret; the receiver recomputes it over the body it got and compares in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from accord.core.alerts.evaluate import Alert
from accord.io.notifiers.http import post
from accord.io.notifiers.templates import render

SIGNATURE_HEADER = "X-Accord-Signature"


def sign(secret: bytes, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    def __init__(
        self, name: str, url: str, secret: bytes | None = None, timeout: float = 10.0
    ) -> None:
        self.name, self.url, self.secret, self.timeout = name, url, secret, timeout

    def send(self, alert: Alert) -> None:
        # sorted keys and no spaces: the same alert gives the same bytes, hence signature
        body = json.dumps(render(alert).payload, sort_keys=True, separators=(",", ":")).encode()
        headers = {SIGNATURE_HEADER: sign(self.secret, body)} if self.secret else {}
        post(self.name, self.url, body, headers, self.timeout)
