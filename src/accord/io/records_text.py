"""The batch engine's records table as CSV, JSON Lines and JSON text, column by column.

:mod:`accord.io.records_out` writes records one Python object at a time, which is right for
the reference engine's few thousand records but takes minutes and gigabytes for the millions
of rows the batch engine produces. These writers give the same bytes for the same records
(the tests compare them with :mod:`accord.io.records_out` on the same tables) without making
a Python object per row:

- every column becomes one Arrow text array of its cells: numbers by Arrow's casts, instants
  by a compiled loop (``YYYY-MM-DDTHH:MM:SSZ``, as :func:`accord.core.timeutil.iso` writes
  them), true/false and nulls by look-up, text columns by quoting only the cells that need
  it (the rules of Python's ``csv`` and ``json`` modules; a text column with a dictionary is
  quoted once per distinct value, by those modules themselves);
- the cells of a row are joined by Arrow's element-wise join, and the rows of a slice of
  :data:`SLICE_ROWS` are written out as the joined array's one byte buffer.

Values that Arrow spells differently from Python (a share of the target below 1e-4 or from
1e9 on, instants outside the years 1000–9999) are spelt by Python, row by row: there are
none in practice.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch._jit import FOUR_DIGIT_YEARS, instant_texts
from accord.core.records import RECORD_COLUMNS, MetricRecord
from accord.core.timeutil import iso
from accord.errors import UnsupportedFormatError

__all__ = ["TEXT_FORMATS", "table_text", "write_table_file", "write_table_text"]

TEXT_FORMATS = ("csv", "json", "jsonl")
SLICE_ROWS = 200_000
"""Rows turned into text at a time (the text of a slice is a few tens of MB)."""

_SHARE_LO, _SHARE_HI = 1e-4, 1e9  # where Arrow writes a double as Python's repr (plus ".0")
_INSTANTS = ("start", "stop", "due", "breached_at", "as_of")
_JSON_LISTS = ("warnings", "explanation")  # JSON text already: embedded as it is

# the keys of MetricRecord.to_row(), in its order: the fields, then the derived figures
_JSON_KEYS = (
    *(f.name for f in fields(MetricRecord)),
    "breached_by",
    "remaining",
    "share_of_target",
)
assert sorted(_JSON_KEYS) == sorted(RECORD_COLUMNS)

Cell = Callable[[str], str]


def table_text(table: pa.Table, fmt: str, *, indent: bool = True) -> Iterator[bytes | memoryview]:
    """The text of a records table (:data:`~accord.core.engine.batch.schema.RECORDS_SCHEMA`
    or its plain Parquet form) in ``fmt``, in pieces: what :mod:`accord.io.records_out`
    writes for the same records. ``json`` is ``json.dumps(rows, indent=1)``, the file form;
    with ``indent=False`` it is ``json.dumps(rows)``, the form printed on standard output."""
    if fmt not in TEXT_FORMATS:
        raise UnsupportedFormatError(
            f"cannot write records as '{fmt}' text; use one of {', '.join(TEXT_FORMATS)}"
        )
    table = table.select(list(RECORD_COLUMNS))
    n = table.num_rows
    if fmt == "csv":
        yield (",".join(RECORD_COLUMNS) + "\n").encode()
    elif fmt == "json":
        if n == 0:
            yield b"[]"
            return
        yield b"[\n" if indent else b"["
    between = ",\n" if indent else ", "  # between the objects of a JSON list
    for lo in range(0, n, SLICE_ROWS):
        part = table.slice(lo, SLICE_ROWS)
        if fmt == "csv":
            line = _join([_cells(name, part.column(name), _CSV) for name in RECORD_COLUMNS], ",")
            yield _lines(line, "\n")
        elif fmt == "jsonl":
            yield _lines(_json_object(part, indent=False), "\n")
        else:
            text = _lines(_json_object(part, indent=indent), between)
            if lo + SLICE_ROWS < n:
                yield text
            else:  # the last object ends the list
                yield text[: -len(between)]
                yield b"\n]" if indent else b"]"


def write_table_text(table: pa.Table, fmt: str, out: IO[bytes], *, indent: bool = True) -> None:
    """:func:`table_text` written to a binary stream."""
    for piece in table_text(table, fmt, indent=indent):
        out.write(piece)


def write_table_file(table: pa.Table, path: Path | str, fmt: str) -> None:
    """:func:`table_text` written to a file (its folder made if missing)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("wb") as f:
        write_table_text(table, fmt, f)


