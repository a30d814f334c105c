"""What the probe counts, and every finding behind a count (so a non-zero count says where)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

# The one error shape's code for each status (docs/api.md, Errors).
ERROR_CODES: dict[int, frozenset[str]] = {
    400: frozenset({"input_invalid"}),
    401: frozenset({"unauthenticated"}),
    403: frozenset({"forbidden"}),
    404: frozenset({"not_found"}),
    405: frozenset({"method_not_allowed"}),
    409: frozenset({"conflict"}),
    413: frozenset({"payload_too_large"}),
    415: frozenset({"unsupported_format"}),
    422: frozenset({"request_invalid", "config_invalid"}),
}


def shape_problem(res: httpx.Response) -> str | None:
    """Why a 4xx answer is not in the one error shape with its status's code, or None."""
    try:
        body = res.json()
    except ValueError:
        return f"{res.status_code} whose body is not JSON: {res.text[:120]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return f"{res.status_code} not in the error shape: {res.text[:120]!r}"
    if error.get("code") not in ERROR_CODES.get(res.status_code, frozenset()):
        return f"{res.status_code} with code {error.get('code')!r}"
    return None


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    routes: set[str] = field(default_factory=set)  # GET routes read for leaks
    variants: set[str] = field(default_factory=set)  # the same, by format
    reads: int = 0  # responses scanned for leaks
    statuses: dict[int, int] = field(default_factory=dict)  # of the scanned reads
    slowest: list[tuple[float, str]] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)  # a customer's own ticket not listed
    bad_inputs: int = 0
    answers: list[tuple[str, int, str, str]] = field(default_factory=list)  # name, status, …
    wrong_answers: list[str] = field(default_factory=list)  # bad inputs answered otherwise
    webhook_attacks: int = 0
    webhook_wrong: list[str] = field(default_factory=list)
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)  # every 5xx, wherever it came
    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def answered(self, label: str, res: httpx.Response, *, unavailable_ok: bool = False) -> None:
        """Every response the probe gets passes here: a 5xx is a finding (a 503 only counts
        where the store was reachable, i.e. not while the server restarts)."""
        with self.lock:
            self.requests += 1
            if res.status_code >= 500 and not (unavailable_ok and res.status_code == 503):
                self.server_errors.append(f"{label}: {res.status_code} {res.text[:200]!r}")

    def add(self, what: str, finding: str) -> None:
        with self.lock:
            getattr(self, what).append(finding)

    def counts(self) -> dict[str, int]:
        return {
            "routes checked": len(self.routes),
            "route variants": len(self.variants),
            "reads scanned": self.reads,
            "bad inputs": self.bad_inputs,
            "webhook attacks": self.webhook_attacks,
            "events acknowledged": self.acknowledged,
            "requests": self.requests,
            "leaks": len(self.leaks),
            "own tickets hidden": len(self.hidden),
            "5xx": len(self.server_errors),
            "wrong bad-input answers": len(self.wrong_answers),
            "wrong webhook answers": len(self.webhook_wrong),
            "events lost": len(self.lost),
        }

    def failures(self) -> int:
        return sum(
            len(x)
            for x in (
                self.leaks,
                self.hidden,
                self.server_errors,
                self.wrong_answers,
                self.webhook_wrong,
                self.lost,
            )
        )

    def findings(self) -> dict[str, Any]:
        return {
            "leaks": self.leaks,
            "own tickets hidden": self.hidden,
            "5xx": self.server_errors,
            "wrong bad-input answers": self.wrong_answers,
            "wrong webhook answers": self.webhook_wrong,
            "events lost": self.lost,
        }
