"""Validation of one raw event row into an :class:`~accord.core.events.Event` (DESIGN §2).

Pure: no I/O. The file readers in :mod:`accord.io.readers` call it once per row, and so can the
REST ingest and the importers. It never raises on bad data: it returns either an ``Event`` or a
:class:`~accord.errors.RowProblem` (the quarantine record) that names the source, the row, the
first wrong field and a reason listing *every* problem of the row.

The canonical row
-----------------

==============  ==============================================================================
key             rule
==============  ==============================================================================
``event_id``    optional; text or a whole number (numbers become text). When missing, the id
                is ``"h:"`` + a stable hash of the event's canonical content (ticket, instant,
                kind, actor, public, fields), so the same event always gets the same id, in
                any format, and re-importing a file is idempotent.
``ticket_id``   required; text or a whole number (numbers become text).
``ts``          required; ISO 8601 with an offset (``2026-03-02T09:15:00Z``). Without an
                offset it is rejected unless the caller names the source's time zone
                (``source_tz``). Microseconds are kept in ``Event.ts_us`` for ordering;
                ``Event.ts`` holds whole UTC seconds.
``kind``        required; ``created``, ``updated``, ``message``, ``rating`` or ``deleted``
                (case-insensitive).
``actor``       ``customer``, ``agent`` or ``system``; required for ``message``.
``public``      ``true`` / ``false``; required for ``message`` (visible to the customer, or
                an internal note).
``fields``      an object: the fields the event sets (see below).
==============  ==============================================================================

The standard fields ``status``, ``priority``, ``customer``, ``team``, ``assignee``, ``channel``,
``type``, ``tags`` (and ``rating``) may also be given at top level; they are merged into
``fields`` (the same field given twice with different values is an error). Any other top-level
key is rejected: custom fields go under ``fields``.

Field values:

- ``status``, ``priority``, ``customer``, ``team``, ``assignee``, ``channel``, ``type``: text
  (whole numbers become text). ``null`` or empty text clears the field, except ``status``,
  which cannot be cleared. The status name is kept as the source gave it (the engine maps it
  to a category); when the caller passes ``status_category``, a status that is neither a
  category name (``new``, ``open``, ``pending``, ``on_hold``, ``solved``, ``closed``) nor
  known to that mapping is rejected.
- ``tags``: a list of non-empty strings, the full tag list after the event (``null`` = no tags).
- ``rating`` (on a ``rating`` event, where it is required): ``good``, ``bad`` or a number
  (numeric text becomes a number).
- any other (custom) field: text, a number, ``true`` / ``false`` or ``null``.

Which event sets which fields: ``created`` and ``updated`` set any fields; ``rating`` sets
``rating`` and custom fields only; ``message`` and ``deleted`` set none.

Limits (:mod:`accord.core.event_limits`, in UTF-8 bytes): ids, field names, text values and
tags have a size limit, an event sets at most so many fields and tags and has a size limit as
a whole; text holding NUL or a lone surrogate is rejected wherever it appears. A row over a
limit is rejected like any bad row, with the field named.

Two dialects
------------

:func:`validate_event` takes the JSON dialect (a parsed JSON object). :func:`validate_flat_row`
takes the flattened dialect of CSV and Parquet, which differs only in how values are spelled:

- an empty cell (or a null / blank value) means "not set by this event"; to clear a field, put
  ``null`` in the ``fields`` column;
- custom fields are ``field.<name>`` columns (their CSV values stay text);
- ``tags`` may be one text cell separated by ``;`` (blank pieces dropped, pieces stripped);
- ``public`` may be ``true`` / ``false`` / ``1`` / ``0`` / ``yes`` / ``no``;
- an optional ``fields`` column holds a JSON object (or, in Parquet, a struct whose null
  members mean "not set") that is merged like the top-level columns.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from accord.core.canonical_fast import canonical_bytes
from accord.core.event_fast_path import known_status, usual_event
from accord.core.event_limits import (
    MAX_CUSTOM_VALUE_BYTES,
    MAX_EVENT_BYTES,
    MAX_FIELD_NAME_BYTES,
    MAX_FIELDS,
    MAX_ID_BYTES,
    MAX_STANDARD_VALUE_BYTES,
    MAX_TAG_BYTES,
    MAX_TAGS,
    escape_unstorable,
    event_size,
    text_problem,
)
from accord.core.events import STANDARD_FIELDS, Actor, Event, FieldValue, Kind, StatusCategory
from accord.core.timeutil import (
    MAX_EVENT_INSTANT,
    MIN_EVENT_INSTANT,
    parse_instant,
    to_instant,
)
from accord.errors import EventValidationError, RowProblem

StatusMapper = Callable[[str], StatusCategory | None]
"""Maps a source's status name to its category, or ``None`` when the name is unknown."""

