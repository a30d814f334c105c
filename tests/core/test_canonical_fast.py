"""msgspec's canonical bytes of a usual event are the definition's, or are not given."""

from __future__ import annotations

import hashlib
from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from accord.core.canonical_fast import canonical_bytes
from accord.core.event_validation import canonical_content, content_digest
from accord.core.events import Actor, Event, Kind

# any character but a lone surrogate (validated events hold none), controls and quotes included
_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=8)
_plain = (
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | _text
    | st.lists(_text, max_size=3).map(tuple)
)
_fields = st.dictionaries(_text, _plain, max_size=8)


def _event(fields: Any, ticket: str = "t-1", public: bool | None = None) -> Event:
    return Event("e-1", ticket, 1_700_000_000, Kind.UPDATED, Actor.AGENT, public, fields, 3, 25)


@given(_fields, _text, st.none() | st.booleans(), st.sampled_from(list(Kind)))
def test_the_usual_events_bytes_are_the_canonical_contents(
    fields: dict[str, Any], ticket: str, public: bool | None, kind: Kind
) -> None:
    e = Event("e-1", ticket, -5, kind, None, public, fields, 0, 999_999)
    got = canonical_bytes(e)
    assert got is not None  # these types are all written by msgspec
    assert got == canonical_content(e).encode("utf-8")


@given(_fields, st.floats(allow_nan=False, allow_infinity=False), _text)
def test_an_event_with_a_float_goes_the_definitions_way_with_the_same_digest(
    fields: dict[str, Any], number: float, name: str
) -> None:
    e = _event({**fields, name: number})
    assert canonical_bytes(e) is None
    defined = hashlib.sha256(canonical_content(e).encode("utf-8")).digest()[:16]
    assert content_digest(e) == defined


@given(_fields)
def test_a_mapping_that_is_not_a_dict_goes_the_definitions_way(fields: dict[str, Any]) -> None:
    assert canonical_bytes(_event(MappingProxyType(fields))) is None


def test_a_tag_that_is_not_a_string_goes_the_definitions_way() -> None:
    assert canonical_bytes(_event({"tags": ("a", 1)})) is None
    assert canonical_bytes(_event({"tags": ("a", "b")})) == canonical_content(
        _event({"tags": ("a", "b")})
    ).encode("utf-8")
