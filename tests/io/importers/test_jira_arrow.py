"""Jira pages read by Arrow (``json_arrow``) and converted from their table (``jira_arrow``)
give, record by record, the events of the importer's own conversion, or leave the record
to it (odd); a page Arrow cannot be sure of is refused (the typed decoder reads it); and an
import whose pages go through Arrow gives the row importer's outcome."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.errors import DamagedInputError
from accord.io.importers import (
    ImportMapping,
    default_mapping,
    importer_for,
    json_pages,
    open_import,
    shipped_mapping_text,
)
from accord.io.importers.base import RowError
from accord.io.importers.jira_arrow import jira_schema
from accord.io.importers.json_arrow import ArrowPage, ArrowReading
from accord.io.importers.json_pages import page_items
from accord.io.importers.sources import SourceFile, SourceRow
from tests.io.importers.helpers import outcome
from tests.io.importers.test_columnar_json import ISSUE
from tests.io.importers.test_json_columns import _issue

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# an issue of the usual shape: the first page's, which teaches Arrow the schema
PLAIN = {
    "key": "SD-1",
    "changelog": {"total": 1, "histories": [
        {"id": "1", "created": "2026-03-02T10:00:00.000+0000", "items": [
            {"fieldId": "status", "fromString": "Waiting for support", "toString": "Done"},
            {"fieldId": "assignee", "from": None, "to": "agent-1", "toString": "Agent"},
            {"fieldId": "labels", "fromString": "", "toString": "a b"},
        ]},
    ]},
    "fields": {
        "created": "2026-03-02T09:00:00.000+0000",
        "status": {"name": "Done"}, "priority": {"name": "High"},
        "assignee": {"accountId": "agent-1"}, "reporter": {"accountId": "cust-1"},
        "issuetype": {"name": "Incident"}, "project": {"key": "SD"}, "labels": ["a", "b"],
        "comment": {"total": 1, "comments": [
            {"id": "c1", "created": "2026-03-02T09:30:00.000+0000", "jsdPublic": False,
             "author": {"accountId": "cust-1"}},
        ]},
    },
}  # fmt: skip


# texts Python trims otherwise than around printable ASCII, and blanks
_TEXT = st.sampled_from(
    [
        None,
        "",
        " ",
        "SD-1",
        " SD-2 ",
        "\x1cSD-3\x1f",
        "\u2003SD-4\xa0",
        "é",
        "a b",
        "\u0085",
        "x\ty",
    ]
)
_WHEN = st.sampled_from(
    [None, "", "2026-03-02T09:00:00.000+0000", "2026-03-02T10:00:00Z", "2026-03-02T10:00:00",
     "2026-03-02T08:59:00.000+0100", "bogus"]
)  # fmt: skip
_OBJECT = st.none() | st.fixed_dictionaries(
    {}, optional={k: _TEXT for k in ("name", "value", "key", "id", "accountId", "emailAddress")}
)
_TEXTS = st.none() | st.lists(_TEXT, max_size=3)


@st.composite
def _same_kind(draw: st.DrawFn) -> Any:
    """An issue of the plain issue's kinds, each value drawn among odd ones of its kind
    (what Arrow reads with the plain issue's schema)."""
    item = st.fixed_dictionaries(
        {},
        optional={
            "fieldId": st.sampled_from(["status", "priority", "labels", "assignee", "Status"])
            | _TEXT,
            "field": st.sampled_from(["status", "Labels", "x"]) | _TEXT,
            "from": _TEXT, "to": _TEXT, "fromString": _TEXT, "toString": _TEXT,
        },
    )  # fmt: skip
    history = st.none() | st.fixed_dictionaries(
        {}, optional={"id": _TEXT, "created": _WHEN, "items": st.none() | st.lists(
            st.none() | item, max_size=3)}
    )  # fmt: skip
    comment = st.none() | st.fixed_dictionaries(
        {},
        optional={
            "id": _TEXT, "created": _WHEN, "jsdPublic": st.sampled_from([None, True, False]),
            "author": st.none() | st.fixed_dictionaries(
                {}, optional={"accountId": _TEXT, "accountType": st.sampled_from(
                    [None, "customer", "app", "atlassian"]), "name": _TEXT}),
        },
    )  # fmt: skip
    fields = {
        "created": draw(_WHEN), "status": draw(_OBJECT), "priority": draw(_OBJECT),
        "assignee": draw(_OBJECT), "reporter": draw(_OBJECT), "issuetype": draw(_OBJECT),
        "project": draw(_OBJECT), "labels": draw(_TEXTS),
        "comment": draw(st.none() | st.fixed_dictionaries({}, optional={
            "total": st.sampled_from([None, 0, 1, 3]),
            "comments": st.none() | st.lists(comment, max_size=3)})),
    }  # fmt: skip
    issue = {
        "key": draw(_TEXT),
        "changelog": draw(st.none() | st.fixed_dictionaries({}, optional={
            "total": st.sampled_from([None, 0, 1, 3]),
            "histories": st.none() | st.lists(history, max_size=3)})),
        "fields": draw(st.none() | st.just(fields)),
    }  # fmt: skip
    for k in draw(st.sets(st.sampled_from(sorted(issue)))):
        del issue[k]
    return issue


def _importer(formats: list[str], tz: str | None) -> Any:
    spec = yaml.safe_load(shipped_mapping_text("jira"))
    spec["timestamp_format"] = formats
    spec["source_tz"] = tz
    return importer_for("jira")(ImportMapping.model_validate(spec))


def _page(
    reading: ArrowReading, records: list[Any], indents: list[int | None] | None = None
) -> ArrowPage | None:
    """``records`` as one page of an ``issues`` list, read by ``reading`` (each record
    written over several lines where its ``indents`` is a number)."""
    ind = indents or [None] * len(records)
    texts = [json.dumps(r, indent=i).encode() for r, i in zip(records, ind, strict=True)]
    buf = b'{"issues": [' + b",\n ".join(texts) + b"]}"
    starts, ends, at = [], [], len(b'{"issues": [')
    for t in texts:
        starts.append(at)
        ends.append(at + len(t))
        at += len(t) + len(b",\n ")
    return reading.page(buf, starts, ends, 0, frozenset({"issue"}))


def _parts(importer: Any, row: int, record: Any) -> list[Any] | None:
    try:
        return importer.convert_parts(SourceRow(row, record))  # type: ignore[no-any-return]
    except (RowError, KeyError, TypeError, AttributeError, ValueError, IndexError):
        return None


def _assert_table_equals_conversion(importer: Any, page: ArrowPage) -> None:
    columns = importer.columns()
    records = [page.row(k).data for k in range(len(page))]
    rows = list(range(1, len(page) + 1))
    derived = columns.derive_table(page.table, rows, records, importer.mapping.tz())
    odd = set(derived.odd)
    c = derived.candidates
    at = 0
    for k, record in enumerate(records):
        want = _parts(importer, k + 1, record)
        if k in odd:
            continue
        assert want is not None, "an issue the conversion refuses was taken from the table"
        assert c is not None
        assert int(derived.counts[k]) == len(want)
        for p in want:
            e = at
            at += 1
            assert int(c.row[e]) == k
            got_fields = {f.name: f.values.value(int(f.codes[e])) for f in c.fields if f.given[e]}
            want_fields = {
                n: tuple(v) if isinstance(v, list) else v for n, v in (p[6] or {}).items()
            }
            assert (
                c.event_id[e].as_py(),
                c.ticket[e].as_py(),
                c.kind[e].as_py(),
                c.actor[e].as_py() if c.actor is not None else None,
                c.public[e].as_py() if c.public is not None else None,
                got_fields,
            ) == (p[0], p[1], p[3], p[4], p[5], want_fields)
            assert c.instants.dt(int(c.ts[e])).isoformat() == p[2].isoformat()
            assert c.dicts([e])[0]["event_id"] == p[0]  # a doubted event's dicts: its own
    assert c is None or at == c.n


@SETTINGS
@given(
    issues=st.lists(_same_kind() | _issue() | st.just(PLAIN), min_size=1, max_size=8),
    formats=st.sampled_from([["iso"], ["iso", "epoch"]]),
    tz=st.sampled_from([None, "Europe/Rome"]),
)
def test_issues_from_an_arrow_table_give_the_conversions_events_or_are_left_to_it(
    issues: list[Any], formats: list[str], tz: str | None
) -> None:
    importer = _importer(formats, tz)
    reading = importer.columns().arrow_reading()
    reading.learn([PLAIN])
    page = _page(reading, issues)
    if page is None:  # refused: a value of another kind than the schema's
        return
    _assert_table_equals_conversion(importer, page)


@SETTINGS
@given(
    issues=st.lists(ISSUE | _issue(), min_size=1, max_size=8),
    formats=st.sampled_from([["iso"], ["iso", "epoch"]]),
)
def test_a_schema_learned_from_a_page_reads_it_and_gives_the_conversions_events(
    issues: list[Any], formats: list[str]
) -> None:
    importer = _importer(formats, "Europe/Rome")
    reading = importer.columns().arrow_reading()
    reading.learn([i for i in issues if isinstance(i, dict)])
    page = _page(reading, issues)
    if reading.schema is None or page is None:
        return
    _assert_table_equals_conversion(importer, page)


@SETTINGS
@given(
    issues=st.lists(_same_kind() | _issue() | st.just(PLAIN), min_size=1, max_size=6),
    indents=st.lists(st.none() | st.integers(0, 2), min_size=6, max_size=6),
)
def test_records_over_several_lines_read_as_records_on_one_line(
    issues: list[Any], indents: list[int | None]
) -> None:
    # a page of pretty-printed records is read by Arrow as one of a record a line
    reading = _importer(["iso"], None).columns().arrow_reading()
    reading.learn([PLAIN])
    one_line = _page(reading, issues)
    several = _page(reading, issues, indents[: len(issues)])
    if one_line is None:
        assert several is None
        return
    assert several is not None
    assert several.table.equals(one_line.table)


def test_plain_issues_are_read_by_arrow_and_converted_from_the_table() -> None:
    importer = _importer(["iso"], None)
    reading = importer.columns().arrow_reading()
    reading.learn([PLAIN])
    page = _page(reading, [PLAIN, {**PLAIN, "key": " SD-2 "}])
    assert page is not None and page.table.num_rows == 2
    derived = importer.columns().derive_table(
        page.table, [1, 2], [page.row(0).data, page.row(1).data], None
    )
    assert derived.odd == [] and derived.candidates is not None
    assert derived.candidates.ticket.to_pylist()[-1] == "SD-2"
    _assert_table_equals_conversion(importer, page)


@pytest.mark.parametrize(
    "record",
    [
        b"null",  # Arrow takes it for an empty record (and crashes on it first)
        b"5",
        b'"SD-1"',
        b"[]",
        b'{"key": "SD-1", "key": "SD-2"}',  # a key twice: the stdlib keeps the last
        b'{"key": "SD-1\nx"}',  # a raw newline in a string: not JSON
        b'{"key": "SD-1"} {"key": "SD-2"}',  # two values in one record
        b'{"key": 5}',  # another kind than the schema's
        b'{"key": "\\ud800"}',  # a lone surrogate
        b'{"changelog": {"total": 1e400}}',
        b"",  # a blank record
    ],
)
def test_a_page_arrow_cannot_be_sure_of_is_refused(record: bytes) -> None:
    reading = _importer(["iso"], None).columns().arrow_reading()
    reading.learn([PLAIN])
    plain = json.dumps(PLAIN).encode()
    buf = b"[" + plain + b",\n" + record + b"]"
    starts = [1, len(plain) + 2]
    ends = [1 + len(plain), len(buf) - 1]
    assert reading.page(buf, starts, ends, 0, frozenset()) is None
    assert reading.page(buf[: ends[0]] + b"]", starts[:1], ends[:1], 0, frozenset()) is not None


@pytest.mark.parametrize(
    "value",
    [5, 2.5, True, [1, "a"], [{"name": "a"}]],
    ids=["int", "float", "bool", "mixed", "objs"],
)
def test_a_source_of_a_kind_arrow_is_not_given_leaves_the_import_to_the_typed_decoder(
    value: Any,
) -> None:
    importer = importer_for("jira")(default_mapping("jira"))
    odd = {**PLAIN, "fields": {**PLAIN["fields"], "priority": value}}  # type: ignore[dict-item]
    assert jira_schema(importer, [PLAIN]) is not None
    assert jira_schema(importer, [PLAIN, odd]) is None


def test_a_source_of_texts_and_objects_both_leaves_the_import_to_the_typed_decoder() -> None:
    importer = importer_for("jira")(default_mapping("jira"))
    odd = {**PLAIN, "fields": {**PLAIN["fields"], "status": "Done"}}  # type: ignore[dict-item]
    assert jira_schema(importer, [odd]) is not None  # all texts: read as texts
    assert jira_schema(importer, [PLAIN, odd]) is None


@SETTINGS
@given(
    issues=st.lists(_same_kind() | ISSUE | _issue() | st.just(PLAIN), max_size=10),
    chunk=st.sampled_from([64, 700, 1 << 20]),
    formats=st.sampled_from([None, ["iso", "epoch"]]),
)
def test_an_import_through_arrow_pages_gives_the_row_importers_outcome(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    issues: list[Any],
    chunk: int,
    formats: list[str] | None,
) -> None:
    """The first page (plain issues) teaches Arrow the schema; later pages of random issues
    are read by Arrow or refused, the records of each converted in columns or alone."""
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", chunk)
    path = tmp_path / "issues.json"
    path.write_text(json.dumps({"issues": [PLAIN, PLAIN, *issues]}), encoding="utf-8")
    mapping = None
    if formats is not None:
        spec = yaml.safe_load(shipped_mapping_text("jira"))
        spec["timestamp_format"] = formats
        mapping = tmp_path / "jira.yaml"
        mapping.write_text(yaml.safe_dump(spec), encoding="utf-8")
    got = []
    for columnar in (False, True):
        run = open_import(path, "jira", mapping=mapping, source_tz="Europe/Rome", columnar=columnar)
        got.append(outcome(list(run.events()), run))
    assert got[0] == got[1]


def test_pages_after_the_first_are_read_by_arrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", 4096)
    path = tmp_path / "issues.json"
    issues = [{**PLAIN, "key": f"SD-{n}"} for n in range(40)]
    path.write_text(json.dumps({"issues": issues}), encoding="utf-8")
    importer = importer_for("jira")(default_mapping("jira"))
    items = list(page_items(importer, SourceFile(path), importer.columns().arrow_reading()))
    pages = [i for i in items if isinstance(i, ArrowPage)]
    assert pages and sum(len(p) for p in pages) + (len(items) - len(pages)) == 40
    assert pages[-1].row(len(pages[-1]) - 1).data["key"] == "SD-39"
    assert pages[-1].row(len(pages[-1]) - 1).row == 40


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    issues=st.lists(_same_kind() | st.just(PLAIN), max_size=8),
    cut=st.floats(0.3, 1.0),
    tail=st.sampled_from([b"", b"x", b"null", b", {", b"]}"]),
)
def test_a_damaged_export_read_through_arrow_pages_gives_the_row_importers_outcome(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    issues: list[Any],
    cut: float,
    tail: bytes,
) -> None:
    """Pages read by Arrow, then the file cut short (and something else after): the
    records before the damage and the damage's wording are the row importer's."""
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", 700)
    text = json.dumps({"issues": [PLAIN, PLAIN, PLAIN, *issues]}).encode()
    path = tmp_path / "issues.json"
    path.write_bytes(text[: int(len(text) * cut)] + tail)
    got = []
    for columnar in (False, True):
        run = open_import(path, "jira", source_tz="Europe/Rome", columnar=columnar)
        events: list[Any] = []
        try:
            events.extend(run.events())
            err = None
        except DamagedInputError as e:
            err = str(e)
        got.append((outcome(events, run), err))
    assert got[0] == got[1]
