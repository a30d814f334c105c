"""Which customer a ticket belongs to now: the rule customer isolation is decided by.

A ticket's **current customer** is the value of ``customer`` set by the latest of its
``created`` and ``updated`` events that set that field, "latest" in the engine's order
(:meth:`Event.sort_key`: time, then arrival). An event that arrives late with an earlier time
does not move the ticket; an empty value (``""``, an empty list, ``null``) leaves it with no
customer, which no customer-scoped token sees.

The store keeps this value up to date at ingest (in the same transaction as the events), the
service's reads check it again against the events they load; both use these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accord.core.events import Event, FieldValue, Kind

SortKey = tuple[int, int, int]  # (ts, ts_us, seq): Event.sort_key


def field_text(v: FieldValue) -> str | None:
    """A ticket field as the summaries and the isolation compare it: text, or ``None`` when
    unset or empty."""
    if v is None or v == () or v == "":
        return None
    return str(v)


def sets_customer(e: Event) -> bool:
    """Whether ``e`` says which customer its ticket belongs to."""
    return e.kind in (Kind.CREATED, Kind.UPDATED) and "customer" in e.fields


@dataclass(frozen=True, slots=True)
class Owner:
    """A ticket's customer and the sort key of the event that set it."""

    customer: str | None
    key: SortKey


def owner_of(events: Iterable[Event]) -> Owner | None:
    """The latest customer set by ``events`` (``None``: no event sets one)."""
    best: Event | None = None
    for e in events:
        if sets_customer(e) and (best is None or e.sort_key() > best.sort_key()):
            best = e
    if best is None:
        return None
    return Owner(field_text(best.fields["customer"]), best.sort_key())


def current_customer(events: Iterable[Event]) -> str | None:
    """The ticket's current customer (``None``: none set)."""
    got = owner_of(events)
    return got.customer if got is not None else None
