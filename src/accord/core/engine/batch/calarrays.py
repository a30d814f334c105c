"""Vectorised calendar look-ups for the batch engine, over the compiled intervals of
:class:`accord.core.calendar.BusinessCalendar` (its public ``compiled`` and ``due_many``).

The batch engine asks for the business seconds of the stretches between consecutive events
and for due instants, for many tickets on several calendars at once; these helpers group the
questions by calendar. ``business_clock`` gives the cumulative business time ``B(t)`` of many
instants from one compiled snapshot (``elapsed(a, b) = B(b) - B(a)``); its values only mean
something relative to each other within one call, because the origin of the compiled arrays
moves when a calendar compiles earlier years.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from accord.core.calendar import NEVER, BusinessCalendar

Int64Array = NDArray[np.int64]
IntpArray = NDArray[np.intp]

__all__ = ["NEVER", "business_clock", "due_grouped", "elapsed_grouped"]


def business_clock(cal: BusinessCalendar, instants: Int64Array) -> Int64Array:
    """``B(t)`` for every instant: business seconds from a fixed origin to ``t``, all read from
    one compiled snapshot, so that differences between the results are business time."""
    if instants.size == 0:
        return np.zeros(0, dtype=np.int64)
    c = cal.compiled(int(instants.min()), int(instants.max()))
    i = np.searchsorted(c.starts, instants, side="right") - 1
    ok = i >= 0
    ic = np.maximum(i, 0)
    length = c.ends[ic] - c.starts[ic]
    inside = np.clip(instants - c.starts[ic], 0, length)
    return np.where(ok, c.cum[ic] + inside, c.cum[0] if c.cum.size else 0).astype(np.int64)


def elapsed_grouped(
    calendars: Mapping[int, BusinessCalendar],
    cal_of: NDArray[np.int32],
    starts: Int64Array,
    ends: Int64Array,
) -> Int64Array:
    """Business seconds of ``[starts[k], ends[k])`` on calendar ``cal_of[k]`` (0 where
    ``cal_of`` is -1): one ``elapsed_many`` call per calendar."""
    out = np.zeros(starts.size, dtype=np.int64)
    for cid, cal in calendars.items():
        idx = np.flatnonzero(cal_of == cid)
        if idx.size:
            out[idx] = cal.elapsed_many(starts[idx], ends[idx])
    return out


def due_grouped(
    calendars: Mapping[int, BusinessCalendar],
    cal_of: NDArray[np.int32],
    starts: Int64Array,
    seconds: Int64Array,
) -> Int64Array:
    """``due`` element-wise on calendar ``cal_of[k]``; :data:`NEVER` where unreachable or where
    ``cal_of`` is -1."""
    out = np.full(starts.size, NEVER, dtype=np.int64)
    for cid, cal in calendars.items():
        idx = np.flatnonzero(cal_of == cid)
        if idx.size:
            out[idx] = cal.due_many(starts[idx], seconds[idx])
    return out
