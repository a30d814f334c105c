"""A fast reader for the batch engine: event files straight into an events table.

:func:`read_columnar` reads the same files as :func:`accord.io.readers.read_many` and gives
the same outcome — the same accepted events (as an events table, see
:mod:`accord.core.engine.batch.schema`), the same quarantined rows with the same reasons, the
same duplicate count and ``seq`` numbering — but validates whole columns at once:

- every rule is checked on a column's *distinct* values (Parquet dictionary pages make those
  free) or with one vectorised pass (regular expressions for ids and ISO instants, array
  arithmetic for dates), never row by row;
- a row that the vectorised checks cannot accept as plainly valid (a missing ``event_id``
  that needs its content hash, a ``fields`` JSON cell, a timestamp in an unusual ISO form or
  without an offset, a value with surrounding spaces, anything wrong) is handed to the row
  validator (:func:`accord.core.event_validation.validate_flat_row`), which decides and words
  the reason. Only those rows cost Python time;
- duplicate ``event_id`` values are found with one hashing pass (and a sort of the few
  hashes whose bucket is shared); only rows whose id repeats are compared by content
  digest, in order, as the :class:`~accord.io.readers.Deduplicator` does.

Formats: Parquet is read column by column. CSV is parsed by pyarrow when every record sits on
one line (the usual export); a line with quotes is re-read by Python's ``csv`` module so that
its cells are exactly what the row reader sees; a file whose records span lines, or that is
not valid UTF-8, or whose rows do not all have the header's cell count, is read by the row
reader as a whole. JSON Lines (and quarantine replays) go through the row reader and are then
converted: the JSON dialect's explicit nulls and typed numbers are read row by row.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from numpy.typing import NDArray

from accord.core.engine.batch._jit import lookup
from accord.core.engine.batch.columns import masked_array
from accord.core.engine.batch.memory import engine_memory
from accord.core.engine.batch.schema import (
    CLEARED,
    EVENTS_SCHEMA,
    FIELD_PREFIX,
    TEXT_FIELDS,
    encode_tagged,
    events_from_table,
    events_to_table,
)
from accord.core.event_limits import (
    MAX_CUSTOM_VALUE_BYTES,
    MAX_EVENT_BYTES,
    MAX_FIELD_NAME_BYTES,
    MAX_FIELDS,
    MAX_ID_BYTES,
    MAX_STANDARD_VALUE_BYTES,
    MAX_TAG_BYTES,
    MAX_TAGS,
    NUMBER_BYTES,
    text_problem,
    utf8_size,
)
from accord.core.event_validation import (
    TAG_SEPARATOR,
    TOP_LEVEL_FIELDS,
    TOP_LEVEL_KEYS,
    StatusMapper,
    validate_flat_row,
)
from accord.core.events import Actor, Event, Kind, StatusCategory
from accord.core.timeutil import MAX_EVENT_INSTANT, MIN_EVENT_INSTANT
from accord.errors import DamagedInputError, InputError
from accord.io.compression import damaged_file
from accord.io.quarantine import QuarantineRecord
from accord.io.readers import (
    Deduplicator,
    Duplicate,
    PathLike,
    _json_safe,
    detect_format,
)

BoolArray = NDArray[np.bool_]
I64 = NDArray[np.int64]

__all__ = ["ColumnarRead", "read_columnar", "validate_table"]

# Python's str.isspace() characters, for regular expressions that must agree with strip()
_WS = (
    "\\t\\n\\x0b\\x0c\\r\\x1c\\x1d\\x1e\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
)
_BLANK = f"^[{_WS}]*$"
_PADDED = f"^[{_WS}]|[{_WS}]$"
_ISO = (
    r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[T ](?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?:\.(?P<f>\d{1,6}))?(?:[Zz]|(?P<sign>[+-])(?P<oh>\d{2}):(?P<om>\d{2}))$"
)
_KINDS = {k.value: k for k in Kind}
_ACTORS = {a.value: a for a in Actor}
_CATEGORY_NAMES = frozenset(c.value for c in StatusCategory)
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
VALIDATE_ROWS = 1 << 20
"""Rows validated at a time (see :func:`read_columnar`)."""
# read as dictionaries: validated on their distinct values, and the kernel groups by codes
_DICT_COLUMNS = ("ticket_id", "kind", "actor", "public", "tags", *TEXT_FIELDS, "rating")


@dataclass
class ColumnarRead:
    """What a columnar read produced (compare :class:`accord.io.readers.ReadResult`)."""

    events: pa.Table
    quarantined: list[QuarantineRecord] = field(default_factory=list)
    duplicates: int = 0
    rows: int = 0  # data rows seen: accepted + duplicates + quarantined
    slow_rows: int = 0  # rows the row validator decided
    # without deduplication: each accepted event's row number in its file (by position)
    event_rows: I64 | None = None


@dataclass
class _Source:
    """One file's rows as raw columns (or, when it fell back, the row reader's outcomes)."""

    name: str
    table: pa.Table | None
    row_numbers: I64 | range  # the source's row number of every row (a range: 1, 2, …)
    raw: Callable[[I64], list[dict[str, Any]]]
    force_slow: BoolArray
    # how a row the vectorised checks cannot vouch for is decided: (row index, row number,
    # seq, zone, status mapper) -> outcome; ``None``: the flat row validator on ``raw``
    judge: Callable[..., Event | QuarantineRecord] | None = None


# ------------------------------------------------------------------------------------ input


def _read_bytes(path: PathLike) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception as e:
            message = damaged_file(os.fspath(path), e)
            if message is None:
                raise
            raise DamagedInputError(message) from None
    return data


def _parquet_source(path: PathLike) -> _Source:
    source = os.fspath(path)
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise InputError(f"'{source}' is not a readable Parquet file: {e}") from None
    dict_cols = [
        n
        for n in schema.names
        if (n in _DICT_COLUMNS or n.startswith(FIELD_PREFIX))
        and pa.types.is_string(schema.field(n).type)
    ]
    # Batches of VALIDATE_ROWS (the default, 2^17 rows, gives ~8 chunks per row group, and
    # every later step pays per chunk); with one CPU for Arrow, the threaded reader only adds
    # hand-offs (a third slower).
    fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=dict_cols))
    # Memory-mapped: the column chunks are decoded straight from the page cache. Read into
    # buffers, they come from Arrow's default pool (mimalloc in the wheels, whatever the pool
    # set for the run), which returns them to the system at once: on 10 million events,
    # 160 MB of pages faulted in and given back, about 0.3 s.
    local = pafs.LocalFileSystem(use_mmap=True)
    table = ds.dataset(os.path.abspath(source), format=fmt, filesystem=local).to_table(
        batch_size=VALIDATE_ROWS, use_threads=pa.cpu_count() > 1
    )
    n = table.num_rows

    def raw(rows: I64) -> list[dict[str, Any]]:
        part = table.take(pa.array(rows)).to_pylist()
        return [{str(k): _json_safe(v) for k, v in rec.items()} for rec in part]

    return _Source(source, table, range(1, n + 1), raw, np.zeros(n, bool))


def _csv_source(path: PathLike) -> _Source | None:
    """``None`` when the file needs the row reader as a whole (see the module docstring)."""
    source = os.fspath(path)
    data = _read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text.replace("\r\n", ""):
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    # The row reader skips lines whose cells are all blank; find the header line first.
    header_at = next((i for i, ln in enumerate(lines) if _cells(ln) is not None), None)
    if header_at is None:
        return None
    header_cells = _cells(lines[header_at])
    if header_cells is None:
        return None
    header = [h.strip().lstrip("\ufeff") for h in header_cells]
    if len(set(header)) != len(header):
        return None
    body = [(i + 1, ln) for i, ln in enumerate(lines[header_at + 1 :], start=header_at + 1)]
    kept_numbers: list[int] = []
    kept_lines: list[str] = []
    quoted: list[bool] = []
    for number, ln in body:
        if not ln.strip(" ,\t"):
            cells = _cells(ln)
            if cells is None or not any(c.strip() for c in cells):
                continue
        kept_numbers.append(number)
        kept_lines.append(ln)
        quoted.append('"' in ln)
    for ln, q in zip(kept_lines, quoted, strict=True):
        if q:
            cells = _cells(ln)
            if cells is None:
                return None
    payload = ("\n".join([",".join(_quote(h) for h in header), *kept_lines]) + "\n").encode()
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(use_threads=False, autogenerate_column_names=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(kept_lines) or table.column_names != header:
        return None
    line_of = dict(zip(range(len(kept_lines)), kept_lines, strict=True))
    numbers = np.array(kept_numbers, dtype=np.int64)
    n = table.num_rows
    force = np.array(quoted, dtype=bool) if n else np.zeros(0, dtype=bool)
    # a row whose cells are all blank is not a row; pyarrow sees it, the row reader skips it

    def raw(rows: I64) -> list[dict[str, Any]]:
        out = []
        for r in rows.tolist():
            cells = _cells(line_of[r]) or []
            out.append(dict(zip(header, cells, strict=False)))
        return out

    return _Source(source, table, numbers, raw, force)


def _cells(line: str) -> list[str] | None:
    """The cells of one CSV line as Python's csv module reads it; ``None`` when the line is
    not one complete record."""
    try:
        got = list(csv.reader([line]))
    except csv.Error:
        return None
    if len(got) != 1:
        return [] if not got else None
    return got[0]


def _quote(h: str) -> str:
    return '"' + h.replace('"', '""') + '"'


# ------------------------------------------------------------------------------- validation


def _distinct(
    col: pa.ChunkedArray, fast: _Fast | None = None
) -> tuple[NDArray[np.int32], list[Any]]:
    """Codes (-1: null) and the distinct values of a column. A column of another type than
    text, numbers or true/false sends its rows with a value to the row validator."""
    from accord.core.engine.batch.columns import dictionary_codes

    if _plain_types(col):
        return dictionary_codes(col)
    if fast is not None:
        fast.slow |= _set_mask(col)
    return np.full(len(col), -1, dtype=np.int32), []


def _plain_types(col: pa.ChunkedArray) -> bool:
    t = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
    return bool(
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_integer(t)
        or pa.types.is_boolean(t)
        or pa.types.is_floating(t)
    )


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _regex(arr: pa.ChunkedArray, pattern: str) -> BoolArray:
    got = pc.match_substring_regex(arr, pattern)
    return np.asarray(got.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


@dataclass
class _Fast:
    """Vectorised outcome of one file: which rows are plainly valid, and their columns."""

    n: int
    slow: BoolArray  # rows for the row validator
    columns: dict[str, pa.Array | pa.ChunkedArray] = field(default_factory=dict)
    set_any: BoolArray | None = None  # the row sets at least one field


def _id_column(col: pa.ChunkedArray, fast: _Fast, *, required: bool) -> pa.ChunkedArray:
    """``event_id`` / ``ticket_id``: text (trimmed) or a whole number, as text."""
    t = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
    n = fast.n
    nulls = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_dictionary(col.type) and pa.types.is_string(t):
        # kept as codes over one dictionary (the kernel groups by them, never hashing the
        # text again); each distinct id is checked once
        from accord.core.engine.batch.columns import dictionary_array

        codes, dictionary = dictionary_array(col)
        bad = _blank_or_padded(pa.chunked_array([dictionary]))
        fast.slow |= lookup(np.append(bad, False), codes)
        idx = masked_array(codes, pa.int32(), codes >= 0)
        out = pa.chunked_array([pa.DictionaryArray.from_arrays(idx, dictionary)])
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        text = col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col
        # blank, or needing a trim: the row validator decides
        fast.slow |= _blank_or_padded(text)
        out = text
    elif pa.types.is_integer(t):
        out = col.cast(pa.int64()).cast(pa.string())
    elif pa.types.is_floating(t):
        vals = col.to_numpy()
        whole = np.isfinite(vals) & (np.floor(vals) == vals) & (np.abs(vals) < 2**53)
        fast.slow |= ~nulls & ~whole
        ints = np.where(whole, vals, 0).astype(np.int64)
        out = pa.chunked_array([pa.array(ints).cast(pa.string())])
    else:
        fast.slow |= ~nulls
        out = pa.chunked_array([pa.nulls(n, pa.string())])
    if required:
        fast.slow |= nulls  # missing: the row validator words the problem
    else:
        fast.slow |= nulls  # no id: the content hash is computed row by row
    return out


_WS_BYTES = np.zeros(256, dtype=bool)
_WS_BYTES[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20]] = True
_LEAD_MULTI = np.zeros(256, dtype=bool)
_LEAD_MULTI[[0xC2, 0xE1, 0xE2, 0xE3]] = True  # lead bytes of the non-ASCII spaces


_NO_TEXT = np.zeros(1, dtype=np.uint8)
_NO_TEXT.flags.writeable = False  # read-only, as the buffers of Arrow arrays read


def _blank_or_padded(text: pa.ChunkedArray) -> BoolArray:
    """Text that is empty or starts or ends with a space (``str.isspace``), found from each
    value's first and last byte; values whose edge bytes might belong to a non-ASCII space
    are checked exactly with a regular expression."""
    from accord.core.engine.batch._jit import edges

    parts: list[BoolArray] = []
    for chunk in text.chunks:
        arr = chunk.cast(pa.string()) if not pa.types.is_string(chunk.type) else chunk
        n = len(arr)
        if n == 0:
            parts.append(np.zeros(0, dtype=bool))
            continue
        bufs = arr.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else None
        if data is None or data.size == 0:
            data = _NO_TEXT  # every value is empty
        sure, maybe = edges(offsets, data, _WS_BYTES, _LEAD_MULTI)
        if maybe.any():
            idx = np.flatnonzero(maybe)
            sub = pc.match_substring_regex(arr.take(pa.array(idx)), _PADDED)
            sure[idx] = np.asarray(sub.fill_null(False).to_numpy(zero_copy_only=False))
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        parts.append(sure & valid)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _days_from_civil(y: I64, m: I64, d: I64) -> I64:
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    out: I64 = era * 146097 + doe - 719468
    return out


def _ts_column(col: pa.ChunkedArray, fast: _Fast) -> tuple[I64, NDArray[np.signedinteger[Any]]]:
    n = fast.n
    if col.null_count:
        fast.slow |= np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    t = col.type
    if pa.types.is_timestamp(t):
        if t.tz is None:
            fast.slow |= True  # needs the source's zone, read with zoneinfo's rules row by row
            return np.zeros(n, np.int64), np.zeros(n, np.int64)
        from accord.core.engine.batch._jit import split_instants

        raw = col.cast(pa.int64())
        if raw.null_count:
            raw = raw.fill_null(0)
        per_second = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}[t.unit]
        # seconds and microseconds (floored, as datetime does; nanoseconds are dropped) in
        # one pass; out of the accepted span: the row validator rejects it with its reason
        sec, us = split_instants(
            np.asarray(raw.to_numpy(), dtype=np.int64),
            per_second,
            MIN_EVENT_INSTANT,
            MAX_EVENT_INSTANT,
            fast.slow,
        )
        return sec, us
    if not (pa.types.is_string(t) or pa.types.is_dictionary(t)):
        fast.slow |= True
        return np.zeros(n, np.int64), np.zeros(n, np.int64)
    text = col.cast(pa.string()) if pa.types.is_dictionary(t) else col
    parts = pc.extract_regex(text, _ISO)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    fast.slow |= ~matched

    def num(name: str) -> I64:
        f = pc.struct_field(parts, name)
        f = pc.if_else(pc.equal(f, ""), "0", f)
        return np.asarray(f.cast(pa.int64()).fill_null(0).to_numpy(), dtype=np.int64)

    names = [parts.type.field(i).name for i in range(parts.type.num_fields)]
    y, mo, d, h, mi, s = (num(k) for k in names[:6])
    frac_txt = pc.struct_field(parts, names[6])
    frac_len = np.asarray(pc.utf8_length(frac_txt).fill_null(0).to_numpy(), dtype=np.int64)
    frac = num(names[6]) * (10 ** (6 - frac_len))
    sign = pc.struct_field(parts, names[7])
    minus = np.asarray(pc.equal(sign, "-").fill_null(False).to_numpy(zero_copy_only=False))
    oh, om = num(names[8]), num(names[9])
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    mdays = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    dim = mdays[np.clip(mo - 1, 0, 11)] + ((mo == 2) & leap)
    valid = (
        (y >= 2) & (y <= 9998) & (mo >= 1) & (mo <= 12) & (d >= 1) & (d <= dim)
        & (h <= 23) & (mi <= 59) & (s <= 59) & (oh <= 23) & (om <= 59)
    )  # fmt: skip
    fast.slow |= matched & ~valid
    offset = (oh * 3600 + om * 60) * np.where(minus, -1, 1)
    sec = _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset
    fast.slow |= matched & ((sec < MIN_EVENT_INSTANT) | (sec >= MAX_EVENT_INSTANT))
    return sec, frac


def _choice_codes(
    col: pa.ChunkedArray, fast: _Fast, choices: dict[str, Any]
) -> tuple[NDArray[np.int32], list[Any]]:
    """Codes into ``list(choices.values())`` (-1: blank / not given)."""
    codes, values = _distinct(col, fast)
    names = list(choices)
    table = []
    bad = []
    for v in values:
        if _is_blank(v):
            table.append(-1)
            bad.append(False)
        elif isinstance(v, str) and v.strip().lower() in choices:
            table.append(names.index(v.strip().lower()))
            bad.append(False)
        else:
            table.append(-1)
            bad.append(True)
    tab = np.array([*table, -1], dtype=np.int32)
    badtab = np.array([*bad, False], dtype=bool)
    fast.slow |= lookup(badtab, codes)
    return lookup(tab, codes), names


def _public(col: pa.ChunkedArray, fast: _Fast) -> NDArray[np.int8]:
    if pa.types.is_boolean(col.type):
        # a true/false column (Parquet's own) is valid as it is: 1 / 0, -1 for null, with no
        # hashing of a million booleans to find their two values
        out: NDArray[np.int8] = np.empty(len(col), dtype=np.int8)
        at = 0
        for ch in col.chunks:
            n = len(ch)
            values = ch.buffers()[1] if n else None
            if values is None:
                out[at : at + n] = 0
            else:
                # the values' bits unpacked straight from the buffer (1 / 0), then -1 where null
                unpacked = np.unpackbits(np.frombuffer(values, dtype=np.uint8), bitorder="little")
                out[at : at + n] = unpacked[ch.offset : ch.offset + n]
            at += n
        if col.null_count:
            np.putmask(out, ~_valid_mask(col), np.int8(-1))
        return out
    codes, values = _distinct(col, fast)
    tab: list[int] = []
    bad: list[bool] = []
    for v in values:
        b: int | None
        if isinstance(v, bool):
            b = int(v)
        elif isinstance(v, int):
            b = v if v in (0, 1) else None
        elif isinstance(v, str):
            w = v.strip().lower()
            b = 1 if w in _TRUE else 0 if w in _FALSE else (-1 if not w else None)
        else:
            b = None
        tab.append(-1 if b is None else b)
        bad.append(b is None)
    t = np.array([*tab, -1], dtype=np.int8)
    fast.slow |= lookup(np.array([*bad, False], dtype=bool), codes)
    return lookup(t, codes)


@dataclass
class _FieldOut:
    """One field's value per row as it goes into the events table."""

    array: pa.Array | pa.ChunkedArray
    given: BoolArray  # the row sets the field


