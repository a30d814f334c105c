"""The compiled projection reader (``json_scan``, ``json_scan_table``) gives Arrow's JSON
reader's table for a page, or nothing: whenever it returns a table, Arrow accepts the page
and gives an equal table; pages of well-formed records of the schema's kinds are always
taken (the fast path is really used: every page of the bench's exports); pages Arrow refuses
are refused."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io.importers import default_mapping, importer_for, json_arrow, json_pages
from accord.io.importers.json_arrow import arrow_table
from accord.io.importers.json_pages import page_items
from accord.io.importers.json_scan_table import scan_reader
from accord.io.importers.sources import SourceFile

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
S = pa.string()
_NAMES = ["id", "name", "key", "x", "é", "a b", "items", "total"]

# ---------------------------------------------------------------- schemas and records


def _struct(inner: st.SearchStrategy[pa.DataType]) -> st.SearchStrategy[pa.DataType]:
    return st.dictionaries(st.sampled_from(_NAMES), inner, min_size=1, max_size=4).map(
        lambda d: pa.struct(list(d.items()))
    )


_LEAF = st.sampled_from([S, pa.int64(), pa.bool_()])
_TYPE = st.recursive(
    _LEAF,
    lambda inner: (
        _struct(inner) | st.sampled_from([S]).map(pa.list_) | _struct(inner).map(pa.list_)
    ),
    max_leaves=8,
)
_SCHEMA = st.dictionaries(st.sampled_from(_NAMES), _TYPE, min_size=1, max_size=4).map(
    lambda d: pa.schema(list(d.items()))
)

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from('"\\/\n\t\x00é💥'),
    max_size=8,
)


def _json(floats: st.SearchStrategy[float]) -> st.SearchStrategy[Any]:
    scalar = st.none() | st.booleans() | st.integers(-(10**30), 10**30) | floats | _TEXT
    return st.recursive(
        scalar,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
        max_leaves=6,
    )


# any JSON a key not read may hold; in well-formed pages, no number near a double's limit
# (the reader leaves those to Arrow: it cannot be sure Arrow takes them)
_ANY = _json(st.floats(allow_nan=False, allow_infinity=False))
_PLAIN = _json(st.floats(-1e300, 1e300))


def _value(t: pa.DataType, draw: Any, odd: bool) -> Any:
    """A value of ``t`` (null sometimes), or with ``odd`` sometimes one of another kind."""
    if draw(st.integers(0, 9)) == 0:
        return None
    if odd and draw(st.integers(0, 9)) == 0:
        return draw(_ANY)  # of another kind, sometimes
    if t == S:
        return draw(_TEXT)
    if t == pa.int64():
        return draw(st.integers(-(10**18) + 1, 10**18 - 1))
    if t == pa.bool_():
        return draw(st.booleans())
    if pa.types.is_list(t):
        return [_value(t.value_type, draw, odd) for _ in range(draw(st.integers(0, 3)))]
    return _object(t, draw, odd)


def _object(t: pa.StructType, draw: Any, odd: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(t.num_fields):
        f = t.field(i)
        if draw(st.integers(0, 4)):  # missing sometimes
            out[f.name] = _value(f.type, draw, odd)
    for _ in range(draw(st.integers(0, 2))):  # keys not read, any JSON
        name = draw(st.sampled_from(["body", "other", "é2", "ids"]))
        out[name] = draw(_ANY if odd else _PLAIN)
    keys = list(out)
    order = draw(st.permutations(keys))
    return {k: out[k] for k in order}


def _dumps(record: dict[str, Any], draw: Any) -> bytes:
    """A record as JSON in one of several spellings (escaped or raw unicode, blanks, pretty)."""
    style = draw(st.integers(0, 3))
    ascii_ = draw(st.booleans())
    if style == 0:
        text = json.dumps(record, ensure_ascii=ascii_, separators=(",", ":"))
    elif style == 1:
        text = json.dumps(record, ensure_ascii=ascii_)
    elif style == 2:
        text = json.dumps(record, ensure_ascii=ascii_, indent=2)
    else:
        text = json.dumps(record, ensure_ascii=ascii_, separators=(" , ", " : "))
    pad = draw(st.sampled_from(["", " ", "\n", "\r\n  ", "\t"]))
    return (pad + text + draw(st.sampled_from(["", " ", "\n"]))).encode()


def _page(
    texts: list[bytes],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A page of the records array ``[r0,r1,...]`` and each record's bounds (its comma or the
    closing bracket ends it), as the page reader gives them."""
    buf = b"[" + b",".join(texts) + b"]"
    starts, ends, pos = [], [], 1
    for t in texts:
        starts.append(pos)
        ends.append(pos + len(t))
        pos += len(t) + 1
    return (
        np.frombuffer(buf, dtype=np.uint8),
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
    )


