"""One JSON POST with the standard library: enough for webhooks, and nothing to install."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping

from accord.errors import DeliveryError


def post(name: str, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> None:
    """POST ``body``; any answer but 2xx, and any network failure, is a :class:`DeliveryError`."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "accord-alerts")
    for key, value in headers.items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode("utf-8", "replace")
        raise DeliveryError(f"{name}: {url} answered {exc.code} {detail}".strip()) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{name}: {url} unreachable: {reason}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"{name}: {url} answered {status}")