TOP_LEVEL_KEYS = ("event_id", "ticket_id", "ts", "kind", "actor", "public", "fields")
# Field names that may also appear as top-level keys (JSON) or plain columns (CSV / Parquet).
TOP_LEVEL_FIELDS = (*STANDARD_FIELDS, "rating")
FIELD_COLUMN_PREFIX = "field."
TAG_SEPARATOR = ";"
HASH_ID_PREFIX = "h:"

_TEXT_FIELDS = frozenset(STANDARD_FIELDS) - {"tags"}
_RATING_WORDS = ("good", "bad")
_TRUE_WORDS = frozenset({"true", "1", "yes"})
_FALSE_WORDS = frozenset({"false", "0", "no"})
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_KIND_NAMES = tuple(k.value for k in Kind)
_ACTOR_NAMES = tuple(a.value for a in Actor)
_KINDS = ", ".join(_KIND_NAMES)
_ACTORS = ", ".join(_ACTOR_NAMES)
_TS_EXAMPLE = "2026-03-02T09:15:00Z"

# Problems are reported in this order, whatever the order of the keys in the row, so that the
# record's ``field`` (the first problem) is the most basic one.
_RANK = {key: i for i, key in enumerate(TOP_LEVEL_KEYS)}
_RANK_FIELDS = len(TOP_LEVEL_KEYS)
_RANK_UNKNOWN = _RANK_FIELDS + 1


def _show(value: object) -> str:
    """A value as a reason quotes it: text in quotes, long values shortened."""
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


class _Draft:
    """The parts of one row as gathered from either dialect, and the problems found so far."""

    __slots__ = ("fields", "problems", "top")

    def __init__(self) -> None:
        # key -> (value, came from a flat cell)
        self.top: dict[str, tuple[Any, bool]] = {}
        # field name -> (label used in reasons, value, came from a flat cell)
        self.fields: dict[str, tuple[str, Any, bool]] = {}
        self.problems: list[tuple[int, str, str]] = []

    def problem(self, rank: int, label: str, reason: str) -> None:
        self.problems.append((rank, label, reason))

    def set_field(self, name: str, label: str, value: Any, cell: bool) -> None:
        if not name:
            self.problem(_RANK_FIELDS, label, "a field name cannot be empty")
            return
        bad = text_problem(name, MAX_FIELD_NAME_BYTES, "the field name")
        if bad is not None:
            self.problem(_RANK_FIELDS, label, bad)
            return
        old = self.fields.get(name)
        if old is None:
            self.fields[name] = (label, value, cell)
        elif not (type(old[1]) is type(value) and old[1] == value):
            self.problem(
                _RANK_FIELDS,
                label,
                f"'{name}' is given twice with different values: {_show(old[1])} in "
                f"'{old[0]}' and {_show(value)} in '{label}'",
            )