@st.composite
def _schema_and_page(draw: Any, odd: bool) -> tuple[pa.Schema, list[bytes]]:
    schema = draw(_SCHEMA)
    root = pa.struct(list(schema))
    n = draw(st.integers(1, 6))
    return schema, [_dumps(_object(root, draw, odd), draw) for _ in range(n)]


def _same_as_arrow(schema: pa.Schema, texts: list[bytes]) -> pa.Table | None:
    """The compiled reader's table, checked against Arrow's when there is one."""
    reader = scan_reader(schema)
    assert reader is not None
    arr, s, e = _page(texts)
    got = reader.read(arr, s, e)
    if got is not None:
        got.validate(full=True)
        want = arrow_table(arr, s, e, schema)
        assert want is not None, "Arrow refuses a page the compiled reader took"
        assert got.schema == want.schema
        assert got.equals(want), (got.to_pylist(), want.to_pylist())
        assert got.to_pylist() == want.to_pylist()
    return got


# ---------------------------------------------------------------- the tests


@SETTINGS
@given(_schema_and_page(odd=True))
def test_a_table_taken_is_arrows(case: tuple[pa.Schema, list[bytes]]) -> None:
    schema, texts = case
    _same_as_arrow(schema, texts)


@SETTINGS
@given(_schema_and_page(odd=False))
def test_well_formed_pages_are_taken(case: tuple[pa.Schema, list[bytes]]) -> None:
    schema, texts = case
    assert _same_as_arrow(schema, texts) is not None


@SETTINGS
@given(_schema_and_page(odd=False), st.data())
def test_pages_cut_or_spliced_are_arrows_or_refused(
    case: tuple[pa.Schema, list[bytes]], data: st.DataObject
) -> None:
    """Any record cut short or with bytes put in (a quote, a bracket, a comma, a backslash,
    a byte that is not UTF-8) still gives Arrow's table or none."""
    schema, texts = case
    k = data.draw(st.integers(0, len(texts) - 1))
    t = texts[k]
    at = data.draw(st.integers(0, len(t)))
    if data.draw(st.booleans()):
        texts[k] = t[:at]
    else:
        texts[k] = (
            t[:at]
            + data.draw(st.sampled_from([b'"', b"}", b"]", b",", b"\\", b"\xff", b"\xc3"]))
            + t[at:]
        )
    _same_as_arrow(schema, texts)


_SCHEMA_1 = pa.schema(
    [
        ("a", S),
        ("i", pa.int64()),
        ("b", pa.bool_()),
        ("st", pa.struct([("x", S)])),
        ("l", pa.list_(S)),
        ("ls", pa.list_(pa.struct([("x", S), ("n", pa.list_(pa.struct([("y", S)])))]))),
    ]
)


