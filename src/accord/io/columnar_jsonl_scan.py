"""JSON Lines blocks read by a compiled scanner instead of ``pyarrow.json``.

Lines written the plain way (see :mod:`accord.io.jsonl_kernels`: no escapes, no ``null``, whole
numbers, lists of texts, one ``fields`` object) are read in one compiled pass, and their values
copied into Arrow columns in the flat layout :func:`accord.io.columnar_jsonl.parse_block` gives
(``fields.x`` as ``field.x``, a standard field as its own column). The same rows are sent to the
row validator as on that path:

- a line outside the plain form is read by the row reader;
- a key outside ``fields`` that is not a top-level key, ``public`` that is not true/false,
  ``kind``/``actor``/``ts`` that are not text, ``tags`` that are not a list, a list under
  another name, or a key whose values have different types in the block: the lines that set
  it go to the row validator;
- a blank text, or a list holding a blank text (a flat cell reads them as "not set").

A block this pass cannot take (not UTF-8, more distinct keys than it tracks, mostly lines
outside the plain form) is left to :func:`~accord.io.columnar_jsonl.parse_block`'s Arrow path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from accord.core.event_validation import TOP_LEVEL_FIELDS, TOP_LEVEL_KEYS
from accord.io.jsonl_gather import gather, mark_lines, slot_kinds
from accord.io.jsonl_kernels import BLANK, BOOL, INT, LIST, OTHER, TEXT, scan
from accord.io.readers import _json_line

if TYPE_CHECKING:
    from accord.io.columnar_jsonl import JsonBlock, ParsedBlock

_FIELD_PREFIX = "field."
_KEYS = frozenset(TOP_LEVEL_KEYS) - {"fields"}
_AS_TEXT = frozenset({"kind", "actor", "ts"})
ROOM_PER_LINE = 16
"""Values a line is given room for in the first scan of a block."""
ITEMS_PER_LINE = 4
"""List items (tags) a line is given room for in the first scan of a block."""
OTHER_SHARE = 8
"""Past one line in this many outside the plain form, the block goes to Arrow's parser (which
carries fractions and the like in columns, instead of one row reader call a line)."""


def _utf8(data: bytes) -> bool:
    whole = pa.Array.from_buffers(
        pa.large_binary(),
        1,
        [
            None,
            pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes()),
            pa.py_buffer(data),
        ],
    )
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _bitmap(valid: np.ndarray[Any, Any]) -> pa.Buffer | None:
    if valid.all():
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())


def _column_name(name: str, level: int) -> str:
    if level == 0:
        return name
    return name if name in TOP_LEVEL_FIELDS else _FIELD_PREFIX + name


def _odd(name: str, level: int, kinds: int) -> bool:
    """Whether the lines setting this key go to the row validator (see the module's list)."""
    if kinds & (kinds - 1):
        return True  # values of two types in one block
    if level == 0:
        if name not in _KEYS:
            return True
        if name == "public":
            return kinds != 1 << BOOL
        if name in _AS_TEXT:
            return kinds != 1 << TEXT
        return False
    if name == "tags":
        return kinds != 1 << LIST
    return kinds == 1 << LIST


def scan_block(block: JsonBlock, source: str) -> ParsedBlock | None:
    """The block in columns, or ``None`` when Arrow's path should read it."""
    from accord.io.columnar_jsonl import ParsedBlock

    data = block.data
    if not data or not _utf8(data):
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    line_end = np.flatnonzero(buf == 10)
    if data[-1:] != b"\n":
        line_end = np.append(line_end, len(data))
    # room for a usual line's values; a block of larger lines is scanned again with room
    # for all its ``:`` and ``,`` (counted only then)
    got = scan(
        buf, line_end, ROOM_PER_LINE * line_end.size + 64, ITEMS_PER_LINE * line_end.size + 64
    )
    if got[-1] == 2:
        got = scan(buf, line_end, data.count(b":"), data.count(b",") + data.count(b"["))
    (starts, ends, state, e_line, e_slot, e_kind, e_a, e_b, it_a, it_b, sks, ske, slev, status) = (
        got
    )
    if status:
        return None
    n_lines = starts.size
    other = np.flatnonzero(state == OTHER)
    if other.size * OTHER_SHARE > n_lines:
        return None
    present = state != BLANK
    texts: dict[int, str] = {}
    for i in other.tolist():
        # Python's strip() knows spaces the scanner does not: such a line may be blank
        text = data[starts[i] : ends[i]].decode("utf-8").strip()
        if text:
            texts[i] = text
        else:
            present[i] = False
    slow = state == OTHER
    names = [data[a:b].decode("utf-8") for a, b in zip(sks.tolist(), ske.tolist(), strict=True)]
    kinds = slot_kinds(e_slot, e_kind, len(names))
    odd = np.zeros(len(names), dtype=bool)
    slot_col = np.full(len(names), -1, dtype=np.int64)
    columns: list[str] = []
    col_kind: list[int] = []
    for s, name in enumerate(names):
        if not kinds[s]:
            continue  # set only on lines outside the plain form
        level = int(slev[s])
        if _odd(name, level, int(kinds[s])):
            odd[s] = True
            continue
        column = _column_name(name, level)
        if column in columns:
            return None  # two keys for one column: Arrow's path lays them out
        slot_col[s] = len(columns)
        columns.append(column)
        col_kind.append(int(kinds[s]).bit_length() - 1)
    if odd.any():
        mark_lines(e_line, e_slot, odd, slow)
    rows_at = np.flatnonzero(present)
    n = rows_at.size
    line_row = np.full(n_lines, -1, dtype=np.int64)
    line_row[rows_at] = np.arange(n, dtype=np.int64)
    force = slow[rows_at]
    line_row[slow] = -1  # the row validator reads these lines: no values in the columns
    offsets, numbers, col_num, valid, text, items, item_text, blank = gather(
        buf, e_line, e_slot, e_a, e_b, it_a, it_b, line_row, n, slot_col, np.array(col_kind)
    )
    force |= blank
    arrays: dict[str, pa.Array] = {}
    for c, (column, kind) in enumerate(zip(columns, col_kind, strict=True)):
        bits = _bitmap(valid[c])
        if bits is not None and not valid[c].any():
            continue  # set only on lines the row validator reads
        if kind == TEXT:
            # each column gets its own buffers: a column the events table keeps must not hold
            # the block's other texts (nor the other columns' offsets) in memory
            lo, hi = int(offsets[c, 0]), int(offsets[c, n])
            own = pa.py_buffer((offsets[c] - offsets[c, 0]) if lo else offsets[c].copy())
            arr = pa.Array.from_buffers(
                pa.string(), n, [bits, own, pa.py_buffer(text[lo:hi].copy())]
            )
        elif kind == LIST:
            child = pa.Array.from_buffers(
                pa.string(), items.size - 1, [None, pa.py_buffer(items), pa.py_buffer(item_text)]
            )
            arr = pa.Array.from_buffers(
                pa.list_(pa.string()), n, [bits, pa.py_buffer(offsets[c].copy())], children=[child]
            )
        elif kind == INT:
            arr = pa.Array.from_buffers(
                pa.int64(), n, [bits, pa.py_buffer(numbers[col_num[c]].copy())]
            )
        else:
            arr = pa.array(numbers[col_num[c]] != 0, mask=~valid[c])
        arrays[column] = arr
    rows: dict[int, Any] = {}
    for k in np.flatnonzero(force & slow[rows_at]).tolist():
        i = int(rows_at[k])
        line = texts.get(i)
        if line is None:
            line = data[starts[i] : ends[i]].decode("utf-8").strip()
        rows[k] = _json_line(source, block.first_line + i, line)
    return ParsedBlock(
        _table(arrays, n),
        (block.first_line + rows_at).astype(np.int64),
        force,
        rows,
        starts[rows_at],
        ends[rows_at],
    )


def _table(arrays: dict[str, pa.Array], n: int) -> pa.Table:
    if not arrays:
        return pa.table({"_": pa.nulls(n)}).drop_columns(["_"])  # n rows, no column
    return pa.Table.from_arrays(list(arrays.values()), names=list(arrays))
