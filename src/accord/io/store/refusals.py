"""What a store cannot keep as it is, and what it keeps instead: one bad row never fails its
batch, and nothing sent is lost.

- A quarantine record is kept with NUL and lone surrogates spelled as their JSON escapes
  (:func:`keepable`): its raw copy is the row as received, and the row may have been rejected
  for holding exactly those characters.
- An event that passed validation but that the database still refuses (an index row over
  PostgreSQL's limit, text with no UTF-8 form) is quarantined alone, with the database's reason
  (:func:`refused_problem`); the rest of its batch is kept.
- A ticket whose recompute fails is recorded with its error (:func:`failure_text`), kept
  short and storable.
"""

from __future__ import annotations

import re

from accord.core.event_limits import escape_unstorable, escape_value
from accord.core.events import Event
from accord.errors import RowProblem
from accord.io.store.base import Incoming

MAX_ERROR_CHARS = 2000
"""A failed ticket's error is cut to this many characters (the rest is in the server's log)."""

# the indexes over event text, by the field whose value went into them
_INDEX_FIELDS = {"uq_events_event_id": "event_id", "ix_events_ticket_id": "ticket_id"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def keepable(problem: RowProblem) -> RowProblem:
    """``problem`` as a store keeps it: every text, the raw copy's keys and values included,
    with NUL and lone surrogates spelled as their JSON escapes (``\\u0000``)."""
    return RowProblem(
        source=escape_unstorable(problem.source),
        row=problem.row,
        field=escape_unstorable(problem.field),
        reason=escape_unstorable(problem.reason),
        raw=escape_value(problem.raw),
    )


def _texts(event: Event) -> list[tuple[str, str]]:
    """Every text of an event with the field it belongs to, ids first."""
    out = [("event_id", event.event_id), ("ticket_id", event.ticket_id)]
    for name, value in event.fields.items():
        label = f"fields.{name}"
        out.append((label, name))
        if isinstance(value, str):
            out.append((label, value))
        elif isinstance(value, tuple):
            out.extend((label, tag) for tag in value)
    return out


def surrogate_field(event: Event) -> str | None:
    """The first field of ``event`` holding a lone surrogate (text with no UTF-8 form, which
    no database can keep), or ``None``."""
    return next((label for label, text in _texts(event) if _SURROGATE.search(text)), None)


def refusal_field(event: Event, reason: str) -> str:
    """The field a database's refusal of ``event`` is about, as far as it can be told: the
    first text no store can keep, else the index its message names, else ``*``."""
    for label, text in _texts(event):
        if escape_unstorable(text) != text:
            return label
    for index, name in _INDEX_FIELDS.items():
        if index in reason:
            return name
    return "*"


def refused_problem(item: Incoming, reason: str) -> RowProblem:
    """The quarantine record of an event the database refused, with the database's reason."""
    e = item.event
    return keepable(
        RowProblem(
            source=item.source,
            row=item.row,
            field=refusal_field(e, reason),
            reason=f"the store refused this event: {reason}",
            raw=dict(item.raw) if item.raw is not None else e.to_dict(),
        )
    )


def failure_text(error: str) -> str:
    """A recompute error as a failed ticket keeps it: storable, and at most
    :data:`MAX_ERROR_CHARS` characters."""
    text = escape_unstorable(error)
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
