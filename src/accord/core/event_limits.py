"""How large an event may be, and the text no store can keep (docs/events.md, "Limits").

Pure: no I/O. :mod:`accord.core.event_validation` checks every row against these limits, so
the API, NDJSON, the webhooks, the file readers and the importers all refuse the same rows,
each one alone (quarantined with its reason), never its batch.

Sizes are counted in **UTF-8 bytes**, not characters: that is what the databases store and
index (a character takes 1 to 4 bytes, so 512 bytes hold 512 ASCII characters but only 128
emoji). The limits leave every index of both stores a wide margin: a PostgreSQL btree index
row holds at most :data:`POSTGRESQL_INDEX_ROW_BYTES` bytes, and the widest index over event
text, (customer, ticket_id) of the tickets table, needs at most 512 + 512 bytes plus a few
bytes of overhead. SQLite has no such limit.

Two kinds of text are refused wherever they appear: NUL (U+0000, which PostgreSQL text cannot
hold, so such an event could be kept by one store and not the other) and lone surrogates
(U+D800 to U+DFFF without their pair, which JSON's ``"\\ud800"`` can spell: they are not
characters and have no UTF-8 form, so neither store can keep them).
A rejected row's raw copy may hold them; :func:`escape_unstorable` spells them as the six
characters of their JSON escape (``\\u0000``, ``\\ud800``) wherever such a copy is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_ID_BYTES = 512
"""``event_id`` and ``ticket_id`` (after trimming; a whole number counts as its digits)."""

MAX_FIELD_NAME_BYTES = 256
"""The name of a field (standard or custom)."""

MAX_STANDARD_VALUE_BYTES = 512
"""A value of ``status``, ``priority``, ``customer``, ``team``, ``assignee``, ``channel`` or
``type``: the store indexes some of them (the customer, with the ticket id)."""

MAX_TAG_BYTES = 256
"""One tag."""

MAX_TAGS = 100
"""Tags in one event's tag list."""

MAX_CUSTOM_VALUE_BYTES = 4096
"""A text value of a custom field (or of ``rating``)."""

MAX_FIELDS = 100
"""Fields one event sets, standard and custom together."""

MAX_EVENT_BYTES = 65_536
"""The whole event: see :func:`event_size`."""

POSTGRESQL_INDEX_ROW_BYTES = 2704
"""The most a PostgreSQL btree index row holds (8 KiB pages): the bound the limits stay far
below."""

NUMBER_BYTES = 24
"""The most a number's text takes (``-1.2345678901234567e-308``): what a fast reader counts
for a number cell when it bounds an event's size without building the event."""

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (a lone surrogate counts as the 3 bytes it would take)."""
    if text.isascii():  # the usual case, without building the bytes
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def unstorable(text: str, what: str = "text") -> str | None:
    """Why ``text`` cannot be stored (``what`` names it in the reason), or ``None``."""
    m = _UNSTORABLE.search(text)
    if m is None:
        return None
    if m.group() == "\x00":
        return f"{what} holds a NUL character (U+0000), which PostgreSQL cannot store"
    return (
        f"{what} holds a lone surrogate (U+{ord(m.group()):04X}), which is not a character "
        "(it has no UTF-8 form)"
    )


def text_problem(text: str, limit: int, what: str) -> str | None:
    """Why ``text`` breaks the rules of text (``what`` names it in the reason), or ``None``."""
    bad = unstorable(text, what)
    if bad is not None:
        return bad
    size = utf8_size(text)
    if size > limit:
        return f"{what} is {size:,} bytes long (UTF-8); the limit is {limit:,} bytes"
    return None


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def has_unstorable(text: str) -> bool:
    """Whether ``text`` holds a NUL or a lone surrogate (what :func:`escape_unstorable` spells)."""
    return _UNSTORABLE.search(text) is not None


def escape_unstorable(text: str) -> str:
    """``text`` with NUL and lone surrogates spelled as their JSON escape (``\\u0000``)."""
    return _UNSTORABLE.sub(_escape, text) if _UNSTORABLE.search(text) else text


def escape_value(value: Any) -> Any:
    """A JSON-like value (a rejected row's raw copy) with every text, keys included, passed
    through :func:`escape_unstorable`."""
    if isinstance(value, str):
        return escape_unstorable(value)
    if isinstance(value, Mapping):
        return {escape_unstorable(str(k)): escape_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape_value(v) for v in value]
    return value


def value_size(value: object) -> int:
    """What a value adds to an event's size: the UTF-8 bytes of its text (a number's or
    true/false's text as Python writes it, a tag list's tags), 0 for null."""
    if value is None:
        return 0
    if isinstance(value, str):
        return utf8_size(value)
    if isinstance(value, list | tuple):
        return sum(value_size(v) for v in value)
    return len(str(value))


def event_size(event_id: str, ticket_id: str, fields: Mapping[str, object]) -> int:
    """An event's size: the UTF-8 bytes of its ids, its field names and its values."""
    return (
        utf8_size(event_id)
        + utf8_size(ticket_id)
        + sum(utf8_size(name) + value_size(v) for name, v in fields.items())
    )
