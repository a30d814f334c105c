"""The page reader (typed decoding of whole pages of records) yields what the row reader
yields, for any text: the same rows, numbered alike, with the same data and problems, the
trimmed dicts equal to the whole records' read keys; and its memory does not grow with the
file. Imports through it give the row importer's outcome."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.errors import DamagedInputError
from accord.io.compression import Damaged
from accord.io.importers import (
    default_mapping,
    importer_for,
    json_pages,
    open_import,
    shipped_mapping_text,
)
from accord.io.importers.json_pages import PageRow, page_rows
from accord.io.importers.sources import SourceFile
from tests.io.importers.helpers import outcome
from tests.io.importers.test_columnar_json import TICKET

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# values of every JSON type, with the texts a typed decoder may read otherwise than the
# stdlib: large integers, floats written many ways, escapes, unicode, brackets in strings
_SCALARS = st.sampled_from(
    [
        None, True, False, 0, 1, -1, 10**30, 1.0, -0.0, 2.5e-308, 0.1, "", "x", "é",
        "💥", "a,b", "}],[{", '"', "\\", "\u0000", " SD-1 ", "Done", "High",
    ]
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "accountId", "id", "x", "é"]), inner, max_size=3)
    ),
    max_leaves=8,
)
_ITEM = st.fixed_dictionaries(
    {},
    optional={
        "fieldId": st.sampled_from(["status", "priority", "labels", "assignee", "other"]) | _JSON,
        "field": _JSON,
        "fromString": _JSON,
        "toString": _JSON,
        "from": _JSON,
        "to": _JSON,
        "fieldtype": _JSON,  # read by no one
    },
)
_ISSUE = st.fixed_dictionaries(
    {},
    optional={
        "key": st.sampled_from(["SD-1", "SD-2", " SD-3 ", ""]) | _JSON,
        "id": _JSON,
        "expand": _JSON,
        "changelog": st.fixed_dictionaries(
            {},
            optional={
                "histories": st.lists(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "id": _JSON,
                            "created": st.sampled_from(["2026-03-02T09:00:00Z"]) | _JSON,
                            "items": st.lists(_ITEM, max_size=3) | _JSON,
                            "author": _JSON,
                        },
                    )
                    | _JSON,
                    max_size=3,
                )
                | _JSON,
                "total": _JSON,
            },
        )
        | _JSON,
        "fields": st.dictionaries(
            st.sampled_from(
                ["created", "status", "priority", "labels", "reporter", "project", "x"]
            ),
            _JSON,
        )
        | _JSON,
    },
)
# raw texts the stdlib reads and a typed decoder may not (or reads otherwise)
_ODD_TEXTS = st.sampled_from(
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        '"\\ud800"',
        '"\\u00e9"',
        "1E2",
        "-0",
        "12345678901234567890123",
    ]
)


@st.composite
def _export(draw: st.DrawFn) -> str:
    """An export's text: an array or an ``issues`` page (maybe with other keys), records
    among which odd values, non-objects, wrapped issues; sometimes damaged or followed by
    more text."""
    records: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 9))
        rec: Any = draw(_ISSUE)
        text = json.dumps(rec, ensure_ascii=draw(st.booleans()))
        if kind == 0:
            text = json.dumps(draw(_JSON))  # maybe not an object
        elif kind == 1:
            text = json.dumps({"issue": rec})  # a wrapped issue
        elif kind == 2:  # an odd raw value in a mapped field
            text = '{"key": "SD-9", "fields": {"status": ' + draw(_ODD_TEXTS) + "}}"
        elif kind == 3:
            text = '{"key": "SD-8", "fields": {"created": "2026-03-02T09:00:00Z"}, "x": ' + (
                draw(_ODD_TEXTS) + "}"
            )
        records.append(text)
    sep = draw(st.sampled_from([",", ", ", ",\n", " ,\r\n\t"]))
    body = "[" + sep.join(records) + draw(st.sampled_from(["]", "\n]", "]"]))
    shape = draw(st.integers(0, 7))
    if shape == 1:
        body = '{"issues": ' + body + "}"
    elif shape == 2:
        body = '{ "issues" :' + body + ', "total": 3, "next_page": null}\n'
    elif shape == 3:
        body = '{"startAt": 0, "issues": ' + body + "}"  # not the first key: row reader
    elif shape == 4:
        body = body + "\n" + json.dumps({"key": "SD-7"})  # more values after the array
    elif shape == 5:
        body = '{"issues": ' + body + ', "issues": [{"key": "SD-6"}]}'
    elif shape == 6:  # a Jira search page: its counts first
        body = (
            '{"expand": "names", "startAt": 0, "maxResults": 50, "total": 3, "x": NaN,'
            ' "issues": ' + body + ', "names": {"a": [1, {}]}}'
        )
    elif shape == 7:  # a list key whose value is no list, then the records
        body = '{"issues": 5, "issues" : ' + body + "}"
    if draw(st.booleans()):
        body = "\ufeff" + body
    cut = draw(st.none() | st.integers(1, max(1, len(body) - 1)))
    if cut is not None and draw(st.integers(0, 3)) == 0:
        body = body[:cut]  # damaged
    return body


def _read_all(rows: Any) -> tuple[list[Any], str | None]:
    out: list[Any] = []
    try:
        for r in rows:
            out.append((r.row, r.data, r.problem))
    except Damaged as d:
        return out, d.reason
    return out, None


@SETTINGS
@given(text=_export(), chunk=st.sampled_from([16, 64, 1 << 20]))
def test_the_page_reader_yields_the_row_readers_rows_for_any_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, chunk: int
) -> None:
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", chunk)
    path = tmp_path / "issues.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    importer = importer_for("jira")(default_mapping("jira"))
    expected = _read_all(importer.read(SourceFile(path)))
    got = _read_all(page_rows(importer, SourceFile(path)))
    assert got == expected


def _read_keys(value: Any, typed: Any) -> None:
    """``typed`` holds, for every key it has, the very value ``value`` has there (nested
    dicts trimmed alike); and nothing but dicts and lists are trimmed."""
    if isinstance(typed, dict):
        assert isinstance(value, dict)
        for k, v in typed.items():
            _read_keys(value[k], v)
    elif isinstance(typed, list):
        assert isinstance(value, list) and len(value) == len(typed)
        for a, b in zip(value, typed, strict=True):
            _read_keys(a, b)
    else:
        assert type(typed) is type(value) and (typed == value or typed != typed)


@SETTINGS
@given(issues=st.lists(_ISSUE, min_size=1, max_size=6))
def test_a_trimmed_record_keeps_each_read_key_with_the_whole_records_value(
    tmp_path: Path, issues: list[Any]
) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps({"issues": issues}), encoding="utf-8")
    importer = importer_for("jira")(default_mapping("jira"))
    for row in page_rows(importer, SourceFile(path)):
        assert isinstance(row, PageRow)
        _read_keys(row.data, row.typed)
        # the mapped fields the conversion reads are all kept when present
        fields = row.data.get("fields")
        if isinstance(fields, dict) and isinstance(row.typed.get("fields"), dict):
            for name in ("status", "priority", "labels", "created", "reporter", "project"):
                assert (name in fields) == (name in row.typed["fields"])


@SETTINGS
@given(
    text=_export(),
    chunk=st.sampled_from([32, 1 << 20]),
    formats=st.sampled_from([None, ["iso", "epoch"]]),
)
def test_a_jira_import_through_pages_gives_the_row_importers_outcome(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    chunk: int,
    formats: list[str] | None,
) -> None:
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", chunk)
    path = tmp_path / "issues.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    mapping = None
    if formats is not None:
        spec = yaml.safe_load(shipped_mapping_text("jira"))
        spec["timestamp_format"] = formats
        spec["custom_fields"] = {
            "project": "project",
            "seats": {"column": "x", "type": "auto"},
        }
        mapping = tmp_path / "jira.yaml"
        mapping.write_text(yaml.safe_dump(spec), encoding="utf-8")
    got = []
    for columnar in (False, True):
        run = open_import(path, "jira", mapping=mapping, source_tz="Europe/Rome", columnar=columnar)
        events: list[Any] = []
        try:
            events.extend(run.events())
            err = None
        except DamagedInputError as e:
            err = str(e)
        got.append((outcome(events, run), err))
    assert got[0] == got[1]


def _peak(path: Path) -> int:
    importer = importer_for("jira")(default_mapping("jira"))
    tracemalloc.start()
    try:
        for row in page_rows(importer, SourceFile(path)):
            assert isinstance(row, PageRow)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_page_reader_holds_a_page_not_the_file(tmp_path: Path) -> None:
    issue = {
        "key": "SD-1",
        "fields": {"created": "2026-03-02T09:00:00Z", "status": {"name": "Done"}},
        "renderedFields": {"description": "x" * 500},  # read by no one
    }
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    for path, n in ((small, 4_000), (large, 40_000)):
        path.write_text(json.dumps({"issues": [issue] * n}), encoding="utf-8")
    assert large.stat().st_size > 20 * (1 << 20)
    small_peak, large_peak = _peak(small), _peak(large)
    # ten times the records, not ten times the memory: a few chunks at most either way
    assert large_peak < 1.5 * small_peak + (1 << 20)
    assert large_peak < 8 * json_pages.CHUNK_BYTES


@SETTINGS
@given(
    tickets=st.lists(
        st.one_of(
            TICKET,
            _JSON,
            st.builds(lambda t: {"ticket": t}, _JSON),
        ),
        max_size=6,
    ),
    odd=st.none() | _ODD_TEXTS,
    chunk=st.sampled_from([16, 1 << 20]),
)
def test_a_freshdesk_import_through_pages_gives_the_row_importers_outcome(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tickets: list[Any],
    odd: str | None,
    chunk: int,
) -> None:
    """Tickets with odd values in the keys the conversion reads (and in those it does not),
    wrapped tickets, records that are not tickets: the same outcome through pages."""
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", chunk)
    body = ", ".join(json.dumps(t) for t in tickets)
    if odd is not None:  # a raw text the stdlib reads and a typed decoder may not
        body += (", " if body else "") + '{"id": 5, "status": 2, "priority": ' + odd + "}"
    path = tmp_path / "tickets.json"
    path.write_text("[" + body + "]", encoding="utf-8")
    got = []
    for columnar in (False, True):
        run = open_import(path, "freshdesk", source_tz="Europe/Rome", columnar=columnar)
        got.append(outcome(list(run.events()), run))
    assert got[0] == got[1]


def _ends_byte_by_byte(data: bytes, cuts: list[int], room: int) -> tuple[list[int], list[int]]:
    """The record ends scan as a plain byte-at-a-time state machine (what the compiled scan
    must equal): each chunk ``data[:cut]`` scanned from where the last stopped, at most
    ``room`` ends a call."""
    depth = in_str = esc = 0
    closed, i, found, stops = 0, 0, [], []
    for cut in [*cuts, len(data)]:
        while True:
            n = 0
            while i < cut:
                c = data[i]
                i += 1
                if in_str:
                    if esc:
                        esc = 0
                    elif c == 92:
                        esc = 1
                    elif c == 34:
                        in_str = 0
                elif c == 34:
                    in_str = 1
                elif c in (123, 91):
                    depth += 1
                elif c in (125, 93):
                    depth -= 1
                    if depth < 0:
                        found.append(i - 1)
                        closed = 1
                        break
                elif c == 44 and depth == 0:
                    found.append(i - 1)
                    n += 1
                    if n == room:
                        break
            stops.append(i)
            if closed or i >= cut:
                break
        if closed:
            break
    return found, stops


@SETTINGS
@given(
    records=st.lists(
        st.recursive(
            st.none() | st.text(alphabet='ab"\\,{}[] é\n', max_size=6) | st.integers(),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
            max_leaves=6,
        ),
        max_size=6,
    ),
    cuts=st.lists(st.integers(0, 400), max_size=4),
    room=st.integers(1, 4),
)
def test_the_compiled_record_ends_scan_equals_a_byte_at_a_time_scan(
    records: list[Any], cuts: list[int], room: int
) -> None:
    import numpy as np

    from accord.io.importers.json_pages import _record_ends

    data = (json.dumps(records, ensure_ascii=False)[1:] + "  ").encode()
    cuts = sorted({min(c, len(data)) for c in cuts})
    want, want_stops = _ends_byte_by_byte(data, cuts, room)
    state = np.zeros(5, dtype=np.int64)
    ends = np.empty(room, dtype=np.int64)
    got: list[int] = []
    stops: list[int] = []
    for cut in [*cuts, len(data)]:
        arr = np.frombuffer(data[:cut], dtype=np.uint8)
        while True:
            n = _record_ends(arr, int(state[3]), state, ends)
            got.extend(ends[:n].tolist())
            stops.append(int(state[3]))
            if state[4] or state[3] >= cut:
                break
        if state[4]:
            break
    assert got == want
    assert stops == want_stops
