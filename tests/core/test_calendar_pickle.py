"""A business calendar survives pickling (the batch engine sends configurations to worker
processes): the copy gives the same figures and compiles its own arrays."""

from __future__ import annotations

import pickle
import threading

import numpy as np

from accord.core.calendar import BusinessCalendar
from accord.core.timeutil import parse_as_of


def _calendar() -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        "ny",
        {
            "tz": "America/New_York",
            "hours": {"mon-fri": [["09:00", "17:00"]]},
            "closed_dates": [{"date": "2024-12-25"}],
            "versions": [
                {"effective_from": "2025-01-01", "hours": {"mon-thu": [["08:00", "18:00"]]}}
            ],
        },
    )


def test_pickled_calendar_gives_the_same_figures() -> None:
    original = _calendar()
    start = parse_as_of("2024-12-20T12:00:00Z")
    original.elapsed(start, start + 86400)  # compiled before pickling: the cache is not sent
    copy = pickle.loads(pickle.dumps(original))
    assert isinstance(copy, BusinessCalendar)
    assert copy.name == original.name and copy.spec == original.spec
    assert isinstance(copy._lock, type(threading.Lock()))
    starts = start + np.arange(0, 40 * 86400, 7919, dtype=np.int64)
    ends = starts + 3 * 86400
    assert np.array_equal(copy.elapsed_many(starts, ends), original.elapsed_many(starts, ends))
    secs = np.full(starts.size, 5 * 3600, dtype=np.int64)
    assert np.array_equal(copy.due_many(starts, secs), original.due_many(starts, secs))
    assert copy.describe() == original.describe()
