"""Native webhook payloads of helpdesks, verified and mapped to canonical event rows.

Each module verifies the vendor's HMAC-SHA256 signature and timestamp (a delivery signed
more than five minutes from now is refused as a replay) and maps the payload to zero or more
canonical rows, which then take the same path as ``POST /api/v1/events``.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from accord.core.timeutil import Instant
from accord.errors import AuthError

__all__ = ["check_freshness", "constant_time_equal", "iso_from_ms"]


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def check_freshness(signed_at: Instant, now: Instant, tolerance: int) -> None:
    """Refuse deliveries signed further than ``tolerance`` seconds from ``now`` (replays, or a
    sender whose clock is badly off)."""
    if abs(now - signed_at) > tolerance:
        raise AuthError(
            f"the delivery was signed {abs(now - signed_at)} s from now; more than "
            f"{tolerance} s is refused as a replay"
        )


def iso_from_ms(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
