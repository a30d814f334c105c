"""JSON Lines for the columnar reader: blocks of lines read in columns, not row by row.

Each block is first offered to the compiled scanner (:mod:`accord.io.columnar_jsonl_scan`),
which reads lines of the plain form events are written in; a block it declines is parsed by
``pyarrow.json`` as described below, with the same outcome line by line.

A file is read a block of lines at a time (:data:`BLOCK_BYTES` of its decompressed text), so
memory holds one block of text and the columns of what was read, never a Python object per
event. In each block:

- a line that the flat columns can carry with the JSON dialect's exact meaning is parsed by
  ``pyarrow.json`` together with its neighbours, and its columns are laid out as a Parquet
  file's (``fields.x`` becomes ``field.x``, a standard field its own column); the columnar
  validator then checks them as it checks Parquet;
- a line that might mean something else in the flat form — an explicit ``null`` (it clears a
  field in JSON, it is "not set" in a column), a blank text (set in JSON, not set in a
  cell), an escape sequence (it may decode to a blank or a lone surrogate), anything that
  is not one object — is parsed by the row reader (:func:`accord.io.readers._json_line`) and
  validated by :func:`accord.core.event_validation.validate_event`, as the row reader does;
- a column whose type the flat form reads differently (``public`` that is not true/false,
  ``tags`` that are not a list of text, a whole number that Arrow read as a float because
  another line has a fraction) sends the rows that set it to the row validator too;
- a block that Arrow cannot parse as a whole (a key given twice, a value whose type changes
  between lines, text that is not UTF-8) is read by the row reader, line by line.

So every line is decided exactly as :func:`accord.io.readers.read_many` decides it; only the
lines the vectorised checks cannot vouch for cost Python time. The driver that validates the
blocks one after another is :mod:`accord.io.columnar_jsonl_parts`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from accord.core.event_validation import (
    TOP_LEVEL_FIELDS,
    TOP_LEVEL_KEYS,
)
from accord.errors import DamagedInputError
from accord.io.compression import damaged_file
from accord.io.readers import _json_line, _open_binary

BLOCK_BYTES = 8 << 20
"""Decompressed bytes of text parsed at a time (then extended to the end of its line)."""

SCAN = True
"""Blocks are first offered to the compiled scanner (:mod:`accord.io.columnar_jsonl_scan`);
Arrow's parser reads those it declines."""

_FIELD_PREFIX = "field."
_WS = (
    "\\t\\n\\x0b\\x0c\\r\\x1c\\x1d\\x1e\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
)
# a text that is blank: set in the JSON dialect, "not set" in a flat cell
_BLANK = f"^[{_WS}]*$"
_TS_AS_TEXT = pa.schema([pa.field("ts", pa.string())])


@dataclass
class JsonBlock:
    """One block of lines: the decompressed bytes (whole lines) and the first line's number."""

    data: bytes
    first_line: int
    offset: int  # where ``data`` starts in the decompressed file


def jsonl_blocks(
    path: str | os.PathLike[str], block_bytes: int = BLOCK_BYTES
) -> Iterator[JsonBlock]:
    """The file's text in blocks of whole lines (gzip decompressed as a stream)."""
    source = os.fspath(path)
    line = 1
    at = 0
    try:
        with _open_binary(path) as stream:
            rest = b""
            first = True
            while True:
                chunk = stream.read(block_bytes)
                if first:
                    first = False
                    while chunk.startswith(b"\xef\xbb\xbf"):
                        chunk = chunk[3:]  # byte-order marks opening line 1 are skipped
                        at += 3
                if not chunk:
                    if rest:
                        yield JsonBlock(rest, line, at)
                    return
                data = rest + chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                block, rest = data[: cut + 1], data[cut + 1 :]
                yield JsonBlock(block, line, at)
                line += block.count(b"\n")
                at += len(block)
    except Exception as e:
        message = damaged_file(source, e)
        if message is None:
            raise
        raise DamagedInputError(message) from None


@dataclass
class ParsedBlock:
    """A block read by Arrow: one table row per non-blank line (``table`` in the flat layout,
    empty rows for the lines decided row by row), the lines' numbers, the rows the row
    validator must decide, and the row reader's parse of those."""

    table: pa.Table | None  # dropped once the block is validated
    numbers: np.ndarray[Any, np.dtype[np.int64]]
    force_slow: np.ndarray[Any, np.dtype[np.bool_]]
    rows: dict[int, Any]  # table row -> the row reader's _RawRow for a line decided by rows
    starts: np.ndarray[Any, np.dtype[np.int64]]  # each row's line: where it starts in data
    ends: np.ndarray[Any, np.dtype[np.int64]]


