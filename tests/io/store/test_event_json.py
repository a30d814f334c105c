"""An event's JSON (its stored ``fields`` column, its content digest) written from its fields
as they are: the same text as from the copy with tags as lists that was made before."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from accord.core.event_validation import canonical_content
from accord.core.events import Actor, Event, FieldValue, Kind
from accord.io.store.sql.connection import _dumps
from accord.io.store.sql.ingest_writes import event_values

_values: st.SearchStrategy[FieldValue] = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=6)
    | st.lists(st.text(max_size=4), max_size=3).map(tuple)
)
_fields = st.dictionaries(st.text(max_size=6), _values, max_size=6)


def _event(fields: Any) -> Event:
    return Event("e-1", "t-1", 1_000, Kind.UPDATED, Actor.AGENT, None, fields, 0, 5)


def _copied(fields: Any) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


def _former_column(fields: Any) -> str:
    # the former _dumps(_fields_json(fields)): an encoder built per call
    try:
        return json.dumps(_copied(fields), ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        return _dumps(_copied(fields))  # NaN and infinities: written as text, as before


@given(_fields, st.booleans())
def test_the_stored_fields_column_is_the_text_of_the_copy_with_lists(
    fields: dict[str, FieldValue], proxied: bool
) -> None:
    given_fields = MappingProxyType(fields) if proxied else fields
    assert event_values(_event(given_fields), b"d" * 16, 7, "api")[7] == _former_column(fields)


@given(_fields, st.booleans())
def test_the_canonical_content_is_the_text_of_the_copy_with_lists(
    fields: dict[str, FieldValue], proxied: bool
) -> None:
    e = _event(MappingProxyType(fields) if proxied else fields)
    former = {
        "ticket_id": e.ticket_id,
        "ts": e.ts,
        "ts_us": e.ts_us,
        "kind": e.kind.value,
        "actor": "agent",
        "public": None,
        "fields": _copied(fields),
    }
    assert canonical_content(e) == json.dumps(
        former, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
