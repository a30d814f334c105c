"""The usual JSON event, validated without gathering a draft.

Pure: no I/O. :func:`accord.core.event_validation.validate_event` first tries
:func:`usual_event`: a row in the plain shape a helpdesk's webhook or the API's clients send
(only the canonical top-level keys, texts that are short and storable, a ``created``,
``updated``, ``message`` or ``deleted`` kind) becomes its :class:`Event` here, in about a third
of the time. Anything else, valid or not, gets ``None`` and goes the whole way (the draft, every
rule, every problem named), so the answer for any row is the one the whole validation gives:
``tests/core/test_event_fast_path.py`` checks that on generated rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Any

from accord.core.event_limits import (
    MAX_CUSTOM_VALUE_BYTES,
    MAX_EVENT_BYTES,
    MAX_FIELD_NAME_BYTES,
    MAX_FIELDS,
    MAX_ID_BYTES,
    MAX_STANDARD_VALUE_BYTES,
    MAX_TAG_BYTES,
    MAX_TAGS,
    event_size,
    text_problem,
)
from accord.core.events import STANDARD_FIELDS, Actor, Event, FieldValue, Kind, StatusCategory
from accord.core.timeutil import MAX_EVENT_INSTANT, MIN_EVENT_INSTANT, parse_instant, to_instant

_TOP = frozenset(("event_id", "ticket_id", "ts", "kind", "actor", "public", "fields"))
# a rating event has rules of its own (its rating's words and numbers): the whole way
_KINDS = {k.value: k for k in Kind if k is not Kind.RATING}
_ACTORS = {a.value: a for a in Actor}
_TEXT_FIELDS = frozenset(STANDARD_FIELDS) - {"tags"}
_CATEGORY_NAMES = frozenset(c.value for c in StatusCategory)


def _text_fits(text: str, limit: int) -> bool:
    """Whether ``text`` is storable and within ``limit`` UTF-8 bytes (ASCII: without encoding)."""
    if text.isascii():
        return len(text) <= limit and "\x00" not in text
    return text_problem(text, limit, "") is None


def _id(value: Any) -> str | None:
    if type(value) is str:
        text = value.strip()
        return text if text and _text_fits(text, MAX_ID_BYTES) else None
    if type(value) is int:
        text = str(value)
        return text if len(text) <= MAX_ID_BYTES else None
    return None


def _value(
    name: str, value: Any, status_category: Callable[[str], StatusCategory | None] | None
) -> tuple[bool, FieldValue]:
    """``(True, the field's value)``, or ``(False, None)`` for anything the usual shape does
    not hold (valid or not: the whole validation decides)."""
    kind = type(value)
    if name == "tags":
        if value is None:
            return True, ()
        if kind is not list or len(value) > MAX_TAGS:
            return False, None
        for tag in value:
            if type(tag) is not str or not tag.strip() or not _text_fits(tag, MAX_TAG_BYTES):
                return False, None
        return True, tuple(value)
    if name in _TEXT_FIELDS:
        if kind is str and value.strip():
            if not _text_fits(value, MAX_STANDARD_VALUE_BYTES):
                return False, None
            if name == "status" and not known_status(value, status_category):
                return False, None
            return True, value
        if name == "status":
            return False, None  # cleared or not text: the whole way names the problem
        if value is None or kind is str:
            return True, None  # a null or blank standard field clears it
        if kind is int:
            return True, str(value)
        return False, None
    if kind is str:
        return (True, value) if _text_fits(value, MAX_CUSTOM_VALUE_BYTES) else (False, None)
    if value is None or kind is int or kind is bool:
        return True, value
    if kind is float and math.isfinite(value):
        return True, value
    return False, None


def known_status(name: str, status_category: Callable[[str], StatusCategory | None] | None) -> bool:
    if status_category is None or name.strip().casefold() in _CATEGORY_NAMES:
        return True
    return status_category(name) is not None


def usual_event(
    raw: Mapping[str, Any],
    *,
    seq: int,
    source_tz: tzinfo | None,
    status_category: Callable[[str], StatusCategory | None] | None,
) -> Event | None:
    """The event of ``raw`` when it has the usual shape and breaks no rule; ``None`` when the
    whole validation must decide (``raw`` may still be valid). An event without ``event_id``
    is left to it too (its id is the content's hash)."""
    if type(raw) is not dict or not raw.keys() <= _TOP:
        return None
    event_id = _id(raw.get("event_id"))
    ticket_id = _id(raw.get("ticket_id"))
    kind_name = raw.get("kind")
    if event_id is None or ticket_id is None or type(kind_name) is not str:
        return None
    kind = _KINDS.get(kind_name)
    actor_name = raw.get("actor")
    actor = _ACTORS.get(actor_name) if type(actor_name) is str else None
    public = raw.get("public")
    fields_in = raw.get("fields")
    if (
        kind is None
        or (actor is None and actor_name is not None)
        or (public is not None and type(public) is not bool)
        or (fields_in is not None and type(fields_in) is not dict)
    ):
        return None
    if kind is Kind.MESSAGE and (actor is None or public is None):
        return None  # the whole way names what a message lacks
    fields: dict[str, FieldValue] = {}
    if fields_in:
        if kind is Kind.MESSAGE or kind is Kind.DELETED or len(fields_in) > MAX_FIELDS:
            return None
        for name, value in fields_in.items():
            if type(name) is not str or not name or not _text_fits(name, MAX_FIELD_NAME_BYTES):
                return None
            ok, normal = _value(name, value, status_category)
            if not ok:
                return None
            fields[name] = normal
    ts = raw.get("ts")
    if type(ts) is not str:
        return None
    try:
        dt = parse_instant(ts, source_tz)
    except (ValueError, OverflowError):
        return None
    instant = to_instant(dt)
    if not MIN_EVENT_INSTANT <= instant < MAX_EVENT_INSTANT:
        return None
    if event_size(event_id, ticket_id, fields) > MAX_EVENT_BYTES:
        return None
    return Event(
        event_id=event_id,
        ticket_id=ticket_id,
        ts=instant,
        kind=kind,
        actor=actor,
        public=public,
        fields=fields,
        seq=seq,
        ts_us=dt.microsecond,
    )
