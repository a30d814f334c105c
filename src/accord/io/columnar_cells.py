"""The columnar reader's checks of single columns: ids, instants, choices, true/false."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.engine.batch._jit import lookup
from accord.core.engine.batch.columns import masked_array
from accord.core.events import Actor, Kind, StatusCategory
from accord.core.timeutil import MAX_EVENT_INSTANT, MIN_EVENT_INSTANT

BoolArray = NDArray[np.bool_]
I64 = NDArray[np.int64]


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
    from accord.io.iso_instants import iso_instants

    text = col.cast(pa.string()) if pa.types.is_dictionary(t) else col
    if pa.types.is_large_string(text.type):
        text = text.cast(pa.string())
    # the texts matching _ISO that name a real instant in the span, read in one compiled pass
    return iso_instants(text, fast.slow)


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


def _set_mask(col: pa.ChunkedArray) -> BoolArray:
    """Rows whose cell is not blank."""
    valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    t = col.type
    if pa.types.is_string(t) or pa.types.is_dictionary(t):
        text = col.cast(pa.string()) if pa.types.is_dictionary(t) else col
        return valid & ~_regex(text, _BLANK)
    return valid


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
