"""ISO 8601 instants in text columns read by one compiled pass (numba).

The columnar reader accepts in columns exactly the texts matching
``YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}](Z|z|±HH:MM)`` (ASCII digits) that name a real day and time
within the accepted span; any other text goes to the row validator, which words the reason.
:func:`iso_instants` decides this and computes the instant (seconds since the epoch, UTC, and
the microseconds) byte by byte, instead of a regular expression, ten substring columns and
their casts.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.core.timeutil import MAX_EVENT_INSTANT, MIN_EVENT_INSTANT

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)
_EMPTY = np.zeros(1, dtype=np.uint8)
_EMPTY.flags.writeable = False  # read-only, as Arrow's buffers read: one compiled version


@_jit
def _digits(data: Any, p: int, k: int) -> int:  # pragma: no cover - compiled
    """The number written by ``k`` ASCII digits at ``p``, or -1."""
    v = 0
    for j in range(p, p + k):
        c = data[j]
        if c < 48 or c > 57:
            return -1
        v = v * 10 + (c - 48)
    return v


@_jit
def _parse(
    offsets: Any, data: Any, valid: Any, lo: int, hi: int, sec: Any, frac: Any, slow: Any
) -> None:  # pragma: no cover - compiled
    mdays = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    for i in range(offsets.size - 1):
        sec[i] = 0
        frac[i] = 0
        if not valid[i]:
            slow[i] = True
            continue
        a = offsets[i]
        n = offsets[i + 1] - a
        if n < 20 or data[a + 4] != 45 or data[a + 7] != 45 or data[a + 13] != 58:
            slow[i] = True
            continue
        t = data[a + 10]
        if (t != 84 and t != 32) or data[a + 16] != 58:
            slow[i] = True
            continue
        y = _digits(data, a, 4)
        mo = _digits(data, a + 5, 2)
        d = _digits(data, a + 8, 2)
        h = _digits(data, a + 11, 2)
        mi = _digits(data, a + 14, 2)
        s = _digits(data, a + 17, 2)
        if y < 0 or mo < 0 or d < 0 or h < 0 or mi < 0 or s < 0:
            slow[i] = True
            continue
        p = 19
        f = 0
        if data[a + p] == 46:  # a fraction: one to six digits
            k = 0
            while (
                p + 1 + k < n and k < 7 and data[a + p + 1 + k] >= 48 and data[a + p + 1 + k] <= 57
            ):
                k += 1
            if k == 0 or k > 6:
                slow[i] = True
                continue
            f = _digits(data, a + p + 1, k)
            for _ in range(6 - k):
                f *= 10
            p += 1 + k
        if p >= n:
            slow[i] = True
            continue
        c = data[a + p]
        off = 0
        if c == 90 or c == 122:  # Z or z
            if p + 1 != n:
                slow[i] = True
                continue
        elif c == 43 or c == 45:  # + or -
            if p + 6 != n or data[a + p + 3] != 58:
                slow[i] = True
                continue
            oh = _digits(data, a + p + 1, 2)
            om = _digits(data, a + p + 4, 2)
            if oh < 0 or om < 0 or oh > 23 or om > 59:
                slow[i] = True
                continue
            off = oh * 3600 + om * 60
            if c == 45:
                off = -off
        else:
            slow[i] = True
            continue
        leap = (y % 4 == 0) and ((y % 100 != 0) or (y % 400 == 0))
        dim = mdays[mo - 1] + (1 if (mo == 2 and leap) else 0) if 1 <= mo <= 12 else 0
        if y < 2 or y > 9998 or mo < 1 or mo > 12 or d < 1 or d > dim:
            slow[i] = True
            continue
        if h > 23 or mi > 59 or s > 59:
            slow[i] = True
            continue
        # days from the civil date (proleptic Gregorian), as accord.io.columnar_cells does
        yy = y - (1 if mo <= 2 else 0)
        era = yy // 400
        yoe = yy - era * 400
        mp = (mo + 9) % 12
        doy = (153 * mp + 2) // 5 + d - 1
        doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
        days = era * 146097 + doe - 719468
        v = days * 86400 + h * 3600 + mi * 60 + s - off
        if v < lo or v >= hi:
            slow[i] = True
            continue
        sec[i] = v
        frac[i] = f


def iso_instants(
    col: pa.ChunkedArray, slow: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Seconds and microseconds of each text of ``col`` (a string column); rows whose text is
    not a plain ISO instant within the span are set in ``slow`` (their values are 0)."""
    n = len(col)
    sec = np.zeros(n, dtype=np.int64)
    frac = np.zeros(n, dtype=np.int64)
    at = 0
    for chunk in col.chunks:
        m = len(chunk)
        if m == 0:
            continue
        bufs = chunk.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=m + 1, offset=chunk.offset * 4)
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else _EMPTY
        if data.size == 0:
            data = _EMPTY
        valid = np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        _parse(
            offsets,
            data,
            valid,
            MIN_EVENT_INSTANT,
            MAX_EVENT_INSTANT,
            sec[at : at + m],
            frac[at : at + m],
            slow[at : at + m],
        )
        at += m
    return sec, frac
