"""The columnar reader's JSON Lines path decides every line as the row reader does."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io import columnar_jsonl
from accord.io.columnar import read_columnar
from accord.io.importers import import_file
from tests.io.test_columnar import _same_outcome
from tests.realdata._data import HELPDESK, needs_data

TEXTS = ["e1", "e2", "T1", "T2", "", " ", " x", "x ", "\u00a0", "a\\tb", "null", "é", "P1"]
VALUES: list[Any] = [
    *TEXTS,
    None,
    0,
    1,
    5,
    -3,
    2.5,
    5.0,
    1e3,
    True,
    False,
    ["vip"],
    ["a", "b"],
    [""],
    [1],
    {"x": 1},
    [],
]
TS = [
    "2024-03-04T09:00:00Z",
    "2024-03-04T09:00:00.5Z",
    "2024-03-04 10:00:00+01:00",
    "2024-03-04T09:00:00",
    "yesterday",
    "2024-02-30T09:00:00Z",
    "",
    5,
]
KINDS = ["created", "updated", "message", "rating", "deleted", " Created ", "x", 3]
FIELD_NAMES = ["status", "priority", "tags", "rating", "region", "seats", "", "field.x", "ts"]


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        obj["event_id"] = draw(st.sampled_from(["e1", "e2", "e3", "e1", " e4", 7, None]))
    if draw(st.integers(0, 19)):
        obj["ticket_id"] = draw(st.sampled_from(["T1", "T2", 12, "", None]))
    if draw(st.integers(0, 19)):
        obj["ts"] = draw(st.sampled_from(TS))
    if draw(st.integers(0, 19)):
        obj["kind"] = draw(st.sampled_from(KINDS))
    if draw(st.booleans()):
        obj["actor"] = draw(st.sampled_from(["agent", "customer", "robot", None]))
    if draw(st.booleans()):
        obj["public"] = draw(st.sampled_from([True, False, "yes", None]))
    for name in draw(st.lists(st.sampled_from(["status", "priority", "tags", "oops"]), max_size=2)):
        obj[name] = draw(st.sampled_from(VALUES))
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=4, unique=True))
        obj["fields"] = {n: draw(st.sampled_from(VALUES)) for n in names}
    return obj


@st.composite
def plain_objects(draw: st.DrawFn) -> dict[str, Any]:
    """Lines of the usual shape (consistent types), which the columns can carry."""
    obj: dict[str, Any] = {
        "event_id": draw(st.sampled_from(["e1", "e2", "e3", "e4", "e5", "e6"])),
        "ticket_id": draw(st.sampled_from(["T1", "T2", "T3"])),
        "ts": draw(st.sampled_from(TS[:4])),
        "kind": draw(st.sampled_from(["created", "updated", "updated", "message", "rating"])),
    }
    if draw(st.booleans()):
        obj["actor"] = draw(st.sampled_from(["agent", "customer"]))
        obj["public"] = draw(st.booleans())
    fields = {
        "status": draw(st.sampled_from(["open", "solved", "Awaiting customer", "Mystery"])),
        "priority": draw(st.sampled_from(["P1", "P2", " P3"])),
        "tags": draw(st.sampled_from([["vip"], ["a", "b"], [], [" c"]])),
        "seats": draw(st.sampled_from([1, 40, -2])),
        "ratio": draw(st.sampled_from([0.5, 2.25])),
        "region": draw(st.sampled_from(["eu", "us", "x;y"])),
        "ok": draw(st.booleans()),
        "rating": draw(st.sampled_from(["good", "bad", 4])),
    }
    names = draw(st.lists(st.sampled_from(sorted(fields)), max_size=5, unique=True))
    if names:
        obj["fields"] = {n: fields[n] for n in names}
    return obj


def _line(draw: st.DrawFn) -> bytes:
    what = draw(st.integers(0, 59))
    if what >= 6:
        return json.dumps(draw(plain_objects())).encode("utf-8")
    if what == 0:
        return draw(st.sampled_from([b"", b"   ", b"{bad", b"[1, 2]", b'"text"', b"\xff\xfe"]))
    if what == 1:
        return b'{"ticket_id": "T1", "ticket_id": "T2"}'
    text = json.dumps(draw(objects()), ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8")


@st.composite
def files(draw: st.DrawFn) -> bytes:
    lines = [_line(draw) for _ in range(draw(st.integers(1, 30)))]
    end = draw(st.sampled_from([b"\n", b"\r\n"]))
    body = end.join(lines) + (end if draw(st.booleans()) else b"")
    return (b"\xef\xbb\xbf" if draw(st.integers(0, 9)) == 0 else b"") + body


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=files(), other=files(), block=st.sampled_from([16, 64, 1 << 20]))
def test_json_lines_read_in_columns_agree_with_the_row_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, other: bytes, block: int
) -> None:
    # small blocks: lines fall across several blocks, each decided on its own
    monkeypatch.setattr(columnar_jsonl, "BLOCK_BYTES", block)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    a.write_bytes(data)
    b.write_bytes(gzip.compress(other))
    _same_outcome([a])
    _same_outcome([a, b])  # seq and duplicate detection continue across files


def test_plain_lines_are_validated_in_columns_not_row_by_row(tmp_path: Path) -> None:
    lines = [
        {
            "event_id": f"e{i}",
            "ticket_id": f"T{i % 7}",
            "ts": f"2024-03-04T09:{i % 60:02d}:00Z",
            "kind": "created" if i < 7 else "updated",
            "fields": {"status": "open", "priority": "P1", "seats": i, "tags": ["vip"]},
        }
        for i in range(500)
    ]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    got = read_columnar([path])
    assert got.events.num_rows == 500
    assert got.slow_rows == 0
    _same_outcome([path])


def test_a_conflicting_id_is_quarantined_with_its_line_after_the_block_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columnar_jsonl, "BLOCK_BYTES", 64)
    first = {"event_id": "e1", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created"}
    again = {**first, "ts": "2024-03-04T10:00:00Z"}
    filler = [{**first, "event_id": f"f{i}"} for i in range(20)]
    path = tmp_path / "e.jsonl.gz"
    text = "\n".join(json.dumps(x) for x in [first, *filler, again, first]) + "\n"
    path.write_bytes(gzip.compress(text.encode()))
    got = read_columnar([path])
    assert [(q.row, q.raw) for q in got.quarantined] == [(22, again)]
    assert got.duplicates == 1
    _same_outcome([path])


@pytest.mark.realdata
@needs_data[1]
def test_an_imported_public_log_reads_the_same_in_columns_as_row_by_row(tmp_path: Path) -> None:
    # the helpdesk log as `accord import` writes it: custom fields, activities, statuses
    out = tmp_path / "helpdesk.jsonl"
    import_file(HELPDESK, "process-mining", out, mapping="helpdesk-italian")
    got = read_columnar([out])
    assert got.events.num_rows > 20_000
    assert got.slow_rows == 0  # every line of a clean export is read in columns
    _same_outcome([out])
