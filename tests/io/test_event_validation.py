"""The per-row rules of the canonical event format (accord.core.event_validation)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from accord.core.event_validation import (
    canonical_content,
    hash_event_id,
    parse_event,
    validate_event,
    validate_flat_row,
)
from accord.core.events import Actor, Event, Kind, StatusCategory
from accord.core.timeutil import parse_as_of
from accord.errors import EventValidationError, RowProblem

SRC = "events.jsonl"


def base(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": "e1",
        "ticket_id": "T-1",
        "ts": "2026-03-02T09:15:00Z",
        "kind": "created",
        "actor": "customer",
    }
    row.update(over)
    return {k: v for k, v in row.items() if v is not ...}


def ok(row: dict[str, Any], **kw: Any) -> Event:
    got = validate_event(row, source=SRC, row=7, **kw)
    assert isinstance(got, Event), got
    return got


def bad(row: dict[str, Any], **kw: Any) -> RowProblem:
    got = validate_event(row, source=SRC, row=7, **kw)
    assert isinstance(got, RowProblem), got
    assert got.source == SRC
    assert got.row == 7
    return got


def flat_ok(cells: dict[str, Any], **kw: Any) -> Event:
    got = validate_flat_row(cells, source="events.csv", row=2, **kw)
    assert isinstance(got, Event), got
    return got


def flat_bad(cells: dict[str, Any], **kw: Any) -> RowProblem:
    got = validate_flat_row(cells, source="events.csv", row=2, **kw)
    assert isinstance(got, RowProblem), got
    return got


# --- accepted rows -----------------------------------------------------------------------------


def test_a_valid_created_row_becomes_an_event_with_every_part() -> None:
    e = ok(base(fields={"status": "new", "priority": "P1", "region": "EMEA", "seats": 40}), seq=5)
    assert e.event_id == "e1"
    assert e.ticket_id == "T-1"
    assert e.ts == parse_as_of("2026-03-02T09:15:00Z")
    assert e.kind is Kind.CREATED
    assert e.actor is Actor.CUSTOMER
    assert e.public is None
    assert e.fields == {"status": "new", "priority": "P1", "region": "EMEA", "seats": 40}
    assert e.seq == 5


def test_integer_ticket_and_event_ids_become_text() -> None:
    e = ok(base(event_id=17, ticket_id=42))
    assert (e.event_id, e.ticket_id) == ("17", "42")


def test_ts_keeps_microseconds_in_ts_us_and_whole_seconds_in_ts() -> None:
    e = ok(base(ts="2026-03-02T10:15:00.123456+01:00"))
    assert e.ts == parse_as_of("2026-03-02T09:15:00Z")
    assert e.ts_us == 123456


def test_kind_and_actor_are_case_insensitive() -> None:
    e = ok(base(kind=" Updated ", actor="AGENT"))
    assert (e.kind, e.actor) == (Kind.UPDATED, Actor.AGENT)


def test_standard_fields_at_top_level_are_merged_into_fields() -> None:
    e = ok(base(status="open", tags=["vip"], fields={"region": "EMEA"}))
    assert e.fields == {"region": "EMEA", "status": "open", "tags": ("vip",)}


def test_the_same_field_at_top_level_and_in_fields_with_the_same_value_is_fine() -> None:
    assert ok(base(status="open", fields={"status": "open"})).fields == {"status": "open"}


def test_standard_text_fields_turn_numbers_into_text_and_null_or_blank_into_cleared() -> None:
    e = ok(base(kind="updated", fields={"priority": 1, "assignee": None, "team": " "}))
    assert e.fields == {"priority": "1", "assignee": None, "team": None}


def test_tags_are_kept_as_a_tuple_and_null_tags_mean_no_tags() -> None:
    assert ok(base(fields={"tags": ["b", "a"]})).fields["tags"] == ("b", "a")
    assert ok(base(fields={"tags": None})).fields["tags"] == ()


def test_custom_field_values_keep_their_type() -> None:
    fields = {"seats": 40, "ratio": 0.5, "vip": True, "note": "", "gone": None}
    assert ok(base(fields=fields)).fields == fields


def test_status_names_are_kept_as_the_source_gave_them() -> None:
    assert ok(base(fields={"status": "In Progress"})).fields["status"] == "In Progress"


def test_a_message_needs_actor_and_public() -> None:
    e = ok(base(kind="message", actor="agent", public=False))
    assert e.public is False
    assert not e.is_public_agent_message


@pytest.mark.parametrize(
    ("given", "kept"), [("good", "good"), ("Bad", "bad"), (4, 4), ("4", 4), ("4.5", 4.5)]
)
def test_a_rating_event_carries_good_bad_or_a_number(given: object, kept: object) -> None:
    e = ok(base(kind="rating", fields={"rating": given}))
    assert e.fields["rating"] == kept
    assert type(e.fields["rating"]) is type(kept)


def test_a_rating_may_be_given_at_top_level() -> None:
    assert ok(base(kind="rating", rating="good")).fields == {"rating": "good"}


def test_a_deleted_event_needs_no_fields() -> None:
    assert ok(base(kind="deleted", actor=...)).kind is Kind.DELETED


def test_null_optional_keys_count_as_missing() -> None:
    e = ok(base(actor=None, public=None, fields=None, event_id=None))
    assert e.actor is None
    assert e.public is None
    assert e.event_id.startswith("h:")


# --- the hash id -------------------------------------------------------------------------------


def test_a_missing_event_id_becomes_h_and_a_stable_hash_of_the_content() -> None:
    a = ok(base(event_id=..., fields={"status": "new", "region": "EMEA"}))
    b = ok(base(event_id=..., fields={"region": "EMEA", "status": "new"}), seq=99)
    assert a.event_id.startswith("h:")
    assert len(a.event_id) == 2 + 32
    assert a.event_id == b.event_id  # key order and seq do not matter
    assert a.event_id == hash_event_id(a)


def test_the_hash_id_is_the_same_for_the_same_instant_written_differently() -> None:
    a = ok(base(event_id=..., ts="2026-03-02T09:15:00Z"))
    b = ok(base(event_id=..., ts="2026-03-02T10:15:00+01:00"))
    assert a.event_id == b.event_id


def test_the_hash_id_differs_when_the_content_differs() -> None:
    a = ok(base(event_id=...))
    b = ok(base(event_id=..., ts="2026-03-02T09:15:01Z"))
    assert a.event_id != b.event_id


def test_the_hash_id_is_the_same_from_json_and_from_a_flat_row() -> None:
    a = ok(base(event_id=..., fields={"status": "new", "tags": ["x", "y"], "region": "EMEA"}))
    b = flat_ok(
        {
            "ticket_id": "T-1",
            "ts": "2026-03-02T09:15:00Z",
            "kind": "created",
            "actor": "customer",
            "status": "new",
            "tags": "x;y",
            "field.region": "EMEA",
        }
    )
    assert canonical_content(a) == canonical_content(b)
    assert a.event_id == b.event_id


# --- each missing or invalid field is named -----------------------------------------------------


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        (base(ticket_id=...), "ticket_id", ["ticket_id is missing"]),
        (base(ticket_id=""), "ticket_id", ["ticket_id is empty"]),
        (base(ticket_id=1.5), "ticket_id", ["1.5", "text or a whole number"]),
        (base(event_id=True), "event_id", ["text or a whole number"]),
        (base(ts=...), "ts", ["ts is missing", "ISO 8601"]),
        (base(ts="yesterday"), "ts", ["'yesterday'", "ISO 8601"]),
        (base(ts=1772442900), "ts", ["1772442900", "ISO 8601"]),
        (base(kind=...), "kind", ["kind is missing", "created, updated, message"]),
        (base(kind="comment"), "kind", ["'comment' is not an event kind", "created, updated"]),
        (base(actor="bot"), "actor", ["'bot'", "customer, agent, system"]),
        (base(public="yes"), "public", ["'yes'", "true or false"]),
        (base(kind="message", actor=..., public=True), "actor", ["a message needs an actor"]),
        (base(kind="message", public=...), "public", ["a message needs public"]),
        (base(fields=["status"]), "fields", ["expected an object", "a list"]),
        (base(fields={"status": None}), "fields.status", ["cannot be cleared"]),
        (base(fields={"status": 1.5}), "fields.status", ["expected text", "1.5"]),
        (base(fields={"tags": "vip"}), "fields.tags", ["'vip'", "a list of tags"]),
        (base(fields={"tags": ["a", 3]}), "fields.tags", ["tag 2 is 3"]),
        (base(fields={"tags": ["a", ""]}), "fields.tags", ["tag 2", "non-empty"]),
        (base(fields={"region": {"a": 1}}), "fields.region", ["text, a number", "an object"]),
        (base(fields={"ids": [1, 2]}), "fields.ids", ["a list"]),
        (base(fields={"ratio": float("nan")}), "fields.ratio", ["nan is not a finite number"]),
        (base(fields={"": 1}), "fields.", ["field name cannot be empty"]),
        (base(kind="rating"), "fields.rating", ["needs a rating", "good, bad or a number"]),
        (base(kind="rating", fields={"rating": "meh"}), "fields.rating", ["'meh'", "good, bad"]),
        (base(kind="rating", fields={"rating": True}), "fields.rating", ["good, bad"]),
        (
            base(kind="rating", fields={"rating": "good", "status": "open"}),
            "fields.status",
            ["cannot set 'status'"],
        ),
        (
            base(kind="message", actor="agent", public=True, fields={"status": "open"}),
            "fields.status",
            ["a message event sets no fields", "'status'"],
        ),
        (base(kind="deleted", fields={"x": 1}), "fields.x", ["a deleted event sets no fields"]),
        (
            base(status="open", fields={"status": "pending"}),
            "fields.status",  # the place seen second
            ["given twice", "'pending'", "'open'"],
        ),
    ],
)
def test_each_missing_or_invalid_field_is_named_with_a_reason(
    row: dict[str, Any], field: str, words: list[str]
) -> None:
    p = bad(row)
    assert p.field == field
    for word in words:
        assert word in p.reason, (word, p.reason)
    assert p.raw == row


def test_an_unknown_top_level_key_is_rejected_with_a_hint_to_use_fields() -> None:
    p = bad(base(region="EMEA"))
    assert p.field == "region"
    assert "unknown key 'region'" in p.reason
    assert "under 'fields'" in p.reason


def test_a_row_with_several_problems_names_the_first_field_and_lists_every_problem() -> None:
    p = bad({"ticket_id": "T-1", "kind": "comment", "zzz": 1, "ts": "noon", "actor": "bot"})
    assert p.field == "ts"  # the order of checks, not the order of keys
    for part in ("ts: 'noon'", "kind: 'comment'", "actor: 'bot'", "zzz: unknown key"):
        assert part in p.reason
    assert p.render().startswith("events.jsonl:7: field 'ts': ")


def test_a_row_that_is_not_an_object_is_a_whole_row_problem() -> None:
    p = validate_event(["a"], source=SRC, row=3)  # type: ignore[arg-type]
    assert isinstance(p, RowProblem)
    assert (p.field, p.row) == ("*", 3)


# --- time zones ----------------------------------------------------------------------------------


def test_a_ts_without_offset_is_rejected_naming_the_value() -> None:
    p = bad(base(ts="2026-03-02T09:15:00"))
    assert p.field == "ts"
    assert "'2026-03-02T09:15:00' has no UTC offset" in p.reason


def test_a_ts_without_offset_is_accepted_in_the_source_time_zone() -> None:
    e = ok(base(ts="2026-03-02T10:15:00"), source_tz=ZoneInfo("Europe/Berlin"))
    assert e.ts == parse_as_of("2026-03-02T09:15:00Z")


def test_an_explicit_offset_wins_over_the_source_time_zone() -> None:
    e = ok(base(ts="2026-03-02T09:15:00Z"), source_tz=ZoneInfo("Europe/Berlin"))
    assert e.ts == parse_as_of("2026-03-02T09:15:00Z")


# --- statuses ------------------------------------------------------------------------------------


def _mapping(name: str) -> StatusCategory | None:
    return {"in progress": StatusCategory.OPEN}.get(name.casefold())


def test_an_unmapped_status_is_rejected_when_a_mapping_is_given() -> None:
    p = bad(base(fields={"status": "Waiting"}), status_category=_mapping)
    assert p.field == "fields.status"
    assert p.reason == (
        "status 'Waiting' is not mapped to a category; add it to the statuses section"
    )


def test_mapped_statuses_and_category_names_pass_the_mapping() -> None:
    assert ok(base(fields={"status": "In Progress"}), status_category=_mapping)
    assert ok(base(fields={"status": "On_Hold"}), status_category=_mapping)


def test_any_status_name_passes_when_no_mapping_is_given() -> None:
    assert ok(base(fields={"status": "Waiting"})).fields["status"] == "Waiting"


# --- the flat (CSV / Parquet) dialect ----------------------------------------------------------


def flat(**over: Any) -> dict[str, Any]:
    cells: dict[str, Any] = {
        "event_id": "e1",
        "ticket_id": "T-1",
        "ts": "2026-03-02T09:15:00Z",
        "kind": "updated",
        "actor": "",
        "public": "",
        "status": "",
        "tags": "",
        "fields": "",
    }
    cells.update(over)
    return cells


def test_flat_empty_cells_mean_not_set() -> None:
    e = flat_ok(flat())
    assert e.actor is None
    assert e.public is None
    assert e.fields == {}


def test_flat_custom_field_columns_and_semicolon_tags() -> None:
    e = flat_ok(flat(**{"field.region": "EMEA", "tags": " vip ; billing;;"}))
    assert e.fields == {"region": "EMEA", "tags": ("vip", "billing")}


@pytest.mark.parametrize(
    ("cell", "value"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("yes", True), ("No", False)],
)
def test_flat_public_words(cell: str, value: bool) -> None:
    assert flat_ok(flat(kind="message", actor="agent", public=cell)).public is value


def test_flat_public_rejects_other_words() -> None:
    p = flat_bad(flat(public="maybe"))
    assert p.field == "public"
    assert "'maybe'" in p.reason
    assert "yes/no" in p.reason


def test_flat_fields_column_is_json_merged_and_its_nulls_clear() -> None:
    e = flat_ok(flat(status="open", fields='{"seats": 40, "assignee": null}'))
    assert e.fields == {"status": "open", "seats": 40, "assignee": None}


def test_flat_fields_column_must_be_a_json_object() -> None:
    p = flat_bad(flat(fields="{not json"))
    assert p.field == "fields"
    assert "not valid JSON" in p.reason
    p = flat_bad(flat(fields="[1]"))
    assert "expected a JSON object" in p.reason


def test_flat_struct_fields_skip_null_members() -> None:
    e = flat_ok(flat(fields={"region": "EMEA", "seats": None}))
    assert e.fields == {"region": "EMEA"}


def test_flat_an_unknown_column_is_rejected_with_a_hint_to_use_field_columns() -> None:
    p = flat_bad(flat(region="EMEA"))
    assert p.field == "region"
    assert "unknown column 'region'" in p.reason
    assert "'field.region'" in p.reason


def test_flat_custom_field_values_stay_text() -> None:
    assert flat_ok(flat(**{"field.seats": "40"})).fields == {"seats": "40"}


def test_flat_the_same_field_in_a_column_and_in_fields_must_agree() -> None:
    p = flat_bad(flat(**{"fields": '{"region": "APAC"}', "field.region": "EMEA"}))
    assert p.field == "field.region"  # the place seen second
    assert "given twice" in p.reason


def test_flat_whole_float_ids_become_integer_text() -> None:
    assert flat_ok(flat(ticket_id=42.0, event_id=7.0)).ticket_id == "42"
    assert flat_bad(flat(ticket_id=42.5)).field == "ticket_id"


def test_flat_a_missing_rating_is_named_by_its_column() -> None:
    assert flat_bad(flat(kind="rating")).field == "rating"


# --- parse_event (for the REST ingest) -----------------------------------------------------------


def test_parse_event_raises_event_validation_error_with_the_problem() -> None:
    with pytest.raises(EventValidationError) as info:
        parse_event(base(kind="nope"), source="api", row=3)
    assert info.value.problem.field == "kind"
    assert info.value.details[0]["row"] == 3
    assert parse_event(base()).event_id == "e1"


@pytest.mark.parametrize(
    "ts", ["1899-12-31T23:59:59Z", "9000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]
)
def test_an_instant_outside_the_accepted_span_is_rejected_with_the_span(ts: str) -> None:
    got = validate_event(
        {"event_id": "x", "ticket_id": "T", "ts": ts, "kind": "created"}, source="s", row=1
    )
    assert isinstance(got, RowProblem)
    assert got.field == "ts"
    assert "1900-01-01T00:00:00Z up to 9000-01-01T00:00:00Z" in got.reason


def test_the_edges_of_the_accepted_span_are_accepted() -> None:
    for ts in ("1900-01-01T00:00:00Z", "8999-12-31T23:59:59Z"):
        got = validate_event(
            {"event_id": "x", "ticket_id": "T", "ts": ts, "kind": "created"}, source="s", row=1
        )
        assert not isinstance(got, RowProblem), got
