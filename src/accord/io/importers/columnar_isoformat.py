"""``datetime.isoformat()`` of many instants at once, written by one compiled pass into the
bytes of an Arrow text column (no Python string, no numpy text array a value).

An instant is its wall clock in microseconds since 1970 (local: where it was read) and, when
it is aware, its offset in minutes. The text is ``YYYY-MM-DDTHH:MM:SS``, then ``.ffffff`` when
the microseconds are not zero, then ``±HH:MM`` when aware, as ``isoformat`` writes them. The
tests hold it equal to ``isoformat`` of each datetime.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.core.engine.batch._jit import civil_date

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)

# the days from 1970-01-01 to 0001-01-01 and to 10000-01-01: the years ``datetime`` has
MIN_DAY, END_DAY = -719_162, 2_932_897
_US_DAY = 86_400_000_000


@_jit
def _digits(out: Any, at: int, value: int, width: int) -> None:  # pragma: no cover
    for k in range(width - 1, -1, -1):
        out[at + k] = 48 + value % 10
        value //= 10


@_jit
def _write(local: Any, aware: Any, off: Any) -> Any:  # pragma: no cover  (compiled)
    n = local.size
    offsets = np.empty(n + 1, dtype=np.int32)
    offsets[0] = 0
    for i in range(n):
        size = 19
        if local[i] % 1_000_000 != 0:
            size += 7
        if aware[i]:
            size += 6
        offsets[i + 1] = offsets[i] + size
    data = np.empty(offsets[n], dtype=np.uint8)
    for i in range(n):
        t = local[i]
        days = t // _US_DAY
        rest = t - days * _US_DAY
        y, m, d = civil_date(days)
        sec = rest // 1_000_000
        us = rest - sec * 1_000_000
        at = offsets[i]
        _digits(data, at, y, 4)
        data[at + 4] = 45  # -
        _digits(data, at + 5, m, 2)
        data[at + 7] = 45
        _digits(data, at + 8, d, 2)
        data[at + 10] = 84  # T
        _digits(data, at + 11, sec // 3600, 2)
        data[at + 13] = 58  # :
        _digits(data, at + 14, (sec // 60) % 60, 2)
        data[at + 16] = 58
        _digits(data, at + 17, sec % 60, 2)
        at += 19
        if us != 0:
            data[at] = 46  # .
            _digits(data, at + 1, us, 6)
            at += 7
        if aware[i]:
            o = off[i]
            data[at] = 45 if o < 0 else 43  # - or +
            o = -o if o < 0 else o
            _digits(data, at + 1, o // 60, 2)
            data[at + 3] = 58
            _digits(data, at + 4, o % 60, 2)
    return offsets, data


def isoformat_column(
    local: NDArray[np.int64], aware: NDArray[np.bool_], offset: NDArray[np.int64]
) -> pa.Array | None:
    """The ``isoformat`` text of each instant (``local``: its wall clock in µs since 1970;
    ``offset``: its offset in minutes where ``aware``), ``None`` when one falls outside the
    years 1 to 9999 or an offset reaches a day (no ``datetime`` has them: the caller's
    general path words them)."""
    local = np.ascontiguousarray(local, dtype=np.int64)
    offset = np.ascontiguousarray(offset, dtype=np.int64)
    aware = np.ascontiguousarray(aware, dtype=np.bool_)
    if local.size:
        days = local // _US_DAY
        if days.min() < MIN_DAY or days.max() >= END_DAY or np.abs(offset).max() >= 24 * 60:
            return None
    offsets, data = _write(local, aware, offset)
    n = int(local.size)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


__all__ = ["isoformat_column"]
