"""Counts per cell of several row masks over one cell key, in one pass.

The catalog's counts and shares weigh the same rows' cells (one key array per source, instant
column, dimensions and periods) by many masks. Instead of one weighted ``bincount`` per mask
(each a pass over every row, with its weights turned into floats), up to
:data:`MAX_BITS` masks are packed into one small code per row, ``key × 2^m + code`` is counted
once, and each mask's count in a cell is the sum over the codes with its bit set. Equal to
:func:`counts_one` mask by mask (property tests in ``tests/core/kpi/test_counting.py``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from accord.core.kpi.masks import Bool

I64 = npt.NDArray[np.int64]
MAX_BITS = 8  # masks per pass: one byte of code per row
MAX_BINS = 1 << 24  # bins of one pass (memory of the count table); fewer masks past it


def counts_one(keys: npt.NDArray[np.integer], size: int, mask: Bool) -> I64:
    """Rows of ``mask`` per cell ``0..size-1`` (``keys`` in ``0..size``, ``size`` being the
    overflow cell of the rows in no period): the straightforward weighted count."""
    got = np.bincount(keys, weights=mask, minlength=size + 1)
    return got[:size].astype(np.int64)


def counts_many(keys: npt.NDArray[np.integer], size: int, masks: list[Bool]) -> list[I64]:
    """:func:`counts_one` of each of ``masks``, in ``ceil(len(masks) / bits)`` passes."""
    bits = MAX_BITS
    while bits > 1 and (size + 1) << bits > MAX_BINS:
        bits -= 1
    if bits <= 1:
        return [counts_one(keys, size, m) for m in masks]
    out: list[I64] = []
    for i in range(0, len(masks), bits):
        chunk = masks[i : i + bits]
        if len(chunk) == 1:
            out.append(counts_one(keys, size, chunk[0]))
            continue
        width = 1 << len(chunk)
        code = np.zeros(len(keys), dtype=np.uint8)
        for j, m in enumerate(chunk):
            code |= np.ascontiguousarray(m, dtype=np.bool_).view(np.uint8) << np.uint8(j)
        packed = keys.astype(np.int64) * width
        packed += code
        table = np.bincount(packed, minlength=(size + 1) * width).reshape(size + 1, width)
        table = table[:size]
        codes = np.arange(width)
        for j in range(len(chunk)):
            out.append(table[:, (codes >> j) & 1 == 1].sum(axis=1).astype(np.int64))
    return out