def _valid_mask(col: pa.ChunkedArray) -> BoolArray:
    """Rows with a value, unpacked from the validity bitmaps."""
    out = np.ones(len(col), dtype=bool)
    at = 0
    for ch in col.chunks:
        n = len(ch)
        if ch.null_count:
            arr = ch.indices if pa.types.is_dictionary(ch.type) else ch
            bits = np.unpackbits(np.frombuffer(arr.buffers()[0], np.uint8), bitorder="little")
            out[at : at + n] = bits[arr.offset : arr.offset + n]
        at += n
    return out


def _per_dictionary(
    col: pa.ChunkedArray, fn: Callable[[Any], str | None], *, same: bool = False
) -> pa.ChunkedArray | None:
    """A dictionary column whose every distinct value passes ``fn`` (which gives the text to
    keep, or ``None``: not plainly valid), with each chunk's dictionary mapped and its indices
    kept as they are (``same``: the texts are the values, the column is kept whole). ``None``
    when a value fails, or the column is not dictionary text: the general path decides."""
    from accord.core.engine.batch.columns import _dictionary_key

    if not (pa.types.is_dictionary(col.type) and pa.types.is_string(col.type.value_type)):
        return None
    mapped: dict[tuple[int, ...], pa.Array] = {}
    chunks: list[pa.Array] = []
    for ch in col.chunks:
        key = _dictionary_key(ch.dictionary)
        d = mapped.get(key)
        if d is None:
            texts = [fn(v) for v in ch.dictionary.to_pylist()]
            if any(t is None for t in texts):
                return None
            d = mapped[key] = ch.dictionary if same else pa.array(texts, type=pa.string())
        if not same:
            # the chunk's own indices over a dictionary of the same length
            chunks.append(pa.DictionaryArray.from_arrays(ch.indices, d, safe=False))
    return col if same else pa.chunked_array(chunks, type=col.type)


