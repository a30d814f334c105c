"""``np.lexsort`` of keys whose most significant one is a small group number (a record of
the batch), by one compiled pass: the items are put in group order by counting, then each
group's few items are sorted by the other keys by insertion (stable, as ``lexsort`` is).

A record has a handful of events or history items, so this is linear where ``lexsort``
sorts the whole batch once per key (a tenth of the Jira conversion). A group of more than
:data:`SMALL` items leaves the batch to ``np.lexsort``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)
SMALL = 64  # the largest group sorted by insertion


@_jit
def _grouped(group: Any, keys: Any, n_groups: int) -> Any:  # pragma: no cover  (compiled)
    n = group.size
    starts = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(n):
        starts[group[i] + 1] += 1
    for g in range(n_groups):
        starts[g + 1] += starts[g]
    fill = starts[:-1].copy()
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        g = group[i]
        out[fill[g]] = i
        fill[g] += 1
    m = keys.shape[0]
    for g in range(n_groups):
        a, b = starts[g], starts[g + 1]
        for j in range(a + 1, b):
            item = out[j]
            k = j - 1
            while k >= a:
                other = out[k]
                # is ``other`` after ``item``? (keys, most significant first; equal: no)
                after = False
                for r in range(m):
                    x, y = keys[r, other], keys[r, item]
                    if x != y:
                        after = x > y
                        break
                if not after:
                    break
                out[k + 1] = other
                k -= 1
            out[k + 1] = item
    return out


def lexsort_grouped(keys: Sequence[NDArray[Any]], group: NDArray[Any]) -> NDArray[np.int64]:
    """``np.lexsort((*keys, group))``: ``keys`` least significant first, as ``lexsort``
    takes them; ``group`` non-negative integers."""
    group = np.asarray(group, dtype=np.int64)
    n = group.size
    if not n:
        return np.zeros(0, dtype=np.int64)
    if int(group.min()) < 0:
        return np.asarray(np.lexsort((*keys, group)), dtype=np.int64)
    sizes = np.bincount(group)
    if int(sizes.max()) > SMALL:
        return np.asarray(np.lexsort((*keys, group)), dtype=np.int64)
    matrix = np.empty((len(keys), n), dtype=np.int64)
    for r, key in enumerate(reversed(keys)):
        matrix[r] = key
    out: NDArray[np.int64] = _grouped(group, matrix, int(sizes.size))
    return out


__all__ = ["SMALL", "lexsort_grouped"]
