"""The columns KPI definitions may name: of metric records and of ticket facts.

Each column has a kind that decides where it may be used: ``at`` needs an instant, ``of``
(for mean, median, …) a number, ``by`` a value that groups (text, a whole number or a
flag). Custom ticket fields are written ``field.<name>`` (as in the flattened CSV events)
and are text.

A measure over records may also name a ticket column that records lack (``type``,
``status``, ``field.region``, …): the record then takes that value from its ticket's facts at
as-of. A column both have (``team``, ``priority``, …) is the record's own: its value at the
cycle's end point.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["text", "int", "duration", "number", "instant", "bool", "list"]

CUSTOM_PREFIX = "field."
ALIASES = {"agent": "assignee"}

RECORD_COLUMNS: dict[str, Kind] = {
    "ticket_id": "text",
    "metric": "text",
    "cycle": "int",
    "policy": "text",
    "policy_version": "int",
    "calendar": "text",
    "priority": "text",
    "customer": "text",
    "team": "text",
    "assignee": "text",
    "channel": "text",
    "state": "text",
    "target": "duration",
    "business_elapsed": "duration",
    "paused_business": "duration",
    "calendar_elapsed": "duration",
    "breached_by": "duration",
    "remaining": "duration",
    "share_of_target": "number",
    "start": "instant",
    "stop": "instant",
    "due": "instant",
    "breached_at": "instant",
    "judged_at": "instant",
    "breached_now": "bool",
    "ever_breached": "bool",
    "has_target": "bool",
    "hour": "text",
    "weekday": "text",
}

LOCAL_TIME_COLUMNS = frozenset({"hour", "weekday"})
"""Hour of day (``00``-``23``) and day of week (``Mon``-``Sun``): of a record's cycle start in
its calendar's zone, of a ticket's creation in the evaluation's zone (see evaluate.py)."""

# derived from the engine's columns when a definition needs them (see evaluate.py)
DERIVED_RECORD_COLUMNS = frozenset(
    {"judged_at", "breached_by", "remaining", "share_of_target", "has_target"}
)

TICKET_COLUMNS: dict[str, Kind] = {
    "ticket_id": "text",
    "hour": "text",
    "weekday": "text",
    "status": "text",
    "priority": "text",
    "customer": "text",
    "team": "text",
    "assignee": "text",
    "channel": "text",
    "type": "text",
    "policy": "text",
    "tags": "list",
    "rating": "text",
    "created": "instant",
    "first_solved": "instant",
    "last_solved": "instant",
    "rated_at": "instant",
    "solved": "bool",
    "deleted": "bool",
    "backlog": "bool",
    "rated": "bool",
    "rating_good": "bool",
    "fcr": "bool",
    "fcr_eligible": "bool",
    "reopened": "bool",
    "reassigned": "bool",
    "reopens": "int",
    "reassignments": "int",
    "replies": "int",
    "replies_before_first_solve": "int",
    "rating_score": "number",
}

NUMERIC_KINDS = frozenset({"int", "duration", "number"})
GROUPING_KINDS = frozenset({"text", "int", "bool"})


def canonical(name: str) -> str:
    """``agent`` is another name for ``assignee``."""
    return ALIASES.get(name, name)


def column_kind(name: str, source: str) -> Kind | None:
    """The kind of column ``name`` in ``source`` (records, tickets or backlog), or ``None``
    when there is no such column. Records fall back to their ticket's columns."""
    name = canonical(name)
    if name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX):
        return "text"
    if source == "records" and name in RECORD_COLUMNS:
        return RECORD_COLUMNS[name]
    return TICKET_COLUMNS.get(name)


def known_columns(source: str) -> list[str]:
    names = dict.fromkeys(RECORD_COLUMNS) if source == "records" else {}
    names.update(dict.fromkeys(TICKET_COLUMNS))
    return [*names, *ALIASES]
