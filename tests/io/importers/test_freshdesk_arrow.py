"""Freshdesk pages read by Arrow and converted from their table (``freshdesk_arrow``, then
the array walk of ``freshdesk_walk``) give, ticket by ticket, the events of the importer's
own conversion or leave the ticket to it (odd); a schema is learned only from tickets whose
keys hold one kind each; an import whose pages go through Arrow gives the row importer's
outcome."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io.importers import (
    ImportMapping,
    default_mapping,
    importer_for,
    json_pages,
    open_import,
    shipped_mapping_text,
)
from accord.io.importers.freshdesk_arrow import freshdesk_schema
from accord.io.importers.json_arrow import ArrowPage, ArrowReading
from accord.io.importers.json_pages import page_items
from accord.io.importers.sources import SourceFile
from tests.io.importers.helpers import outcome
from tests.io.importers.test_columnar_json import TICKET
from tests.io.importers.test_jira_arrow import _TEXT, _WHEN, _assert_table_equals_conversion

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PLAIN = {
    "id": 1000, "status": 4, "priority": 1, "source": 1, "type": "Question", "group_id": 4000,
    "responder_id": 5029, "requester_id": 6519, "company_id": 7013, "tags": ["a"],
    "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-05T15:13:00Z",
    "stats": {"reopened_at": None, "pending_since": "2026-01-05T08:24:00Z",
              "resolved_at": "2026-01-05T15:13:00Z", "status_updated_at": "2026-01-05T15:13:00Z"},
    "conversations": [{"id": 900010, "incoming": True, "private": False,
                       "created_at": "2026-01-05T08:45:00Z"}],
}  # fmt: skip
_INT = st.none() | st.sampled_from([0, 1, 2, 3, 4, 5, 7, 99, 4000, -1])


@st.composite
def _same_kind(draw: st.DrawFn) -> Any:
    """A ticket of the plain ticket's kinds, each value drawn among odd ones of its kind."""
    conversation = st.none() | st.fixed_dictionaries(
        {},
        optional={
            "id": _INT, "created_at": _WHEN,
            "incoming": st.sampled_from([None, True, False]),
            "private": st.sampled_from([None, True, False]),
        },
    )  # fmt: skip
    stats = st.none() | st.fixed_dictionaries(
        {},
        optional={
            k: _WHEN
            for k in (
                "pending_since", "resolved_at", "closed_at", "status_updated_at", "reopened_at",
            )
        },
    )  # fmt: skip
    ticket = {
        "id": draw(_INT), "status": draw(_INT), "priority": draw(_INT), "source": draw(_INT),
        "type": draw(_TEXT), "group_id": draw(_INT), "responder_id": draw(_INT),
        "requester_id": draw(_INT), "company_id": draw(_INT),
        "tags": draw(st.none() | st.lists(_TEXT, max_size=3)),
        "created_at": draw(_WHEN), "updated_at": draw(_WHEN), "stats": draw(stats),
        "conversations": draw(st.none() | st.lists(conversation, max_size=3)),
    }  # fmt: skip
    for k in draw(st.sets(st.sampled_from(sorted(ticket)))):
        del ticket[k]
    return ticket


def _importer(initial: str | None, tz: str | None) -> Any:
    spec = yaml.safe_load(shipped_mapping_text("freshdesk"))
    spec["initial_status"] = initial
    spec["source_tz"] = tz
    return importer_for("freshdesk")(ImportMapping.model_validate(spec))


def _page(reading: ArrowReading, records: list[Any]) -> ArrowPage | None:
    texts = [json.dumps(r).encode() for r in records]
    buf = b"[" + b",\n ".join(texts) + b"]"
    starts, ends, at = [], [], 1
    for t in texts:
        starts.append(at)
        ends.append(at + len(t))
        at += len(t) + len(b",\n ")
    return reading.page(buf, starts, ends, 0, frozenset({"ticket"}))


@SETTINGS
@given(
    tickets=st.lists(_same_kind() | TICKET | st.just(PLAIN), min_size=1, max_size=8),
    initial=st.sampled_from([None, "2", "4"]),
    tz=st.sampled_from([None, "Europe/Rome"]),
)
def test_tickets_from_an_arrow_table_give_the_conversions_events_or_are_left_to_it(
    tickets: list[Any], initial: str | None, tz: str | None
) -> None:
    importer = _importer(initial, tz)
    reading = importer.columns().arrow_reading()
    reading.learn([PLAIN])
    page = _page(reading, tickets)
    if page is None:  # refused: a value of another kind than the schema's
        return
    _assert_table_equals_conversion(importer, page)