def _text_field(
    col: pa.ChunkedArray, fast: _Fast, is_status: bool, known: Callable[[str], bool]
) -> _FieldOut:
    def plain(v: Any) -> str | None:
        if _is_blank(v) or not isinstance(v, str) or (is_status and not known(v)):
            return None
        return v

    # the usual case: every distinct value is kept as it is, and the column as read
    kept = _per_dictionary(col, plain, same=True)
    if kept is not None:
        return _FieldOut(kept, _valid_mask(kept))
    codes, values = _distinct(col, fast)
    out_vals: list[str | None] = []
    bad: list[bool] = []
    for v in values:
        if _is_blank(v):
            out_vals.append(None)
            bad.append(False)
        elif isinstance(v, bool) or not isinstance(v, str | int):
            out_vals.append(None)
            bad.append(True)
        else:
            text = str(v)
            out_vals.append(text)
            bad.append(is_status and not known(text))
    dictionary = pa.array([v if v is not None else "" for v in out_vals], type=pa.string())
    if not any(bad) and all(v is not None for v in out_vals):
        # every distinct value is kept as it is (the usual case): the codes are the indices,
        # with no gathers by code
        present = codes >= 0
        idx = masked_array(codes, pa.int32(), present)
        return _FieldOut(pa.DictionaryArray.from_arrays(idx, dictionary), present)
    fast.slow |= lookup(np.array([*bad, False], dtype=bool), codes)
    present = lookup(np.array([v is not None for v in out_vals] + [False], dtype=bool), codes)
    idx = masked_array(np.where(present, codes, np.int32(0)), pa.int32(), present)
    return _FieldOut(pa.DictionaryArray.from_arrays(idx, dictionary), present)


