"""The one exception tree of Accord.

Every error Accord raises on purpose derives from :class:`AccordError`. Each class carries the
one HTTP status, the one JSON error ``code`` and the one CLI exit code it maps to, so the CLI
and the service never invent their own mapping::

    AccordError                      500  internal        exit 1
    ├── ConfigError                  422  config_invalid  exit 3   (carries every ConfigIssue)
    ├── InputError                   400  input_invalid   exit 4
    │   ├── EventValidationError     422  event_invalid   exit 4   (one bad event row)
    │   ├── DamagedInputError        422  input_damaged   exit 4   (a file cut short or corrupt)
    │   ├── RowsQuarantinedError     422  rows_quarantined exit 10 (--strict: rows were set aside)
    │   ├── UnsupportedFormatError   415  unsupported_format exit 4
    │   └── PayloadTooLargeError     413  payload_too_large exit 4
    ├── NotFoundError                404  not_found       exit 5
    ├── AuthError                    401  unauthenticated exit 6
    │   └── PermissionDeniedError    403  forbidden       exit 6
    ├── ConflictError                409  conflict        exit 7
    ├── StoreError                   503  store_unavailable exit 8
    └── DeliveryError                502  delivery_failed exit 9   (a channel refused an alert)

The JSON shape of every error is ``{"error": {"code": ..., "message": ..., "details": [...]}}``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem (or warning) found in the configuration, located by file and line."""

    file: str
    line: int | None
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"
    path: str = ""  # dotted location inside the document, e.g. "policies[2].metrics.resolution"

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def render(self) -> str:
        where = f" ({self.path})" if self.path else ""
        text = f"{self.location()}: {self.severity}: {self.message}{where}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class AccordError(Exception):
    """Base of every error Accord raises on purpose."""

    http_status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, details: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ConfigError(AccordError):
    """The configuration has one or more problems; all of them are in ``issues``."""

    http_status = 422
    code = "config_invalid"
    exit_code = 3

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        errors = [i for i in issues if i.severity == "error"]
        n = len(errors)
        super().__init__(
            f"the configuration has {n} problem{'s' if n != 1 else ''}",
            details=[i.to_dict() for i in issues],
        )
        self.issues = list(issues)


class InputError(AccordError):
    """Input data cannot be used."""

    http_status = 400
    code = "input_invalid"
    exit_code = 4


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Where and why one input row was rejected."""

    source: str
    row: int
    field: str
    reason: str
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)

    def render(self) -> str:
        return f"{self.source}:{self.row}: field '{self.field}': {self.reason}"


class EventValidationError(InputError):
    """One event row is invalid; ``problem`` names the source, row, field and reason."""

    http_status = 422
    code = "event_invalid"

    def __init__(self, problem: RowProblem) -> None:
        super().__init__(
            problem.render(),
            details=[
                {
                    "source": problem.source,
                    "row": problem.row,
                    "field": problem.field,
                    "reason": problem.reason,
                }
            ],
        )
        self.problem = problem


class DamagedInputError(InputError):
    """A file that cannot be read to its end: a truncated or corrupt gzip or zip, XML or JSON
    that stops being well-formed. The message says what was read before the damage."""

    http_status = 422
    code = "input_damaged"


class RowsQuarantinedError(InputError):
    """``--strict``: the run finished, but rows were quarantined (the message says how many
    and where they are kept). Its own exit code, so that a script can tell it from input that
    could not be used at all (4)."""

    http_status = 422
    code = "rows_quarantined"
    exit_code = 10


class UnsupportedFormatError(InputError):
    http_status = 415
    code = "unsupported_format"


class PayloadTooLargeError(InputError):
    http_status = 413
    code = "payload_too_large"


class NotFoundError(AccordError):
    http_status = 404
    code = "not_found"
    exit_code = 5


class AuthError(AccordError):
    http_status = 401
    code = "unauthenticated"
    exit_code = 6


class PermissionDeniedError(AuthError):
    http_status = 403
    code = "forbidden"


class ConflictError(AccordError):
    http_status = 409
    code = "conflict"
    exit_code = 7


class StoreError(AccordError):
    http_status = 503
    code = "store_unavailable"
    exit_code = 8


class DeliveryError(AccordError):
    """A channel did not accept an alert (refused, unreachable, timed out). Delivery retries
    it later; the message says what the channel answered."""

    http_status = 502
    code = "delivery_failed"
    exit_code = 9
