"""The compiled JSON Lines scanner: plain lines in columns, every other line decided by the row
reader, and the same outcome as :func:`accord.io.readers.read_many` either way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io import columnar_jsonl, columnar_jsonl_scan
from accord.io.columnar import read_columnar
from accord.io.columnar_jsonl import JsonBlock
from accord.io.columnar_jsonl_scan import scan_block
from accord.io.jsonl_kernels import MAX_SLOTS
from tests.io.test_columnar import _same_outcome
from tests.io.test_columnar_jsonl import files

PLAIN = {
    "event_id": "e1",
    "ticket_id": "T1",
    "ts": "2024-03-04T09:00:00Z",
    "kind": "created",
    "actor": "agent",
    "public": True,
    "fields": {"status": "open", "priority": "P1", "tags": ["vip", "eu"], "seats": 12},
}


def _lines(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _plain(i: int) -> str:
    return json.dumps({**PLAIN, "event_id": f"e{i}", "ticket_id": f"T{i % 5}"})


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=files(), block=st.sampled_from([64, 1 << 20]))
def test_scanned_blocks_agree_with_the_row_reader_whatever_their_odd_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, block: int
) -> None:
    # the scanner keeps every block however many of its lines are odd: each of them is then
    # decided by the row reader beside the plain lines read in columns
    monkeypatch.setattr(columnar_jsonl_scan, "OTHER_SHARE", 0)
    monkeypatch.setattr(columnar_jsonl, "BLOCK_BYTES", block)
    path = tmp_path / "a.jsonl"
    path.write_bytes(data)
    _same_outcome([path])


def test_plain_lines_are_read_by_the_scanner_not_by_arrow(tmp_path: Path) -> None:
    path = _lines(tmp_path, [_plain(i) for i in range(50)])
    got = scan_block(JsonBlock(path.read_bytes(), 1, 0), str(path))
    assert got is not None and got.table is not None
    assert got.table.num_rows == 50 and not got.force_slow.any()
    assert set(got.table.column_names) == {
        "event_id",
        "ticket_id",
        "ts",
        "kind",
        "actor",
        "public",
        "status",
        "priority",
        "tags",
        "field.seats",
    }
    read = read_columnar([path])
    assert (read.events.num_rows, read.slow_rows) == (50, 0)
    _same_outcome([path])


ODD_LINES = [
    '{"event_id": "x1", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": null}',
    '{"event_id": "x2", "ticket_id": "T\\u0031", "ts": "2024-03-04T09:00:00Z", "kind": "created"}',
    '{"event_id": "x3", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created",'
    ' "fields": {"seats": 2.0}}',
    '{"event_id": "x4", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created",'
    ' "fields": {"x": {"y": 1}}}',
    '{"event_id": "x5", "ticket_id": "T1", "ticket_id": "T2", "ts": "2024-03-04T09:00:00Z",'
    ' "kind": "created"}',
    '{"event_id": "x6", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created",'
    ' "fields": {}}',
    '{"event_id": "x7", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created"} x',
    '{"event_id": "x8", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created",'
    ' "fields": {"tags": []}}',
    '{"event_id": "x9", "ticket_id": 01, "ts": "2024-03-04T09:00:00Z", "kind": "created"}',
    '{"event_id": "x10", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created",'
    ' "seats": 3}',
    '{"event_id": "x11", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created",'
    ' "fields": {"n": 1234567890123456789}}',
    '{"event_id": "x12", "ticket_id": "T1\tT", "ts": "2024-03-04T09:00:00Z", "kind": "created"}',
    "[1, 2]",
    "\u00a0",
    '{"event_id": "x13", "ticket_id": "T1", "ts": "2024-03-04T09:00:00Z", "kind": "created",'
    ' "fields": {"status": "\u00a0"}}',
]


@pytest.mark.parametrize("odd", ODD_LINES)
def test_a_line_outside_the_plain_form_is_decided_by_the_row_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: str
) -> None:
    monkeypatch.setattr(columnar_jsonl_scan, "OTHER_SHARE", 0)
    path = _lines(
        tmp_path, [_plain(i) for i in range(20)] + [odd] + [_plain(i) for i in range(20, 40)]
    )
    got = scan_block(JsonBlock(path.read_bytes(), 1, 0), str(path))
    assert got is not None
    odd_rows = [int(n) for n in got.numbers[got.force_slow]]
    assert odd_rows in ([21], [])  # [] : a line Python reads as blank is no row at all
    _same_outcome([path])


def test_a_key_whose_values_change_type_sends_the_lines_setting_it_to_the_row_validator(
    tmp_path: Path,
) -> None:
    lines = [_plain(i) for i in range(10)]
    lines[3] = json.dumps({**PLAIN, "event_id": "e3", "fields": {"seats": "twelve"}})
    path = _lines(tmp_path, lines)
    got = scan_block(JsonBlock(path.read_bytes(), 1, 0), str(path))
    assert got is not None
    assert got.force_slow.sum() == 10  # each line sets ``seats``: all decided row by row
    _same_outcome([path])


def test_a_block_of_more_keys_than_the_scanner_tracks_is_left_to_arrow(tmp_path: Path) -> None:
    lines = [
        json.dumps({**PLAIN, "event_id": f"e{i}", "fields": {f"k{i}": i}})
        for i in range(MAX_SLOTS + 10)
    ]
    path = _lines(tmp_path, lines)
    assert scan_block(JsonBlock(path.read_bytes(), 1, 0), str(path)) is None
    assert read_columnar([path]).slow_rows == 0  # Arrow's columns read it instead
    _same_outcome([path])


def test_lines_of_more_values_than_the_room_given_are_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columnar_jsonl_scan, "ROOM_PER_LINE", 1)
    path = _lines(tmp_path, [_plain(i) for i in range(30)])
    got = scan_block(JsonBlock(path.read_bytes(), 1, 0), str(path))
    assert got is not None and got.table is not None and got.table.num_rows == 30
    assert not got.force_slow.any()
    _same_outcome([path])


def test_a_block_of_mostly_odd_lines_is_left_to_arrow(tmp_path: Path) -> None:
    fraction = {**PLAIN, "fields": {"ratio": 0.5}}
    path = _lines(tmp_path, [json.dumps({**fraction, "event_id": f"e{i}"}) for i in range(20)])
    assert scan_block(JsonBlock(path.read_bytes(), 1, 0), str(path)) is None
    assert read_columnar([path]).slow_rows == 0  # Arrow carries the fractions in columns
    _same_outcome([path])


def test_texts_that_are_not_utf8_leave_the_block_to_the_row_reader(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(_plain(1).encode() + b"\n" + b'{"ticket_id": "\xff"}\n' + _plain(2).encode())
    assert scan_block(JsonBlock(path.read_bytes(), 1, 0), str(path)) is None
    _same_outcome([path])


def test_unicode_texts_and_spaces_around_tokens_are_read_in_columns(tmp_path: Path) -> None:
    values: list[Any] = ["Zürich", "東京", "a\u00a0b", "x\u2028y"]
    lines = [
        f' \t{{ "event_id" : "e{i + 10}" ,"ticket_id":"T1",  "ts":"2024-03-04T09:00:0{i}Z",'
        f'"kind":"updated","fields":{{ "region" : {json.dumps(v, ensure_ascii=False)} }} }}\r'
        for i, v in enumerate(values)
    ]
    path = _lines(tmp_path, [_plain(0), *lines])
    got = read_columnar([path])
    assert (got.events.num_rows, got.slow_rows) == (5, 0)
    _same_outcome([path])