def _gather_json(obj: Mapping[str, Any], draft: _Draft) -> None:
    for key, value in obj.items():
        if key == "fields":
            if value is None:
                continue
            if not isinstance(value, Mapping):
                draft.problem(
                    _RANK_FIELDS,
                    "fields",
                    f"expected an object of field names and values, got {_type_name(value)} "
                    f"{_show(value)}",
                )
                continue
            for name, v in value.items():
                draft.set_field(str(name), f"fields.{name}", v, False)
        elif key in _RANK:
            if value is not None:
                draft.top[key] = (value, False)
        elif key in TOP_LEVEL_FIELDS:
            draft.set_field(key, key, value, False)
        else:
            draft.problem(
                _RANK_UNKNOWN,
                str(key),
                f"unknown key '{key}'; put custom fields under 'fields' "
                f'(e.g. "fields": {{"{key}": ...}})',
            )


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _gather_flat(cells: Mapping[str, Any], draft: _Draft) -> None:
    for key, value in cells.items():
        if _blank(value):
            continue  # an empty cell means "not set by this event"
        if key == "fields":
            _gather_fields_cell(value, draft)
        elif key in _RANK:
            draft.top[key] = (value, True)
        elif key.startswith(FIELD_COLUMN_PREFIX):
            draft.set_field(key[len(FIELD_COLUMN_PREFIX) :], key, value, True)
        elif key in TOP_LEVEL_FIELDS:
            draft.set_field(key, key, value, True)
        else:
            draft.problem(
                _RANK_UNKNOWN,
                str(key),
                f"unknown column '{key}'; name custom field columns 'field.{key}' "
                "or put custom fields in the 'fields' column as JSON",
            )


def _gather_fields_cell(value: Any, draft: _Draft) -> None:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as e:
            draft.problem(
                _RANK_FIELDS,
                "fields",
                f"{_show(value)} is not valid JSON ({e.msg} at character {e.pos + 1}); "
                'expected an object such as {"region": "EMEA"}',
            )
            return
        explicit_nulls = True  # in JSON text, null is written on purpose: it clears the field
    else:
        parsed = value
        explicit_nulls = False  # a Parquet struct has every member; null ones are just unset
    if not isinstance(parsed, Mapping):
        draft.problem(
            _RANK_FIELDS,
            "fields",
            f"expected a JSON object of field names and values, got {_type_name(parsed)} "
            f"{_show(parsed)}",
        )
        return
    for name, v in parsed.items():
        if v is None and not explicit_nulls:
            continue
        draft.set_field(str(name), f"fields.{name}", v, False)


def _id(draft: _Draft, key: str) -> str | None:
    got = draft.top.get(key)
    if got is None:
        return None
    value = got[0]
    if isinstance(value, str):
        text = value.strip()
        if not text:
            draft.problem(_RANK[key], key, f"{key} is empty")
            return None
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif got[1] and isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a Parquet integer column with nulls often arrives as floats
    else:
        text = None
    if text is not None:
        bad = text_problem(text, MAX_ID_BYTES, key)
        if bad is None:
            return text
        draft.problem(_RANK[key], key, bad)
        return None
    draft.problem(
        _RANK[key],
        key,
        f"expected text or a whole number, got {_type_name(value)} {_show(value)}",
    )
    return None


def _ts(draft: _Draft, source_tz: tzinfo | None) -> datetime | None:
    got = draft.top.get("ts")
    if got is None:
        draft.problem(
            _RANK["ts"], "ts", f"ts is missing; give the instant in ISO 8601, e.g. {_TS_EXAMPLE}"
        )
        return None
    value = got[0]
    if not isinstance(value, str | datetime):
        draft.problem(
            _RANK["ts"],
            "ts",
            f"expected an ISO 8601 instant such as {_TS_EXAMPLE}, got {_type_name(value)} "
            f"{_show(value)}",
        )
        return None
    try:
        dt = parse_instant(value, source_tz)
    except (ValueError, OverflowError) as e:
        draft.problem(_RANK["ts"], "ts", str(e))
        return None
    if not MIN_EVENT_INSTANT <= to_instant(dt) < MAX_EVENT_INSTANT:
        draft.problem(
            _RANK["ts"],
            "ts",
            f"{_show(value)} lies outside the instants Accord accepts "
            "(1900-01-01T00:00:00Z up to 9000-01-01T00:00:00Z)",
        )
        return None
    return dt


