"""The canonical ticket event (DESIGN §2) as the core sees it.

Readers in :mod:`accord.io` turn JSON Lines, CSV and Parquet rows into :class:`Event` values;
the engines consume nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from accord.core.timeutil import Instant


class Kind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    MESSAGE = "message"
    RATING = "rating"
    DELETED = "deleted"


class Actor(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class StatusCategory(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    ON_HOLD = "on_hold"  # waiting on a third party
    SOLVED = "solved"
    CLOSED = "closed"


SOLVED_CATEGORIES = frozenset({StatusCategory.SOLVED, StatusCategory.CLOSED})

# The fields DESIGN §2 names; any other key in ``fields`` is a custom field.
STANDARD_FIELDS = (
    "status",
    "priority",
    "customer",
    "team",
    "assignee",
    "channel",
    "type",
    "tags",
)

FieldValue = str | int | float | bool | None | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened to a ticket.

    ``ts`` is an instant in whole seconds (UTC); ``ts_us`` keeps the sub-second part so that
    ordering stays exact. ``seq`` is the arrival order, used to break ties on ``ts``.
    ``fields`` holds the fields a ``created`` / ``updated`` event sets; ``tags`` is the full
    tag list after the event (a tuple).
    """

    event_id: str
    ticket_id: str
    ts: Instant
    kind: Kind
    actor: Actor | None = None
    public: bool | None = None
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    seq: int = 0
    ts_us: int = 0  # microseconds within the second, for ordering only

    def sort_key(self) -> tuple[int, int, int]:
        return (self.ts, self.ts_us, self.seq)

    @property
    def is_public_agent_message(self) -> bool:
        return self.kind is Kind.MESSAGE and self.actor is Actor.AGENT and self.public is True

    @property
    def is_public_customer_message(self) -> bool:
        return self.kind is Kind.MESSAGE and self.actor is Actor.CUSTOMER and self.public is True

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON Lines form of this event."""
        from accord.core.timeutil import from_instant

        dt = from_instant(self.ts).replace(microsecond=self.ts_us)
        ts = dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{self.ts_us:06d}" if self.ts_us else "") + "Z"
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "ticket_id": self.ticket_id,
            "ts": ts,
            "kind": self.kind.value,
        }
        if self.actor is not None:
            out["actor"] = self.actor.value
        if self.public is not None:
            out["public"] = self.public
        if self.fields:
            out["fields"] = {
                k: list(v) if isinstance(v, tuple) else v for k, v in self.fields.items()
            }
        return out
