"""The importer's ISO pattern (:data:`columnar_instants._ISO_RE`) matched by one compiled pass.

:func:`iso_fields` gives, for each text of a string column, whether the whole text matches
``YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}][Z|z|±HH:MM|±HHMM]`` (ASCII digits) and the numbers of its
fields, exactly as the regular expression and the casts of its groups did, byte by byte
instead of a regular expression, a dozen substring columns and their casts. What a match
means (a real day, the span, the zone) is decided afterwards, as before, in columns.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

# the digits reader and the empty buffer of the events' ISO parse: the same bytes, read alike
from accord.io.iso_instants import _EMPTY
from accord.io.iso_instants import _digits as _num

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)

# the columns of :func:`iso_fields`' table
Y, MO, D, H, MI, S, FRAC, ZULU, OFFSET, MINUS, OH, OM = range(12)
FIELDS = 12


@_jit
def _match(offsets: Any, data: Any, valid: Any, out: Any, hit: Any) -> None:  # pragma: no cover
    for i in range(offsets.size - 1):
        hit[i] = False
        if not valid[i]:
            continue
        a = offsets[i]
        n = offsets[i + 1] - a
        if n < 19 or data[a + 4] != 45 or data[a + 7] != 45:
            continue
        t = data[a + 10]
        if (t != 84 and t != 32) or data[a + 13] != 58 or data[a + 16] != 58:
            continue
        y = _num(data, a, 4)
        mo = _num(data, a + 5, 2)
        d = _num(data, a + 8, 2)
        h = _num(data, a + 11, 2)
        mi = _num(data, a + 14, 2)
        s = _num(data, a + 17, 2)
        if y < 0 or mo < 0 or d < 0 or h < 0 or mi < 0 or s < 0:
            continue
        p = 19
        f = 0
        if p < n and data[a + p] == 46:  # "." and one to six digits (seven: no match)
            k = 0
            while p + 1 + k < n and 48 <= data[a + p + 1 + k] <= 57:
                k += 1
            if k == 0 or k > 6:
                continue
            f = _num(data, a + p + 1, k)
            for _ in range(6 - k):
                f *= 10
            p += 1 + k
        zulu = 0
        has_off = 0
        minus = 0
        oh = 0
        om = 0
        if p < n:
            c = data[a + p]
            if c == 90 or c == 122:  # Z or z, then the end
                if p + 1 != n:
                    continue
                zulu = 1
            elif c == 43 or c == 45:  # + or -, HH:MM or HHMM (Jira's), then the end
                if p + 6 == n and data[a + p + 3] == 58:
                    om = _num(data, a + p + 4, 2)
                elif p + 5 == n:
                    om = _num(data, a + p + 3, 2)
                else:
                    continue
                oh = _num(data, a + p + 1, 2)
                if oh < 0 or om < 0:
                    continue
                has_off = 1
                minus = 1 if c == 45 else 0
            else:
                continue
        row = out[i]
        row[0] = y
        row[1] = mo
        row[2] = d
        row[3] = h
        row[4] = mi
        row[5] = s
        row[6] = f
        row[7] = zulu
        row[8] = has_off
        row[9] = minus
        row[10] = oh
        row[11] = om
        hit[i] = True


def iso_fields(col: pa.Array) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """``(matched, fields)``: per text, whether it matches the importer's ISO pattern, and
    its fields (columns :data:`Y` … :data:`OM`; the fraction in microseconds; absent parts
    0). Rows that do not match have no meaningful fields."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    n = len(col)
    hit = np.zeros(n, dtype=bool)
    out = np.zeros((n, FIELDS), dtype=np.int64)
    at = 0
    for chunk in chunks:
        m = len(chunk)
        if m == 0:
            continue
        if chunk.type != pa.string():
            chunk = chunk.cast(pa.string())
        bufs = chunk.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=m + 1, offset=chunk.offset * 4)
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else _EMPTY
        if data.size == 0:
            data = _EMPTY
        valid = np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        _match(offsets, data, valid, out[at : at + m], hit[at : at + m])
        at += m
    return hit, out