def _tags_field(col: pa.ChunkedArray, fast: _Fast) -> _FieldOut:
    n = fast.n
    t = col.type
    if pa.types.is_string(t) or pa.types.is_dictionary(t):
        codes, values = _distinct(col, fast)
        lists: list[list[str] | None] = []
        for v in values:
            if _is_blank(v):
                lists.append(None)
            else:
                pieces = (p.strip() for p in str(v).split(TAG_SEPARATOR))
                lists.append([p for p in pieces if p])
        present = lookup(np.array([x is not None for x in lists] + [False], dtype=bool), codes)
        dictionary = pa.array([x if x is not None else [] for x in lists], pa.list_(pa.string()))
        # lists are gathered for the rows that have tags only; the offsets of all rows come
        # from the lists' sizes by code (most rows set no tags)
        sizes = np.array([len(x) if x is not None else 0 for x in lists] + [0], dtype=np.int32)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lookup(sizes, codes), out=offsets[1:])
        values = dictionary.take(pa.array(codes[present])).flatten()
        arr = pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(~present))
        return _FieldOut(arr, present)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        arr = col.combine_chunks().cast(pa.list_(pa.string()))
        present = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        flat = pc.list_flatten(arr)
        if len(flat):
            parents = pc.list_parent_indices(arr).to_numpy()
            ok = ~np.asarray(
                pc.match_substring_regex(flat, _BLANK)
                .fill_null(True)
                .to_numpy(zero_copy_only=False),
                dtype=bool,
            )
            bad_rows = np.zeros(n, dtype=bool)
            bad_rows[parents[~ok]] = True
            fast.slow |= bad_rows
        return _FieldOut(arr, present)
    nulls = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    fast.slow |= ~nulls
    return _FieldOut(pa.nulls(n, pa.list_(pa.string())), np.zeros(n, dtype=bool))


def _tagged_values(values: Sequence[Any]) -> tuple[list[str | None], list[bool]]:
    """Each distinct value of a custom field as tagged text (``None``: not set) and whether
    it is a problem for the row validator to word."""
    out_vals: list[str | None] = []
    bad: list[bool] = []
    for v in values:
        if _is_blank(v):
            out_vals.append(None)
            bad.append(False)
        elif isinstance(v, float) and not np.isfinite(v):
            out_vals.append(None)
            bad.append(True)
        elif isinstance(v, str | int | float):
            out_vals.append(encode_tagged(v))
            bad.append(False)
        else:
            out_vals.append(None)
            bad.append(True)
    return out_vals, bad


