"""One field column of the column checks' candidates read in one compiled pass: which events
set a value, clear the field or are doubtful, and each set value's place among the distinct
values the column uses (in code order), where a dozen numpy passes over the batch did it."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from accord.io.importers.columnar_values import NAN, NONE

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)


@_jit
def _pass(
    codes: Any, given: Any, doubtful: Any, clear_doubts: bool, doubt: Any
) -> Any:  # pragma: no cover  (compiled)
    n = codes.size
    seen = np.zeros(doubtful.size, dtype=np.bool_)
    for i in range(n):
        c = codes[i]
        if given[i] and c >= 0:
            seen[c] = True
    at = np.zeros(doubtful.size, dtype=np.int32)
    used = 0
    for c in range(doubtful.size):
        if seen[c]:
            at[c] = used
            used += 1
    uniq = np.empty(used, dtype=np.int64)
    for c in range(doubtful.size):
        if seen[c]:
            uniq[at[c]] = c
    valid = np.zeros(n, dtype=np.bool_)
    cleared = np.zeros(n, dtype=np.bool_)
    idx = np.zeros(n, dtype=np.int32)
    for i in range(n):
        if not given[i]:
            continue
        c = codes[i]
        if c >= 0:
            valid[i] = True
            idx[i] = at[c]
            if doubtful[c]:
                doubt[i] = True
        elif c == NONE:
            if clear_doubts:
                doubt[i] = True
            else:
                cleared[i] = True
        elif c == NAN:
            doubt[i] = True
    return valid, cleared, idx, uniq


def field_codes(
    codes: NDArray[Any],
    given: NDArray[np.bool_],
    doubtful: NDArray[np.bool_],
    clear_doubts: bool,
    doubt: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.int32], NDArray[np.int64]]:
    """``(valid, cleared, idx, uniq)`` of a field column: ``valid`` the events setting a
    value (code >= 0), ``cleared`` those clearing it (``NONE``; with ``clear_doubts`` they
    are marked in ``doubt`` instead), ``uniq`` the value codes used, ascending, and ``idx``
    each valid event's place in ``uniq`` (0 elsewhere). ``doubt`` (updated in place) also
    gets the events setting ``NAN`` or a value ``doubtful`` marks (indexed by code)."""
    return _pass(  # type: ignore[no-any-return]
        np.ascontiguousarray(codes, dtype=np.int64),
        np.ascontiguousarray(given, dtype=np.bool_),
        np.ascontiguousarray(doubtful, dtype=np.bool_),
        clear_doubts,
        doubt,
    )


__all__ = ["field_codes"]