def _choice(draft: _Draft, key: str, choices: tuple[str, ...]) -> str | None:
    got = draft.top.get(key)
    if got is None:
        return None
    value = got[0]
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    what = "an event kind" if key == "kind" else f"a valid {key}"
    draft.problem(
        _RANK[key], key, f"{_show(value)} is not {what}; expected one of {', '.join(choices)}"
    )
    return None


def _public(draft: _Draft) -> bool | None:
    got = draft.top.get("public")
    if got is None:
        return None
    value, cell = got
    if isinstance(value, bool):
        return value
    if cell:
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
        draft.problem(
            _RANK["public"],
            "public",
            f"expected true/false, 1/0 or yes/no, got {_show(value)}",
        )
        return None
    draft.problem(
        _RANK["public"], "public", f"expected true or false, got {_type_name(value)} {_show(value)}"
    )
    return None


def _number(text: str) -> int | float | None:
    if not _NUMBER_RE.match(text):
        return None
    return int(text) if text.lstrip("+-").isdigit() else float(text)


def _field_value(
    draft: _Draft, name: str, label: str, value: Any, cell: bool
) -> tuple[bool, FieldValue]:
    """Check and normalise one field value; ``(False, None)`` after recording a problem."""

    def bad(reason: str) -> tuple[bool, FieldValue]:
        draft.problem(_RANK_FIELDS, label, reason)
        return False, None

    if name == "tags":
        if value is None:
            return True, ()
        if cell and isinstance(value, str):
            pieces = (p.strip() for p in value.split(TAG_SEPARATOR))
            tags = tuple(p for p in pieces if p)
        elif not isinstance(value, list | tuple):
            return bad(
                f'expected a list of tags such as ["vip", "billing"], got {_type_name(value)} '
                f"{_show(value)}"
            )
        else:
            for i, tag in enumerate(value, start=1):
                if not isinstance(tag, str) or not tag.strip():
                    return bad(f"tag {i} is {_show(tag)}; every tag must be non-empty text")
            tags = tuple(value)
        if len(tags) > MAX_TAGS:
            return bad(f"{len(tags):,} tags; an event holds at most {MAX_TAGS} tags")
        for i, tag in enumerate(tags, start=1):
            problem = text_problem(tag, MAX_TAG_BYTES, f"tag {i}")
            if problem is not None:
                return bad(problem)
        return True, tags
    if name in _TEXT_FIELDS:
        if isinstance(value, int) and not isinstance(value, bool):
            return True, str(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name == "status":
                return bad("status cannot be cleared; give the ticket's status name")
            return True, None  # a null or empty standard field clears it
        if isinstance(value, str):
            problem = text_problem(value, MAX_STANDARD_VALUE_BYTES, f"the {name}")
            return (True, value) if problem is None else bad(problem)
        return bad(f"expected text, got {_type_name(value)} {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        return bad(f"{value} is not a finite number")
    if isinstance(value, str):
        problem = text_problem(value, MAX_CUSTOM_VALUE_BYTES, "the value")
        return (True, value) if problem is None else bad(problem)
    if value is None or isinstance(value, int | float):  # bool is an int
        return True, value
    return bad(
        f"a field value must be text, a number, true/false or null, got {_type_name(value)} "
        f"{_show(value)}"
    )


def _rating(draft: _Draft, label: str, value: FieldValue) -> FieldValue:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _RATING_WORDS:
            return word
        number = _number(word)
        if number is not None:
            return number
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return value
    draft.problem(_RANK_FIELDS, label, f"rating {_show(value)} is not good, bad or a number")
    return None


def _finish(
    draft: _Draft,
    *,
    source: str,
    row: int,
    seq: int,
    raw: Mapping[str, Any],
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
    field_label: Callable[[str], str],
) -> Event | RowProblem:
    event_id = _id(draft, "event_id")
    ticket_id = _id(draft, "ticket_id")
    if ticket_id is None and "ticket_id" not in draft.top:
        draft.problem(_RANK["ticket_id"], "ticket_id", "ticket_id is missing")
    dt = _ts(draft, source_tz)
    kind_name = _choice(draft, "kind", _KIND_NAMES)
    if kind_name is None and "kind" not in draft.top:
        draft.problem(_RANK["kind"], "kind", f"kind is missing; expected one of {_KINDS}")
    kind = Kind(kind_name) if kind_name else None
    actor_name = _choice(draft, "actor", _ACTOR_NAMES)
    actor = Actor(actor_name) if actor_name else None
    public = _public(draft)

    if kind is Kind.MESSAGE:
        if "actor" not in draft.top:
            draft.problem(
                _RANK["actor"], "actor", f"a message needs an actor; expected one of {_ACTORS}"
            )
        if "public" not in draft.top:
            draft.problem(
                _RANK["public"],
                "public",
                "a message needs public: true (the customer sees it) or false (internal note)",
            )

    if len(draft.fields) > MAX_FIELDS:
        draft.problem(
            _RANK_FIELDS,
            "fields",
            f"the event sets {len(draft.fields):,} fields; an event sets at most {MAX_FIELDS}",
        )
    fields: dict[str, FieldValue] = {}
    for name, (label, value, cell) in draft.fields.items():
        ok, normal = _field_value(draft, name, label, value, cell)
        if not ok:
            continue
        if (
            name == "status"
            and isinstance(normal, str)
            and not known_status(normal, status_category)
        ):
            draft.problem(
                _RANK_FIELDS,
                label,
                f"status '{normal}' is not mapped to a category; add it to the statuses section",
            )
            continue
        if name == "rating" and kind is Kind.RATING:
            normal = _rating(draft, label, normal)
        fields[name] = normal

    if kind in (Kind.MESSAGE, Kind.DELETED) and draft.fields:
        first = next(iter(draft.fields.values()))[0]
        names = ", ".join(f"'{n}'" for n in draft.fields)
        draft.problem(
            _RANK_FIELDS,
            first,
            f"a {kind} event sets no fields, got {names}; send field changes as an updated event",
        )
    elif kind is Kind.RATING:
        if "rating" not in draft.fields:
            draft.problem(
                _RANK_FIELDS,
                field_label("rating"),
                "a rating event needs a rating: good, bad or a number",
            )
        ticket_fields = [n for n in draft.fields if n in STANDARD_FIELDS]
        if ticket_fields:
            names = ", ".join(f"'{n}'" for n in ticket_fields)
            draft.problem(
                _RANK_FIELDS,
                draft.fields[ticket_fields[0]][0],
                f"a rating event cannot set {names}; send ticket changes as an updated event",
            )

    if draft.problems or ticket_id is None or dt is None or kind is None:
        return _problem(draft, source=source, row=row, raw=raw)
    event = Event(
        event_id=event_id or "",
        ticket_id=ticket_id,
        ts=to_instant(dt),
        kind=kind,
        actor=actor,
        public=public,
        fields=fields,
        seq=seq,
        ts_us=dt.microsecond,
    )
    if event_id is None:
        event = replace(event, event_id=hash_event_id(event))
    size = event_size(event.event_id, event.ticket_id, event.fields)
    if size > MAX_EVENT_BYTES:
        draft.problem(
            _RANK_UNKNOWN + 1,
            "*",
            f"the event is {size:,} bytes (its ids, field names and values in UTF-8); "
            f"the limit is {MAX_EVENT_BYTES:,} bytes",
        )
        return _problem(draft, source=source, row=row, raw=raw)
    return event


def _problem(draft: _Draft, *, source: str, row: int, raw: Mapping[str, Any]) -> RowProblem:
    problems = sorted(draft.problems, key=lambda p: p[0])  # stable: keeps row order within a rank
    if len(problems) == 1:
        reason = problems[0][2]
    else:
        reason = "; ".join(f"{label}: {text}" for _, label, text in problems)
    # labels and quoted values may hold what no store (and no JSON answer) can carry: the
    # reason is escaped, the raw copy stays as given (its keeper escapes it)
    return RowProblem(
        source=source,
        row=row,
        field=escape_unstorable(problems[0][1]),
        reason=escape_unstorable(reason),
        raw=dict(raw),
    )


def _not_an_object(value: object, *, source: str, row: int) -> RowProblem:
    return RowProblem(
        source=source,
        row=row,
        field="*",
        reason=escape_unstorable(
            f"expected an object (one event), got {_type_name(value)} {_show(value)}"
        ),
        raw={"_value": value},
    )


def validate_event(
    raw: Mapping[str, Any],
    *,
    source: str,
    row: int,
    seq: int = 0,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> Event | RowProblem:
    """Validate one row in the JSON dialect (a parsed JSON object).

    ``source`` and ``row`` locate the row in problems; ``seq`` becomes ``Event.seq``.
    """
    usual = usual_event(raw, seq=seq, source_tz=source_tz, status_category=status_category)
    if usual is not None:
        return usual
    return whole_validation(
        raw, source=source, row=row, seq=seq, source_tz=source_tz, status_category=status_category
    )


def whole_validation(
    raw: Mapping[str, Any],
    *,
    source: str,
    row: int,
    seq: int = 0,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> Event | RowProblem:
    """:func:`validate_event` without its shortcut for the usual row
    (:mod:`accord.core.event_fast_path`): every rule applied through a draft."""
    if not isinstance(raw, Mapping):
        return _not_an_object(raw, source=source, row=row)
    draft = _Draft()
    _gather_json(raw, draft)
    return _finish(
        draft,
        source=source,
        row=row,
        seq=seq,
        raw=raw,
        source_tz=source_tz,
        status_category=status_category,
        field_label=lambda name: f"fields.{name}",
    )


def validate_flat_row(
    cells: Mapping[str, Any],
    *,
    source: str,
    row: int,
    seq: int = 0,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> Event | RowProblem:
    """Validate one row in the flattened dialect of CSV and Parquet (column name -> cell)."""
    if not isinstance(cells, Mapping):
        return _not_an_object(cells, source=source, row=row)
    draft = _Draft()
    _gather_flat(cells, draft)
    return _finish(
        draft,
        source=source,
        row=row,
        seq=seq,
        raw=cells,
        source_tz=source_tz,
        status_category=status_category,
        field_label=lambda name: name if name in TOP_LEVEL_FIELDS else f"field.{name}",
    )


def parse_event(
    raw: Mapping[str, Any],
    *,
    source: str = "input",
    row: int = 1,
    seq: int = 0,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> Event:
    """Like :func:`validate_event`, but raise :class:`EventValidationError` on a bad row."""
    got = validate_event(
        raw, source=source, row=row, seq=seq, source_tz=source_tz, status_category=status_category
    )
    if isinstance(got, RowProblem):
        raise EventValidationError(got)
    return got


def canonical_content(event: Event) -> str:
    """The event without ``event_id`` and ``seq`` as compact JSON with sorted keys.

    Two rows describe the same event exactly when this text is equal, whatever their format.
    """
    content = {
        "ticket_id": event.ticket_id,
        "ts": event.ts,
        "ts_us": event.ts_us,
        "kind": event.kind.value,
        "actor": event.actor.value if event.actor is not None else None,
        "public": event.public,
        # the encoder writes a tuple (tags) as a list: a plain dict needs no copy
        "fields": fields
        if type(fields := event.fields) is dict
        else {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()},
    }
    return _CANONICAL.encode(content)


# built once: json.dumps with these options builds an encoder on every call
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_digest(event: Event) -> bytes:
    """A 16-byte digest of :func:`canonical_content`: compact enough to remember per event."""
    # the same bytes, written faster for the usual event (see canonical_fast.py)
    text = canonical_bytes(event)
    if text is None:
        text = canonical_content(event).encode("utf-8")
    return hashlib.sha256(text).digest()[:16]


def hash_event_id(event: Event) -> str:
    """The stable id of an event whose source gave none: ``"h:"`` + 32 hex digits."""
    return HASH_ID_PREFIX + content_digest(event).hex()