def _lines(data: bytes) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10).astype(np.int64)
    ends = nl if (len(data) and data[-1:] == b"\n") else np.append(nl, len(data))
    starts = np.concatenate([[0], nl + 1])[: ends.size].astype(np.int64)
    return starts, ends


def _objects(
    buf: np.ndarray[Any, Any], starts: np.ndarray[Any, Any], ends: np.ndarray[Any, Any]
) -> bool:
    """Whether every line starts with ``{`` and ends with ``}`` (before a ``\\r``)."""
    if bool((ends <= starts).any()):
        return False
    last = ends - 1
    last = np.where(buf[last] == 0x0D, last - 1, last)
    return bool(
        (buf[starts] == 0x7B).all() and (last >= starts).all() and (buf[last] == 0x7D).all()
    )


def _classify(text: pa.Array) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Lines that hold something, and those of them the columns can carry."""
    trimmed = pc.utf8_trim_whitespace(text)
    length = np.asarray(pc.binary_length(trimmed).to_numpy(zero_copy_only=False), dtype=np.int64)
    present = length > 0
    rowish = (
        np.asarray(pc.starts_with(trimmed, "{").to_numpy(zero_copy_only=False), dtype=bool)
        & np.asarray(pc.ends_with(trimmed, "}").to_numpy(zero_copy_only=False), dtype=bool)
        # an explicit null clears a field in JSON but is "not set" in a column; an escape may
        # decode to a blank or a lone surrogate (plain substring searches: no regex per byte)
        & ~np.asarray(pc.match_substring(trimmed, "null").to_numpy(zero_copy_only=False))
        & ~np.asarray(pc.match_substring(trimmed, "\\").to_numpy(zero_copy_only=False))
    )
    return present, rowish


def parse_block(block: JsonBlock, source: str) -> ParsedBlock | None:
    """The block in columns, or ``None`` when Arrow cannot read it (the row reader will)."""
    if SCAN:
        from accord.io.columnar_jsonl_scan import scan_block

        scanned = scan_block(block, source)
        if scanned is not None:
            return scanned
    data = block.data
    starts, ends = _lines(data)
    n_lines = starts.size
    offsets = np.empty(n_lines + 1, dtype=np.int64)
    offsets[:-1] = starts
    offsets[-1] = ends[-1] if n_lines else 0
    # each line as a value (its newline excluded: the value ends where the next one starts,
    # so the newline is the last byte, trimmed below with the other spaces)
    raw = pa.Array.from_buffers(
        pa.large_binary(),
        n_lines,
        [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)],
    )
    try:
        text = raw.cast(pa.large_string())
    except pa.ArrowInvalid:
        return None  # not UTF-8: the row reader names the lines
    buf = np.frombuffer(data, dtype=np.uint8)
    if n_lines and b"null" not in data and b"\\" not in data and _objects(buf, starts, ends):
        # the usual block: every line one object, from its first byte to its last
        present = np.ones(n_lines, dtype=bool)
        rowish = present
    else:
        present, rowish = _classify(text)
    fast = present & rowish
    for i in np.flatnonzero(present & ~rowish).tolist():
        # Python's strip() knows spaces Arrow's trim does not: such a line may be blank
        if not data[starts[i] : ends[i]].decode("utf-8").strip():
            present[i] = False
    slow = present & ~fast
    if fast.all() or not fast.any():
        payload = data if fast.any() else b""
    else:
        # the other lines are blanked (kept as lines of spaces, which Arrow skips)
        buf = buf.copy()
        for i in np.flatnonzero(~fast).tolist():
            buf[starts[i] : ends[i]] = 0x20
        payload = buf.tobytes()
    parsed = _arrow_json(payload)
    if parsed is None or parsed.num_rows != int(fast.sum()):
        return None
    rows_at = np.flatnonzero(present)
    # table row k is line rows_at[k]; a fast line's row is its parsed row, a slow one's empty
    fast_rank = np.cumsum(fast) - 1
    take = np.where(fast[rows_at], fast_rank[rows_at], -1)
    if parsed.num_columns and (take < 0).any():
        parsed = parsed.take(pa.array(take, mask=take < 0))  # empty rows for the slow lines
    table, force = _flat_layout(parsed, rows_at.size)
    force |= slow[rows_at]
    rows: dict[int, Any] = {}
    for k in np.flatnonzero(slow[rows_at]).tolist():
        i = int(rows_at[k])
        line = data[starts[i] : ends[i]].decode("utf-8")
        rows[k] = _json_line(source, block.first_line + i, line.strip())
    if not parsed.num_columns:
        table = pa.table({"_": pa.nulls(rows_at.size)}).drop_columns(["_"])
    return ParsedBlock(
        table,
        (block.first_line + rows_at).astype(np.int64),
        force,
        rows,
        starts[rows_at],
        ends[rows_at],
    )


def _arrow_json(payload: bytes) -> pa.Table | None:
    if not payload.strip():
        return pa.table({})
    try:
        return pj.read_json(
            io.BytesIO(payload),
            read_options=pj.ReadOptions(use_threads=False, block_size=max(1 << 20, len(payload))),
            parse_options=pj.ParseOptions(
                explicit_schema=_TS_AS_TEXT, unexpected_field_behavior="infer"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _set(col: pa.ChunkedArray | pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _blank(col: pa.ChunkedArray | pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows whose text is blank (a flat cell would read it as not set): the values that are
    empty or start or end with a space, found from their edge bytes, then checked exactly."""
    from accord.io.columnar_cells import _blank_or_padded

    chunked = col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    maybe = _blank_or_padded(chunked)
    if not maybe.any():
        return maybe
    at = np.flatnonzero(maybe)
    got = pc.match_substring_regex(chunked.take(pa.array(at)), _BLANK).fill_null(False)
    out = np.zeros(len(chunked), dtype=bool)
    out[at] = np.asarray(got.to_numpy(zero_copy_only=False), dtype=bool)
    return out