# ------------------------------------------------------------------------------------ rows


def _join(cells: list[pa.Array], sep: str) -> pa.Array:
    out: pa.Array = pc.binary_join_element_wise(*cells, sep)
    return out


def _lines(rows: pa.Array, end: str) -> memoryview:
    """Every row followed by ``end``, as one piece of text."""
    ended = pc.binary_join_element_wise(rows, pa.scalar("", pa.string()), end)
    if isinstance(ended, pa.ChunkedArray):
        ended = ended.combine_chunks()
    offsets = np.frombuffer(ended.buffers()[1], dtype=np.int32, count=len(ended) + 1 + ended.offset)
    lo, hi = int(offsets[ended.offset]), int(offsets[ended.offset + len(ended)])
    # the rows' text lies end to end in the data buffer: handed out without a copy
    return memoryview(ended.buffers()[2])[lo:hi]


def _json_object(part: pa.Table, indent: bool) -> pa.Array:
    """Each row as the JSON object ``json.dumps(record.to_row())`` writes (``indent``: as
    ``json.dumps(rows, indent=1)`` writes it inside the list)."""
    cells = []
    for name in _JSON_KEYS:
        col = part.column(name)
        text = _json_list_cells(col, indent) if name in _JSON_LISTS else _cells(name, col, _JSON)
        cells.append(pc.binary_join_element_wise(f'"{name}": ', text, ""))
    if indent:
        body = _join(cells, ",\n  ")
        return pc.binary_join_element_wise(" {\n  ", body, "\n }", "")
    return pc.binary_join_element_wise("{", _join(cells, ", "), "}", "")


# ----------------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class _Dialect:
    csv: bool  # Python's csv module (else json.dumps)
    true: str
    false: str
    null: str


_CSV = _Dialect(True, "True", "False", "")
_JSON = _Dialect(False, "true", "false", "null")


def _cells(name: str, col: pa.ChunkedArray, d: _Dialect) -> pa.Array:
    """A column's cells as the csv module or ``json.dumps`` writes them from ``to_row()``."""
    t = _plain_type(col)
    if name in _INSTANTS:
        return _instants(col, not d.csv, d.null)
    if pa.types.is_boolean(t):
        return _flags(col, d.true, d.false, d.null)
    if pa.types.is_floating(t):
        return _fill(_share(col), d.null)
    if pa.types.is_integer(t):
        return _fill(pc.cast(col, pa.string()), d.null)
    return _text(col, d)


def _json_list_cells(col: pa.ChunkedArray, indent: bool) -> pa.Array:
    """The warnings and explanation columns hold ``json.dumps`` of their lists already; inside
    an indented document a non-empty list is laid out again (once per distinct text)."""
    text = _decoded(col)
    if not indent:
        return _fill(text, "null")
    return _fill(_by_value(text, "[]", _indented), "null")


def _indented(text: str) -> str:
    lines = json.dumps(json.loads(text), ensure_ascii=False, indent=1).split("\n")
    # the list is a value two levels into the document: its lines move two spaces in
    return "\n".join([lines[0], *("  " + ln for ln in lines[1:])])


def _plain_type(col: pa.ChunkedArray) -> pa.DataType:
    t = col.type
    return t.value_type if pa.types.is_dictionary(t) else t


def _whole(col: pa.ChunkedArray) -> pa.Array:
    return col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)


def _decoded(col: pa.ChunkedArray) -> pa.Array:
    arr = _whole(col)
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    return arr


def _fill(arr: pa.Array | pa.ChunkedArray, null: str) -> pa.Array:
    out = pc.fill_null(arr, pa.scalar(null, pa.string()))
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _flags(col: pa.ChunkedArray, yes: str, no: str, null: str) -> pa.Array:
    text = pc.if_else(col, pa.scalar(yes), pa.scalar(no))
    return _fill(text, null)