def test_plain_tickets_are_read_by_arrow_and_converted_from_the_table() -> None:
    importer = _importer("2", None)
    reading = importer.columns().arrow_reading()
    reading.learn([PLAIN])
    page = _page(reading, [PLAIN, {**PLAIN, "id": " 7 "}])
    assert page is None  # an id of another kind (a text): refused
    page = _page(reading, [PLAIN, {**PLAIN, "id": 1001}])
    assert page is not None and page.table.num_rows == 2
    derived = importer.columns().derive_table(
        page.table, [1, 2], [page.row(0).data, page.row(1).data], None
    )
    assert derived.odd == [] and derived.candidates is not None
    # created, pending, resolved, a message: four events a ticket
    assert derived.counts.tolist() == [4, 4]
    _assert_table_equals_conversion(importer, page)


@pytest.mark.parametrize(
    "change",
    [
        {"priority": 2.5},
        {"priority": True},
        {"tags": [1]},
        {"id": True},
        {"created_at": 5},
        {"conversations": [{"incoming": "yes"}]},
    ],
    ids=["float", "bool-id-kind", "numbers", "bool-id", "number-instant", "text-flag"],
)
def test_a_key_of_a_kind_arrow_is_not_given_leaves_the_import_to_the_typed_decoder(
    change: dict[str, Any],
) -> None:
    importer = importer_for("freshdesk")(default_mapping("freshdesk"))
    assert freshdesk_schema(importer, [PLAIN]) is not None
    odd = {**PLAIN, **change}
    if change == {"priority": True}:  # booleans alone are one kind; mixed with numbers, not
        assert freshdesk_schema(importer, [odd]) is not None
    assert freshdesk_schema(importer, [PLAIN, odd]) is None


def test_a_dotted_source_leaves_the_import_to_the_typed_decoder() -> None:
    spec = yaml.safe_load(shipped_mapping_text("freshdesk"))
    spec["custom_fields"] = {"plan": "custom_fields.cf_plan"}
    importer = importer_for("freshdesk")(ImportMapping.model_validate(spec))
    assert freshdesk_schema(importer, [PLAIN]) is None


@SETTINGS
@given(
    tickets=st.lists(_same_kind() | TICKET | st.just(PLAIN), max_size=10),
    chunk=st.sampled_from([64, 600, 1 << 20]),
)
def test_an_import_through_arrow_pages_gives_the_row_importers_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tickets: list[Any], chunk: int
) -> None:
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", chunk)
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([PLAIN, PLAIN, *tickets]), encoding="utf-8")
    got = []
    for columnar in (False, True):
        run = open_import(path, "freshdesk", source_tz="Europe/Rome", columnar=columnar)
        got.append(outcome(list(run.events()), run))
    assert got[0] == got[1]


def test_pages_after_the_first_are_read_by_arrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", 2048)
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([{**PLAIN, "id": n} for n in range(40)]), encoding="utf-8")
    importer = importer_for("freshdesk")(default_mapping("freshdesk"))
    items = list(page_items(importer, SourceFile(path), importer.columns().arrow_reading()))
    pages = [i for i in items if isinstance(i, ArrowPage)]
    assert pages and sum(len(p) for p in pages) + (len(items) - len(pages)) == 40
    assert pages[-1].row(len(pages[-1]) - 1).data["id"] == 39


@settings(max_examples=200, deadline=None)
@given(
    dated=st.lists(
        st.lists(st.tuples(st.integers(0, 50), st.sampled_from(["2", "3", "4", "", "é 5"]))),
        max_size=6,
    )
)
def test_dated_statuses_as_arrays_keep_each_tickets_order_and_first_seen_numbering(
    dated: list[list[tuple[int, str]]],
) -> None:
    from accord.io.importers.freshdesk_walk import DatedStatuses, _first_seen

    arrays = DatedStatuses.of(dated)
    flat = [(r, i, code) for r, mine in enumerate(dated) for i, code in mine]
    assert arrays.rec.tolist() == [r for r, _, _ in flat]
    assert arrays.txt.tolist() == [i for _, i, _ in flat]
    assert arrays.status.to_pylist() == [c for _, _, c in flat]
    # the walk's numbering: each text numbered as a dict first meets it
    numbered: dict[str, int] = {}
    want = [numbered.setdefault(c, len(numbered)) for _, _, c in flat]
    got, texts = _first_seen(arrays.status)
    assert got.tolist() == want
    assert texts == list(numbered)


@settings(max_examples=200, deadline=None)
@given(
    codes=st.lists(st.integers(0, 3), max_size=12),
    words=st.permutations(["2", "3", "", "é 5"]),
)
def test_first_seen_numbering_holds_when_arrow_numbered_otherwise(
    codes: list[int], words: list[str]
) -> None:
    from accord.io.importers.freshdesk_walk import _first_seen

    # a dictionary column keeps its own numbering (not in the order met): sorted out
    arr = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(words))
    numbered: dict[str, int] = {}
    want = [numbered.setdefault(words[c], len(numbered)) for c in codes]
    got, texts = _first_seen(arr)
    assert got.tolist() == want
    assert texts == list(numbered)
