"""The limits of one event and the text no store keeps (accord.core.event_limits), as the row
validator applies them: each broken rule rejects its row alone, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from accord.core.event_limits import (
    MAX_CUSTOM_VALUE_BYTES,
    MAX_EVENT_BYTES,
    MAX_FIELD_NAME_BYTES,
    MAX_FIELDS,
    MAX_ID_BYTES,
    MAX_STANDARD_VALUE_BYTES,
    MAX_TAG_BYTES,
    MAX_TAGS,
    POSTGRESQL_INDEX_ROW_BYTES,
    escape_unstorable,
    escape_value,
    event_size,
    utf8_size,
)
from accord.core.event_validation import validate_event, validate_flat_row
from accord.core.events import Event
from accord.errors import RowProblem

EMOJI = "\U0001f600"  # 4 bytes in UTF-8


def row(**over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "event_id": "e1",
        "ticket_id": "T-1",
        "ts": "2026-03-02T09:15:00Z",
        "kind": "created",
        "actor": "customer",
        "fields": {"status": "new"},
    }
    out.update(over)
    return out


def with_fields(**fields: Any) -> dict[str, Any]:
    return row(fields={"status": "new", **fields})


def rejected(raw: Any) -> RowProblem:
    got = validate_event(raw, source="api", row=3)
    assert isinstance(got, RowProblem), got
    return got


def accepted(raw: Any) -> Event:
    got = validate_event(raw, source="api", row=3)
    assert isinstance(got, Event), got
    return got


# (what, the row at the limit, the row one byte over it, the field the problem names)
LIMITS = [
    (
        "event_id",
        row(event_id="e" * MAX_ID_BYTES),
        row(event_id="e" * (MAX_ID_BYTES + 1)),
        "event_id",
    ),
    (
        "ticket_id",
        row(ticket_id="t" * MAX_ID_BYTES),
        row(ticket_id="t" * (MAX_ID_BYTES + 1)),
        "ticket_id",
    ),
    (
        "field name",
        with_fields(**{"n" * MAX_FIELD_NAME_BYTES: 1}),
        with_fields(**{"n" * (MAX_FIELD_NAME_BYTES + 1): 1}),
        "fields." + "n" * (MAX_FIELD_NAME_BYTES + 1),
    ),
    (
        "customer",
        with_fields(customer="c" * MAX_STANDARD_VALUE_BYTES),
        with_fields(customer="c" * (MAX_STANDARD_VALUE_BYTES + 1)),
        "fields.customer",
    ),
    (
        "status at top level",
        row(fields=None, status="s" * MAX_STANDARD_VALUE_BYTES),
        row(fields=None, status="s" * (MAX_STANDARD_VALUE_BYTES + 1)),
        "status",
    ),
    (
        "custom value",
        with_fields(note="x" * MAX_CUSTOM_VALUE_BYTES),
        with_fields(note="x" * (MAX_CUSTOM_VALUE_BYTES + 1)),
        "fields.note",
    ),
    (
        "tag",
        with_fields(tags=["ok", "t" * MAX_TAG_BYTES]),
        with_fields(tags=["ok", "t" * (MAX_TAG_BYTES + 1)]),
        "fields.tags",
    ),
    (
        "number of tags",
        with_fields(tags=[f"t{i}" for i in range(MAX_TAGS)]),
        with_fields(tags=[f"t{i}" for i in range(MAX_TAGS + 1)]),
        "fields.tags",
    ),
    (
        "number of fields",
        with_fields(**{f"f{i}": i for i in range(MAX_FIELDS - 1)}),
        with_fields(**{f"f{i}": i for i in range(MAX_FIELDS)}),
        "fields",
    ),
]


@pytest.mark.parametrize(("what", "at", "over", "field"), LIMITS, ids=[x[0] for x in LIMITS])
def test_every_limit_admits_its_bound_and_rejects_one_byte_more_naming_the_field(
    what: str, at: dict[str, Any], over: dict[str, Any], field: str
) -> None:
    accepted(at)
    problem = rejected(over)
    assert problem.field == field
    assert "limit" in problem.reason or "at most" in problem.reason
    assert problem.raw == over  # kept as given, to be fixed and replayed


def test_an_event_over_the_size_limit_is_rejected_whole() -> None:
    per_value = MAX_CUSTOM_VALUE_BYTES
    n = MAX_EVENT_BYTES // per_value + 1  # each value within its limit, the sum over
    assert n < MAX_FIELDS
    problem = rejected(with_fields(**{f"f{i}": "v" * per_value for i in range(n)}))
    assert problem.field == "*"
    assert f"the limit is {MAX_EVENT_BYTES:,} bytes" in problem.reason


def test_sizes_are_counted_in_utf8_bytes_not_characters() -> None:
    fits = MAX_STANDARD_VALUE_BYTES // 4
    accepted(with_fields(customer=EMOJI * fits))
    problem = rejected(with_fields(customer=EMOJI * (fits + 1)))
    assert problem.field == "fields.customer"
    assert f"{(fits + 1) * 4:,} bytes" in problem.reason
    assert utf8_size(EMOJI) == 4


def test_the_limits_fit_every_index_of_both_stores_with_margin() -> None:
    # the widest index over event text: (customer, ticket_id) of the tickets table; the
    # alert log's key joins a ticket id with configuration names of a few hundred bytes
    widest = MAX_STANDARD_VALUE_BYTES + MAX_ID_BYTES
    assert widest * 2 < POSTGRESQL_INDEX_ROW_BYTES
    assert MAX_ID_BYTES * 4 < POSTGRESQL_INDEX_ROW_BYTES


NUL_POSITIONS = [
    ("event_id", row(event_id="e\x00"), "event_id"),
    ("ticket_id", row(ticket_id="T\x00"), "ticket_id"),
    ("field name", with_fields(**{"re\x00gion": "eu"}), "fields.re\\u0000gion"),
    ("standard value", with_fields(customer="ac\x00me"), "fields.customer"),
    ("custom value", with_fields(region="e\x00u"), "fields.region"),
    ("tag", with_fields(tags=["vip", "b\x00"]), "fields.tags"),
]


@pytest.mark.parametrize(("what", "raw", "field"), NUL_POSITIONS, ids=[x[0] for x in NUL_POSITIONS])
def test_a_nul_character_is_rejected_in_every_text_position(
    what: str, raw: dict[str, Any], field: str
) -> None:
    problem = rejected(raw)
    assert problem.field == field
    assert "NUL" in problem.reason


SURROGATE_POSITIONS = [
    ("event_id", row(event_id="e\ud800"), "event_id"),
    ("ticket_id", row(ticket_id="\udfffT"), "ticket_id"),
    ("field name", with_fields(**{"reg\ud800": "eu"}), "fields.reg\\ud800"),
    ("standard value", with_fields(team="ops\ud800"), "fields.team"),
    ("custom value", with_fields(region="\ud800"), "fields.region"),
    ("tag", with_fields(tags=["vip", "\udc80x"]), "fields.tags"),
    ("unknown key", row(**{"\ud800": 1}), "\\ud800"),
    ("kind", row(kind="created\ud800"), "kind"),
]


@pytest.mark.parametrize(
    ("what", "raw", "field"), SURROGATE_POSITIONS, ids=[x[0] for x in SURROGATE_POSITIONS]
)
def test_a_lone_surrogate_is_rejected_in_every_field_position(
    what: str, raw: dict[str, Any], field: str
) -> None:
    problem = rejected(raw)
    assert problem.field == field
    # the reason and the field are plain text any store and any JSON answer can carry
    assert escape_unstorable(problem.reason) == problem.reason
    assert problem.reason.encode("utf-8")
    assert problem.raw == raw


def test_the_flat_dialect_applies_the_same_limits() -> None:
    cells = {
        "event_id": "e1",
        "ticket_id": "T-1",
        "ts": "2026-03-02T09:15:00Z",
        "kind": "created",
        "status": "new",
    }
    got = validate_flat_row({**cells, "customer": "c" * 600}, source="x.csv", row=2)
    assert isinstance(got, RowProblem) and got.field == "customer"
    got = validate_flat_row({**cells, "field.note": "a\x00b"}, source="x.csv", row=2)
    assert isinstance(got, RowProblem) and got.field == "field.note"
    got = validate_flat_row({**cells, "tags": ";".join("t" * (MAX_TAGS + 1))}, source="x", row=2)
    assert isinstance(got, RowProblem) and got.field == "tags"


def test_event_size_counts_ids_names_and_values() -> None:
    size = event_size("e1", "T-1", {"status": "new", "tags": ("a", "bb"), "n": 12, "x": None})
    assert size == 2 + 3 + (6 + 3) + (4 + 3) + (1 + 2) + 1


def test_escaping_spells_nul_and_lone_surrogates_as_json_escapes_everywhere() -> None:
    raw = {"a\x00": ["x\ud800", {"k": "\udfff"}], "fine": "é😀", "n": 1}
    assert escape_value(raw) == {"a\\u0000": ["x\\ud800", {"k": "\\udfff"}], "fine": "é😀", "n": 1}
    assert escape_unstorable("plain") == "plain"