def _blank_items(col: pa.ChunkedArray | pa.Array, n: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    out = np.zeros(n, dtype=bool)
    flat = pc.list_flatten(arr)
    if len(flat):
        parents = np.asarray(pc.list_parent_indices(arr).to_numpy(), dtype=np.int64)
        out[parents[_blank(flat)]] = True
    return out


def _float_doubts(
    col: pa.ChunkedArray | pa.Array,
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows of a float column whose line may have held a whole number (``5`` and ``5.0`` read
    alike once a column is a float): the row reader keeps its type."""
    vals = np.asarray(pc.fill_null(col, 0.5).to_numpy(zero_copy_only=False), dtype=np.float64)
    doubt = _set(col) & ~(np.isfinite(vals) & (np.floor(vals) != vals))
    return np.asarray(doubt, dtype=bool)


def _flat_layout(parsed: pa.Table, n: int) -> tuple[pa.Table, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Parsed JSON objects as the flat columns of a Parquet event file, and the rows whose
    values the flat form would read differently (they go to the row validator)."""
    force = np.zeros(n, dtype=bool)
    top = set(parsed.column_names)
    out: dict[str, pa.ChunkedArray | pa.Array] = {}

    def keep(name: str, col: pa.ChunkedArray | pa.Array) -> None:
        nonlocal force
        t = col.type
        if pa.types.is_string(t):
            force |= _blank(col)
        elif pa.types.is_list(t) and pa.types.is_string(t.value_type):
            force |= _blank_items(col, n)
        if pa.types.is_floating(t):
            force |= _float_doubts(col)
        if name == "public" and not pa.types.is_boolean(t):
            force |= _set(col)  # JSON wants true or false; a cell may say yes/no
            return
        if name == "tags" and not (pa.types.is_list(t) and pa.types.is_string(t.value_type)):
            force |= _set(col)  # JSON wants a list of texts; a cell splits on ';'
            return
        if name in ("kind", "actor") and not pa.types.is_string(t):
            force |= _set(col)
            return
        out[name] = col

    for name in parsed.column_names:
        col = parsed.column(name)
        if name == "fields":
            if not pa.types.is_struct(col.type):
                force |= _set(col)
                continue
            arr = col.combine_chunks()
            for i in range(arr.type.num_fields):
                member = arr.type.field(i).name
                child = pc.struct_field(arr, [i])
                bare = member in TOP_LEVEL_FIELDS and member not in top
                keep(member if bare else _FIELD_PREFIX + member, child)
        elif name in TOP_LEVEL_KEYS or name in TOP_LEVEL_FIELDS:
            keep(name, col)
        else:
            force |= _set(col)  # an unknown key: the row validator words it
    if not out:
        return pa.table({"_": pa.nulls(n)}).drop_columns(["_"]), force
    names = list(out)
    return pa.Table.from_arrays([out[k] for k in names], names=names), force