@pytest.mark.parametrize(
    ("text", "arrow_refuses"),
    [
        (b'{"a": 1}', True),  # another kind than the schema's
        (b'{"i": "1"}', True),
        (b'{"i": 1.0}', True),  # a float for a whole number
        (b'{"i": 1e2}', True),
        (b'{"i": 9223372036854775808}', True),  # out of int64
        (b'{"b": 1}', True),
        (b'{"st": []}', True),
        (b'{"l": {}}', True),
        (b'{"l": [1]}', True),
        (b'{"ls": [{"x": 2}]}', True),
        (b'{"a": "x", "a": "y"}', True),  # a key given twice
        (b'{"a": null, "a": null}', True),
        (b'{"st": {"x": "1", "x": "2"}}', True),
        (b'{"ls": [{"x": "1", "x": "2"}]}', True),
        (b'{"a": "\\ud800"}', True),  # lone surrogates, read or not
        (b'{"z": "\\udc00"}', True),
        (b'{"a": "\\ud800\\u0041"}', True),
        (b'{"a": "\\x"}', True),  # a bad escape
        (b'{"a": "tab\there"}', True),  # a raw control character
        (b'{"z": [1,]}', True),  # invalid JSON in a key not read
        (b'{"z": 01}', True),
        (b'{"z": 1.}', True),
        (b'{"z": tru}', True),
        (b'{"z": 1e400}', True),
        (b'{"z": {"q": }}', True),
        (b'{"a": "x"', True),  # cut short
        (b'{"a": "x", ', True),
        (b'{"a": "\xff"}', False),  # not UTF-8 in a text read (Arrow keeps the bytes)
        (b'{"a": "\xed\xa0\x80"}', False),
        (b'{"z": NaN}', False),  # Arrow reads these; the reader leaves them to it
        (b'{"\\u0061": "x"}', None),  # an escaped key, read unescaped
        (b'{"i": 123456789012345678}', None),  # 18 digits: taken (below)
        (b'{"i": 1234567890123456789}', False),
        (b'{"a": "x"} {"a": "y"}', False),  # two records in one
    ],
)
def test_refused(text: bytes, arrow_refuses: bool | None) -> None:
    reader = scan_reader(_SCHEMA_1)
    assert reader is not None
    arr, s, e = _page([text])
    got = reader.read(arr, s, e)
    if arrow_refuses is None:
        assert got is not None and got.equals(arrow_table(arr, s, e, _SCHEMA_1))
        return
    assert got is None
    if arrow_refuses:
        assert arrow_table(arr, s, e, _SCHEMA_1) is None


def test_growing_pages_read_alike() -> None:
    """A page far larger than the ones before (its buffers outgrown) is read again with room
    enough, to the same table."""
    reader = scan_reader(_SCHEMA_1)
    assert reader is not None
    small = [b'{"a": "x", "l": ["1"]}']
    assert _same_as_arrow(_SCHEMA_1, small) is not None
    arr, s, e = _page(small)
    assert reader.read(arr, s, e) is not None
    big = [
        json.dumps(
            {"a": "y" * 500, "l": [str(k) for k in range(300)], "ls": [{"x": "q"}] * 50}
        ).encode()
    ] * 3
    arr, s, e = _page(big)
    got = reader.read(arr, s, e)
    assert got is not None and got.equals(arrow_table(arr, s, e, _SCHEMA_1))


def test_types_not_read_leave_the_schema_to_arrow() -> None:
    assert scan_reader(pa.schema([("f", pa.float64())])) is None
    assert scan_reader(pa.schema([("l", pa.list_(pa.int64()))])) is not None
    assert scan_reader(pa.schema([("l", pa.list_(pa.list_(S)))])) is not None
    assert scan_reader(pa.schema([("t", pa.timestamp("s"))])) is None


def _gen_exports() -> Any:
    path = Path(__file__).resolve().parents[3] / "bench" / "gen_json_exports.py"
    spec = importlib.util.spec_from_file_location("gen_json_exports", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("fmt", ["jira", "freshdesk"])
def test_every_page_of_the_bench_exports_is_taken(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bench's exports: every page after the first is read by the compiled reader
    (Arrow's parse is never called) and equals Arrow's table."""
    path = tmp_path / f"{fmt}.json"
    _gen_exports().write_export(fmt, 3000, path)
    monkeypatch.setattr(json_pages, "CHUNK_BYTES", 1 << 16)
    importer = importer_for(fmt)(default_mapping(fmt))
    reading = importer.columns().arrow_reading()

    def arrow_refused(*args: Any) -> None:
        raise AssertionError("a page went to Arrow's parse")

    monkeypatch.setattr(json_arrow, "arrow_table", arrow_refused)
    pages = [
        p
        for p in page_items(importer, SourceFile(path), reading)
        if isinstance(p, json_arrow.ArrowPage)
    ]
    assert len(pages) > 5
    monkeypatch.undo()
    for p in pages:
        arr = np.frombuffer(p.buf, dtype=np.uint8)
        s = np.asarray(p.starts, dtype=np.int64)
        e = np.asarray(p.ends, dtype=np.int64)
        assert reading.schema is not None
        assert p.table.equals(arrow_table(arr, s, e, reading.schema))
    assert sum(p.table.num_rows for p in pages) > 2500  # all but the first page's records
