"""The canonical content of a usual event as UTF-8, written by msgspec.

:func:`accord.core.event_validation.canonical_content` is the definition (``json`` with sorted
keys, compact, non-ASCII as it is); its digest identifies an event's content in the store, so
its bytes must never change. msgspec writes the same bytes for strings, integers of any size,
booleans and null, about five times faster; floats it writes otherwise (``1e16`` where Python
writes ``1e+16``). So an event whose parts are all of those exact types (its fields' tags
tuples of strings, every key a string) is written here, and anything else (a float, a
subclass, a mapping that is not a dict) gets ``None`` and goes the definition's way.
``tests/core/test_canonical_fast.py`` checks the bytes against the definition on generated
events.
"""

from __future__ import annotations

import msgspec

from accord.core.events import Event

_ENCODER = msgspec.json.Encoder(order="sorted")
_PLAIN = frozenset({str, int, bool, type(None), tuple})
_NONE = type(None)


def canonical_bytes(event: Event) -> bytes | None:
    """``canonical_content(event).encode()`` when msgspec writes it exactly, else ``None``."""
    fields = event.fields
    if type(fields) is not dict or type(event.ticket_id) is not str:
        return None
    if type(event.ts) is not int or type(event.ts_us) is not int:
        return None
    if type(event.public) not in (bool, _NONE):
        return None
    if not set(map(type, fields)) <= {str}:
        return None
    kinds = set(map(type, fields.values()))
    if not kinds <= _PLAIN:
        return None
    if tuple in kinds:
        for value in fields.values():
            if type(value) is tuple and not set(map(type, value)) <= {str}:
                return None
    content = {
        "ticket_id": event.ticket_id,
        "ts": event.ts,
        "ts_us": event.ts_us,
        "kind": str(event.kind.value),
        "actor": str(event.actor.value) if event.actor is not None else None,
        "public": event.public,
        "fields": fields,
    }
    try:
        return _ENCODER.encode(content)
    except Exception:  # what cannot be written as UTF-8 (a lone surrogate): the definition's
        return None  # way raises as it always did