def _custom_field(col: pa.ChunkedArray, fast: _Fast, cell_text: bool) -> _FieldOut:
    """A custom field (or ``rating`` outside rating events) as tagged text."""
    # the usual case: every distinct value is fine; the dictionaries become tagged text
    tagged = _per_dictionary(col, lambda v: _tagged_values([v])[0][0])
    if tagged is not None:
        return _FieldOut(tagged, _valid_mask(tagged))
    codes, values = _distinct(col, fast)
    out_vals, bad = _tagged_values(values)
    del cell_text
    fast.slow |= lookup(np.array([*bad, False], dtype=bool), codes)
    present = lookup(np.array([v is not None for v in out_vals] + [False], dtype=bool), codes)
    dictionary = pa.array([v if v is not None else "" for v in out_vals], type=pa.string())
    idx = masked_array(np.where(present, codes, np.int32(0)), pa.int32(), present)
    return _FieldOut(pa.DictionaryArray.from_arrays(idx, dictionary), present)


def _rating_words(col: pa.ChunkedArray, is_rating: BoolArray, fast: _Fast) -> _FieldOut:
    """``rating``: normalised on rating events (good / bad / a number), a plain value else."""
    from accord.core.event_validation import _number

    codes, values = _distinct(col, fast)
    plain, plain_bad = _tagged_values(values)
    norm: list[str | None] = []
    bad: list[bool] = []
    for v in values:
        got: Any = None
        if isinstance(v, str):
            w = v.strip().lower()
            got = w if w in ("good", "bad") else _number(w)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            got = v
        norm.append(None if got is None else encode_tagged(got))
        bad.append(got is None and not _is_blank(v))
    fast.slow |= lookup(np.array([*plain_bad, False], dtype=bool), codes)
    fast.slow |= lookup(np.array([*bad, False], dtype=bool), codes) & is_rating
    present = lookup(np.array([v is not None for v in plain] + [False], dtype=bool), codes)
    # one dictionary holding both spellings: the plain value's, then the rating's (rating
    # events index the second half), so no row's text is built
    k = len(values)
    dictionary = pa.array([v if v is not None else "" for v in (*plain, *norm)], type=pa.string())
    idx = np.where(present, codes + np.where(is_rating, np.int32(k), np.int32(0)), np.int32(0))
    return _FieldOut(
        pa.DictionaryArray.from_arrays(masked_array(idx, pa.int32(), present), dictionary),
        present,
    )


def _validate_columns(
    table: pa.Table,
    status_category: StatusMapper | None,
    force_slow: BoolArray,
) -> _Fast:
    n = table.num_rows
    fast = _Fast(n, force_slow.copy())
    names = table.column_names

    def known(text: str) -> bool:
        if status_category is None or text.strip().casefold() in _CATEGORY_NAMES:
            return True
        return status_category(text) is not None

    sources: dict[str, list[tuple[str, pa.ChunkedArray]]] = {}
    for name in names:
        col = table.column(name)
        if name in TOP_LEVEL_KEYS and name != "fields":
            continue
        if name == "fields" or (not _plain_types(col) and name != "tags"):
            # a fields cell (JSON or struct), or a value type the row validator must judge
            fast.slow |= _set_mask(col)
            continue
        if name.startswith(FIELD_PREFIX):
            fname = name[len(FIELD_PREFIX) :]
            if not fname or fname in TOP_LEVEL_FIELDS:
                fast.slow |= _set_mask(col)
                continue
            sources.setdefault(fname, []).append((name, col))
        elif name in TOP_LEVEL_FIELDS:
            sources.setdefault(name, []).append((name, col))
        else:
            fast.slow |= _set_mask(col)  # an unknown column with a value: a problem
    for key in ("ticket_id", "ts", "kind"):
        if key not in names:
            fast.slow |= True
    if fast.slow.all():
        return fast
    _limits(table, fast)

    fast.columns["ticket_id"] = _id_column(table.column("ticket_id"), fast, required=True)
    if "event_id" in names:
        fast.columns["event_id"] = _id_column(table.column("event_id"), fast, required=False)
    else:
        fast.slow |= True
    ts, ts_us = _ts_column(table.column("ts"), fast)
    fast.columns["ts"] = pa.array(ts)
    fast.columns["ts_us"] = pa.array(ts_us.astype(np.int32, copy=False))
    kind_codes, kind_names = _choice_codes(table.column("kind"), fast, _KINDS)
    fast.slow |= kind_codes < 0
    kind_idx = np.maximum(kind_codes, 0)
    fast.columns["kind"] = pa.DictionaryArray.from_arrays(
        pa.array(kind_idx), pa.array(kind_names, type=pa.string())
    )
    is_message = kind_codes == kind_names.index("message")
    is_rating = kind_codes == kind_names.index("rating")
    no_fields = is_message | (kind_codes == kind_names.index("deleted"))
    if "actor" in names:
        a_codes, a_names = _choice_codes(table.column("actor"), fast, _ACTORS)
        has_actor = a_codes >= 0
        fast.columns["actor"] = pa.DictionaryArray.from_arrays(
            masked_array(np.maximum(a_codes, np.int32(0)), pa.int32(), has_actor),
            pa.array(a_names, pa.string()),
        )
    else:
        has_actor = np.zeros(n, dtype=bool)
    if "public" in names:
        pub = _public(table.column("public"), fast)
        fast.columns["public"] = masked_array(pub == 1, pa.bool_(), pub >= 0)
    else:
        pub = np.full(n, -1, dtype=np.int8)
    fast.slow |= is_message & (~has_actor | (pub < 0))

    any_field = np.zeros(n, dtype=bool)
    standard = np.zeros(n, dtype=bool)
    for fname, cols in sources.items():
        given = np.zeros(n, dtype=bool)
        outs: list[_FieldOut] = []
        for _label, col in cols:
            if fname == "tags":
                out = _tags_field(col, fast)
            elif fname in TEXT_FIELDS:
                out = _text_field(col, fast, fname == "status", known)
            elif fname == "rating":
                out = _rating_words(col, is_rating, fast)
            else:
                out = _custom_field(col, fast, cell_text=True)
            fast.slow |= given & out.given  # one field from two columns: the row decides
            given |= out.given
            outs.append(out)
        any_field |= given
        if fname in TEXT_FIELDS or fname == "tags":
            standard |= given
        key = fname if fname in TEXT_FIELDS or fname == "tags" else FIELD_PREFIX + fname
        arr = outs[0].array
        for extra in outs[1:]:
            arr = pc.if_else(pa.array(extra.given), extra.array, arr)
        fast.columns[key] = arr
        if fname == "rating":
            fast.slow |= is_rating & ~given
    if "rating" not in sources:
        fast.slow |= is_rating
    fast.slow |= no_fields & any_field
    fast.slow |= is_rating & standard
    fast.set_any = any_field
    return fast