def _instants(col: pa.ChunkedArray, quote: bool, null: str) -> pa.Array:
    """Instants as :func:`~accord.core.timeutil.iso` writes them (in double quotes for JSON),
    by a compiled loop: Arrow's casts and ``strftime`` take a microsecond a value."""
    arr = _decoded(col)
    seconds = pc.cast(pc.cast(arr, pa.timestamp("s", tz="UTC")), pa.int64())
    valid = np.asarray(seconds.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    s = np.asarray(seconds.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    odd = valid & ((s < FOUR_DIGIT_YEARS[0]) | (s > FOUR_DIGIT_YEARS[1]))
    offsets, data = instant_texts(s, valid & ~odd, quote, null.encode())
    text = pa.StringArray.from_buffers(len(s), pa.py_buffer(offsets), pa.py_buffer(data))
    if odd.any():
        # a year of other than four digits: Python's own spelling (or its error)
        fixed = [json.dumps(iso(int(v))) if quote else iso(int(v)) for v in s[odd]]
        text = pc.replace_with_mask(text, pa.array(odd), pa.array(fixed, pa.string()))
    return text


def _share(col: pa.ChunkedArray) -> pa.Array:
    arr = _decoded(col)
    text = pc.cast(arr, pa.string())
    v = arr.to_numpy(zero_copy_only=False)
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    with np.errstate(invalid="ignore"):
        a = np.abs(np.where(valid, v, 0.0))
        whole = valid & (np.floor(a) == a) & (a < _SHARE_HI)
        odd = valid & ~whole & ((a < _SHARE_LO) | (a >= _SHARE_HI) | ~np.isfinite(a))
    if whole.any():
        # Python's repr keeps ".0" on a whole number; Arrow writes "2"
        dotted = pc.binary_join_element_wise(text, ".0", "")
        text = pc.if_else(pa.array(whole), dotted, text)
    if odd.any():
        # outside Arrow's agreement with repr (1e-05 is "0.00001" there, "1e-05" here)
        fixed = [repr(float(x)) for x in v[odd]]
        text = pc.replace_with_mask(text, pa.array(odd), pa.array(fixed, pa.string()))
    return text


def _text(col: pa.ChunkedArray, d: _Dialect) -> pa.Array:
    """A text column's cells, quoted as Python's ``csv`` writer or ``json.dumps`` does it.
    A dictionary column is quoted once per distinct value by Python itself; in a plain column
    (ticket ids, warnings) only the cells that Arrow cannot quote exactly go through Python
    (none, usually)."""
    quote = _csv_quote if d.csv else _json_quote
    arr = _whole(col)
    if pa.types.is_dictionary(arr.type):
        values = [None if v is None else quote(str(v)) for v in arr.dictionary.to_pylist()]
        return _fill(pa.array(values, pa.string()).take(arr.indices), d.null)
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    if d.csv:
        # a comma, a quote or a line feed: quoted, quotes doubled, by any version of csv; a
        # lone carriage return is left to the csv module (its rule for it has changed)
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
        plain = pc.if_else(_matches(arr, '[,"\n]'), quoted, arr)
        ask = _matches(arr, "\r")
    else:
        plain = pc.binary_join_element_wise('"', arr, '"', "")
        ask = _matches(arr, r'["\\\x00-\x1f]')  # what json.dumps escapes (ensure_ascii off)
    if pc.any(ask).as_py():
        fixed = [quote(str(v)) for v in arr.filter(ask).to_pylist()]
        plain = pc.replace_with_mask(plain, ask, pa.array(fixed, pa.string()))
    return _fill(plain, d.null)


def _matches(arr: pa.Array, pattern: str) -> pa.Array:
    out: pa.Array = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    return out


def _by_value(text: pa.Array, skip: str, fn: Cell) -> pa.Array:
    """``fn`` of every cell but those equal to ``skip`` (or null), once per distinct value."""
    enc = pc.dictionary_encode(text)
    values = [v if v is None or v == skip else fn(v) for v in enc.dictionary.to_pylist()]
    return pa.array(values, pa.string()).take(enc.indices)


def _csv_quote(v: str) -> str:
    """``v`` as Python's csv writer writes it in a row of several cells."""
    buf = io.StringIO()
    # the records writer's line end: which characters force quotes depends on it
    csv.writer(buf, lineterminator="\n").writerow([v, ""])
    return buf.getvalue()[:-2]


def _json_quote(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)