# A tags cell of more bytes than this may hold a tag over its limit or more tags than allowed
# (n tags take at least 2n - 1 bytes): the row validator counts them.
_TAGS_CELL_BYTES = min(MAX_TAG_BYTES, 2 * MAX_TAGS)
# columns that add nothing to an event's size, and whose values are checked exactly anyway
_NOT_SIZED = frozenset({"ts", "kind", "actor", "public", "fields"})


def _cell_limit(name: str) -> int:
    if name in ("event_id", "ticket_id"):
        return MAX_ID_BYTES
    if name in TEXT_FIELDS:
        return MAX_STANDARD_VALUE_BYTES
    if name == "tags":
        return _TAGS_CELL_BYTES
    return MAX_CUSTOM_VALUE_BYTES  # rating and custom fields (unknown columns are slow anyway)


def _text_bytes(arr: pa.Array) -> tuple[I64, BoolArray]:
    """UTF-8 bytes of each text value (0 for null) and whether it holds a NUL character."""
    nbytes = np.asarray(pc.binary_length(arr).fill_null(0).to_numpy(), dtype=np.int64)
    nul = pc.match_substring(arr, "\x00").fill_null(False)
    return nbytes, np.asarray(nul.to_numpy(zero_copy_only=False), dtype=bool)


def _cell_bytes(col: pa.ChunkedArray, fast: _Fast) -> I64:
    """Each row's bytes in this column (numbers count :data:`NUMBER_BYTES`, a list its items);
    rows holding NUL, or list items over their limit, go to the row validator."""
    out = np.zeros(len(col), dtype=np.int64)
    nul = np.zeros(len(col), dtype=bool)
    at = 0
    for ch in col.chunks:
        n = len(ch)
        t = ch.type
        if pa.types.is_dictionary(t) and _plain_types(pa.chunked_array([ch.dictionary])):
            if pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type):
                d_bytes, d_nul = _text_bytes(ch.dictionary)
            else:
                d_bytes = np.full(len(ch.dictionary), NUMBER_BYTES, dtype=np.int64)
                d_nul = np.zeros(len(ch.dictionary), dtype=bool)
            idx = np.asarray(ch.indices.fill_null(-1).to_numpy(), dtype=np.int64)
            out[at : at + n] = np.append(d_bytes, 0)[idx]
            nul[at : at + n] = np.append(d_nul, False)[idx]
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            out[at : at + n], nul[at : at + n] = _text_bytes(ch)
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            flat = pc.list_flatten(ch)
            if len(flat) and (pa.types.is_string(flat.type) or pa.types.is_large_string(flat.type)):
                parents = np.asarray(pc.list_parent_indices(ch).to_numpy(), dtype=np.int64)
                f_bytes, f_nul = _text_bytes(flat)
                out[at : at + n] = np.bincount(parents, weights=f_bytes, minlength=n)
                bad = f_nul | (f_bytes > MAX_TAG_BYTES)
                nul[at : at + n] = np.bincount(parents[bad], minlength=n) > 0
            counts = pc.list_value_length(ch).fill_null(0).to_numpy()
            nul[at : at + n] |= np.asarray(counts, dtype=np.int64) > MAX_TAGS
        elif _plain_types(pa.chunked_array([ch])):
            valid = np.asarray(ch.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            out[at : at + n] = np.where(valid, NUMBER_BYTES, 0)
        at += n
    fast.slow |= nul
    return out


def _limits(table: pa.Table, fast: _Fast) -> None:
    """Rows that may break a limit of :mod:`accord.core.event_limits` (a cell over its size, a
    NUL, too many fields, too large an event) go to the row validator, which words the
    reason. The bounds here are upper bounds of what the validator measures: a column's name
    is at least its field's name, a cell at least its trimmed value."""
    n = fast.n
    size = np.zeros(n, dtype=np.int64)
    fields_set = np.zeros(n, dtype=np.int64)
    field_columns = 0
    for name in table.column_names:
        if name in _NOT_SIZED:
            continue
        col = table.column(name)
        if name.startswith(FIELD_PREFIX):
            bad_name = text_problem(name[len(FIELD_PREFIX) :], MAX_FIELD_NAME_BYTES, "name")
            if bad_name is not None:
                fast.slow |= _set_mask(col)
                continue
        nbytes = _cell_bytes(col, fast)
        fast.slow |= nbytes > _cell_limit(name)
        size += nbytes + utf8_size(name)
        if name not in ("event_id", "ticket_id"):
            field_columns += 1
            fields_set += _valid_mask(col)
    fast.slow |= size > MAX_EVENT_BYTES
    if field_columns > MAX_FIELDS:
        fast.slow |= fields_set > MAX_FIELDS


def _set_mask(col: pa.ChunkedArray) -> BoolArray:
    """Rows whose cell is not blank."""
    valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    t = col.type
    if pa.types.is_string(t) or pa.types.is_dictionary(t):
        text = col.cast(pa.string()) if pa.types.is_dictionary(t) else col
        return valid & ~_regex(text, _BLANK)
    return valid


# ------------------------------------------------------------------------------- assembling


def _events_table(fast: _Fast, rows: I64, seq: I64) -> pa.Table:
    """The plainly valid rows as an events table."""
    everything = rows.size == fast.n  # rows are distinct, sorted, in range: all of them
    take = pa.array(rows)

    def pick(a: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        return a if everything else a.take(take)

    arrays: list[pa.Array | pa.ChunkedArray] = []
    fields: list[pa.Field] = []
    for f in EVENTS_SCHEMA:
        if f.name == "seq":
            arr: Any = pa.array(seq)
        elif f.name == CLEARED:
            arr = pa.nulls(rows.size, f.type)
        elif f.name in fast.columns:
            arr = pick(fast.columns[f.name])
        else:
            arr = pa.nulls(rows.size, f.type)
        arrays.append(arr)
        fields.append(pa.field(f.name, arr.type))
    for name in sorted(k for k in fast.columns if k.startswith(FIELD_PREFIX)):
        arr = pick(fast.columns[name])
        arrays.append(arr)
        fields.append(pa.field(name, arr.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _conform(tables: Sequence[pa.Table]) -> pa.Table:
    """One table from several events tables whose optional columns and string encodings
    differ (plain text columns become dictionaries where any part is one)."""
    tables = [t for t in tables if t.num_rows] or list(tables[:1])
    if not tables:
        return events_to_table([])
    names: dict[str, pa.DataType] = {}
    for t in tables:
        for f in t.schema:
            prev = names.get(f.name)
            if prev is None or pa.types.is_dictionary(f.type):
                names[f.name] = f.type
    out = []
    for t in tables:
        cols = []
        for name, typ in names.items():
            if name in t.column_names:
                c = t.column(name)
                cols.append(c if c.type == typ else c.cast(typ))
            else:
                cols.append(pa.nulls(t.num_rows, typ))
        out.append(pa.Table.from_arrays(cols, names=list(names)))
    return pa.concat_tables(out)


@dataclass
class _Part:
    """The accepted events of one file, and how to find its rows again."""

    index: int
    source: _Source
    first_seq: int
    events: pa.Table


def _fallback(
    path: PathLike,
    fmt: str,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
    first_seq: int,
    quarantined: list[tuple[int, int, QuarantineRecord]],
    index: int,
) -> tuple[_Source, pa.Table, int]:
    """A whole file through the row reader's parsing and the row validator."""
    from accord.core.event_validation import validate_event
    from accord.io.readers import PARQUET_BATCH_ROWS, _raw_rows

    raws: list[dict[str, Any]] = []
    numbers: list[int] = []
    events: list[Event] = []
    name = os.fspath(path)
    for i, r in enumerate(_raw_rows(path, fmt, PARQUET_BATCH_ROWS)):
        raws.append(r.raw)
        numbers.append(r.row)
        if r.data is None:
            rec = QuarantineRecord(r.source, r.row, "*", r.problem or "unreadable row", r.raw)
            quarantined.append((index, r.row, rec))
            continue
        validate = validate_flat_row if r.flat else validate_event
        got = validate(
            r.data,
            source=r.source,
            row=r.row,
            seq=first_seq + i,
            source_tz=source_tz,
            status_category=status_category,
        )
        if isinstance(got, Event):
            events.append(got)
        else:
            quarantined.append((index, r.row, got))

    def raw(rows: I64) -> list[dict[str, Any]]:
        return [raws[i] for i in rows.tolist()]

    src = _Source(name, None, np.array(numbers, dtype=np.int64), raw, np.zeros(0, dtype=bool))
    return src, events_to_table(events), len(raws)


def read_columnar(
    paths: Iterable[PathLike],
    *,
    fmt: str | None = None,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
    deduplicate: bool = True,
) -> ColumnarRead:
    """Read event files into one events table; the same outcome as
    :func:`accord.io.readers.read_many` (see the module docstring). ``deduplicate=False``
    keeps every accepted row, repeated ``event_id`` values included, for a caller that
    deduplicates over more files than these (the Spark reader)."""
    with engine_memory():
        return _read_columnar(paths, fmt, source_tz, status_category, deduplicate)


def _read_columnar(
    paths: Iterable[PathLike],
    fmt: str | None,
    source_tz: tzinfo | None,
    status_category: StatusMapper | None,
    deduplicate: bool,
) -> ColumnarRead:
    result = ColumnarRead(events_to_table([]))
    parts: list[_Part] = []
    quarantined: list[tuple[int, int, QuarantineRecord]] = []
    for index, path in enumerate(paths):
        name = detect_format(path, fmt)
        first_seq = result.rows
        src: _Source | None = None
        if name == "jsonl":
            from accord.io.columnar_jsonl import jsonl_parts

            for part, bad, n, slow in jsonl_parts(
                path, index, first_seq, source_tz, status_category
            ):
                result.rows += n
                result.slow_rows += slow
                quarantined.extend((index, row, rec) for row, rec in bad)
                parts.append(part)
                first_seq += n
            continue
        if name == "parquet":
            src = _parquet_source(path)
        elif name == "csv":
            src = _csv_source(path)
        if src is None or src.table is None:
            src, table, n = _fallback(
                path, name, source_tz, status_category, first_seq, quarantined, index
            )
            result.rows += n
            result.slow_rows += n
            parts.append(_Part(index, src, first_seq, table))
            continue
        table = src.table
        result.rows += table.num_rows
        events, bad, slow = _validate_source(src, first_seq, source_tz, status_category)
        quarantined.extend((index, row, rec) for row, rec in bad)
        result.slow_rows += slow
        parts.append(_Part(index, src, first_seq, events))
    if not deduplicate:
        quarantined.sort(key=lambda x: (x[0], x[1]))
        result.quarantined = [q for *_k, q in quarantined]
        result.events = _conform([p.events for p in parts]) if parts else result.events
        result.event_rows = _event_rows(parts)
        return result
    events, dups, conflicts = _deduplicate(parts)
    result.duplicates = dups
    quarantined.extend(conflicts)
    quarantined.sort(key=lambda x: (x[0], x[1]))
    result.quarantined = [q for *_k, q in quarantined]
    result.events = events
    return result


def _event_rows(parts: Sequence[_Part]) -> I64:
    """The row number of every accepted event of ``parts``, in the order of their tables."""
    out = [np.zeros(0, dtype=np.int64)]
    for p in parts:
        if p.events.num_rows:
            at = np.asarray(p.events.column("seq").to_numpy(), dtype=np.int64) - p.first_seq
            out.append(np.asarray(p.source.row_numbers, dtype=np.int64)[at])
    return np.concatenate(out)


def validate_table(
    table: pa.Table,
    *,
    source: str,
    row_numbers: I64,
    first_seq: int = 0,
    source_tz: tzinfo | None = None,
    status_category: StatusMapper | None = None,
) -> tuple[pa.Table, list[QuarantineRecord]]:
    """Rows already in columns (a Parquet file's, a Spark DataFrame's Arrow batch) validated as
    :func:`read_columnar` validates a Parquet file's: the accepted events (``seq`` from
    ``first_seq`` on, in row order) and the quarantined rows, ``row_numbers`` naming each row.
    No deduplication: that needs every row of the log (see :func:`read_columnar`)."""
    n = table.num_rows

    def raw(rows: I64) -> list[dict[str, Any]]:
        part = table.take(pa.array(rows)).to_pylist()
        return [{str(k): _json_safe(v) for k, v in rec.items()} for rec in part]

    src = _Source(source, table, row_numbers, raw, np.zeros(n, bool))
    events, bad, _slow = _validate_source(src, first_seq, source_tz, status_category)
    return events, [rec for _row, rec in bad]


def _validate_source(
    src: _Source, first_seq: int, source_tz: tzinfo | None, status_category: StatusMapper | None
) -> tuple[pa.Table, list[tuple[int, QuarantineRecord]], int]:
    """One source's rows: the accepted events, the quarantined rows (by row number) and how
    many rows the row validator decided."""
    table = src.table
    assert table is not None
    n = table.num_rows
    quarantined: list[tuple[int, QuarantineRecord]] = []
    # validated a slice at a time: each pass then runs over arrays that stay in the
    # caches, instead of streaming every whole column from memory a dozen times
    goods: list[pa.Table] = []
    slow_parts: list[I64] = []
    for lo in range(0, n, VALIDATE_ROWS):
        m = min(VALIDATE_ROWS, n - lo)
        forced = src.force_slow[lo : lo + m]
        fast = _validate_columns(table.slice(lo, m), status_category, forced)
        ok = np.flatnonzero(~fast.slow)
        slow_parts.append(np.flatnonzero(fast.slow) + lo)
        if ok.size:
            goods.append(_events_table(fast, ok, first_seq + lo + ok.astype(np.int64)))
    slow = np.concatenate(slow_parts) if slow_parts else np.zeros(0, dtype=np.int64)
    slow_events: list[Event] = []
    if slow.size and src.judge is not None:
        for i in slow.tolist():
            row = int(src.row_numbers[i])
            got = src.judge(i, row, first_seq + i, source_tz, status_category)
            if isinstance(got, Event):
                slow_events.append(got)
            else:
                quarantined.append((row, got))
    elif slow.size:
        for i, raw in zip(slow.tolist(), src.raw(slow), strict=True):
            row = int(src.row_numbers[i])
            got = validate_flat_row(
                raw,
                source=src.name,
                row=row,
                seq=first_seq + i,
                source_tz=source_tz,
                status_category=status_category,
            )
            if isinstance(got, Event):
                slow_events.append(got)
            else:
                quarantined.append((row, got))
    return _conform([*goods, events_to_table(slow_events)]), quarantined, int(slow.size)


def _deduplicate(
    parts: Sequence[_Part],
) -> tuple[pa.Table, int, list[tuple[int, int, QuarantineRecord]]]:
    """Drop repeated ``event_id`` values as the row reader does: the first row wins; a later
    row with the same content is a duplicate, with other content it is quarantined."""
    if not parts:
        return events_to_table([]), 0, []
    events = _conform([p.events for p in parts])
    if events.num_rows == 0:
        return events, 0, []
    if not _ascending(events.column("seq")):
        order = np.argsort(events.column("seq").to_numpy(), kind="stable")
        events = events.take(pa.array(order))
    repeated = _repeated(events.column("event_id"))
    if repeated.size == 0:
        return events, 0, []
    starts = np.array([p.first_seq for p in parts], dtype=np.int64)
    dedupe = Deduplicator()
    drop: list[int] = []
    conflicts: list[tuple[int, int, QuarantineRecord]] = []
    sub = events.take(pa.array(repeated))
    for i, ev in zip(repeated.tolist(), events_from_table(sub), strict=True):
        part = parts[int(np.searchsorted(starts, ev.seq, side="right")) - 1]
        pos = np.array([ev.seq - part.first_seq], dtype=np.int64)
        row = int(part.source.row_numbers[pos[0]])
        got = dedupe.admit(ev, source=part.source.name, row=row, raw={})
        if isinstance(got, Duplicate):
            drop.append(i)
        elif isinstance(got, QuarantineRecord):
            drop.append(i)
            raw = part.source.raw(pos)[0]
            fixed = QuarantineRecord(got.source, got.row, got.field, got.reason, dict(raw))
            conflicts.append((part.index, row, fixed))
    keep = np.ones(events.num_rows, dtype=bool)
    keep[drop] = False
    return events.filter(pa.array(keep)), len(drop) - len(conflicts), conflicts


def _ascending(col: pa.ChunkedArray) -> bool:
    """Whether an integer column never decreases, chunk by chunk (no copy of the column)."""
    last: int | None = None
    for chunk in col.chunks:
        if len(chunk) == 0:
            continue
        v = np.asarray(chunk.to_numpy(zero_copy_only=False))
        if (last is not None and v[0] < last) or not bool(np.all(v[1:] >= v[:-1])):
            return False
        last = int(v[-1])
    return True


def _repeated(ids: pa.ChunkedArray) -> I64:
    """Positions of the rows whose id occurs more than once: equal 64-bit hashes first (one
    compiled pass over the text), then the candidates' ids compared exactly."""
    from accord.core.engine.batch._jit import shared_buckets, string_hashes

    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    text = ids.cast(pa.string()) if pa.types.is_dictionary(ids.type) else ids
    if not pa.types.is_string(text.type):
        text = text.cast(pa.string())
    h = np.empty(len(text), dtype=np.uint64)
    at = 0
    for chunk in text.chunks:
        # hashed straight from the Arrow buffers (a null hashes as its empty bytes)
        bufs = chunk.buffers()
        m = len(chunk)
        if m == 0:
            continue
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=m + 1, offset=chunk.offset * 4)
        data = (
            np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(1, np.uint8)
        )
        string_hashes(offsets, data, h[at : at + m])
        at += m
    # only rows whose hash bucket is shared can repeat: sort those hashes, not all of them
    shared = np.flatnonzero(shared_buckets(h)).astype(np.int64)
    if shared.size == 0:
        return np.zeros(0, dtype=np.int64)
    hs = h[shared]
    s = np.sort(hs)
    same = s[1:] == s[:-1]
    if not same.any():
        return np.zeros(0, dtype=np.int64)
    candidates = shared[np.isin(hs, s[1:][same])]
    exact = text.take(pa.array(candidates))
    codes, _values = _distinct(exact)
    counts = np.bincount(codes[codes >= 0], minlength=int(codes.max()) + 1)
    return candidates[counts[np.maximum(codes, 0)] > 1]
