"""Texts numbered in the order first seen, across the tables of an import, by one compiled
pass over an Arrow column's bytes: the ticket numbers of the columnar importer.

A Python dict did it once per distinct ticket of each table (a text made and hashed in
Python each, a tenth of a Jira import after the parse). Here the known texts' bytes are kept
in one growing buffer, found by an open-addressing table of their hashes (FNV-1a, 64 bits),
each candidate compared byte by byte, so two texts share a number only when equal.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@_jit
def _hash(data: Any, lo: int, hi: int) -> Any:  # pragma: no cover  (compiled)
    h = _FNV_OFFSET
    for k in range(lo, hi):
        h = (h ^ np.uint64(data[k])) * _FNV_PRIME
    return h


@_jit
def text_hashes(offs: Any, data: Any) -> Any:  # pragma: no cover  (compiled)
    """The hash of each text of a column (``offs``/``data``: its offsets and bytes)."""
    n = offs.size - 1
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = _hash(data, offs[i], offs[i + 1])
    return out


@_jit
def _number(
    offs: Any,
    data: Any,
    text_h: Any,
    slots: Any,
    hashes: Any,
    starts: Any,
    known: Any,
    count: int,
    used: int,
) -> Any:  # pragma: no cover  (compiled)
    """The number of each text (``offs``/``data``: the column's; ``text_h``: their hashes),
    adding the new ones to ``known`` (their bytes; ``starts``: where each begins) and the
    table (``slots``: a number + 1 per slot, 0 free; ``hashes``: each number's hash)."""
    n = offs.size - 1
    out = np.empty(n, dtype=np.int64)
    mask = np.uint64(slots.size - 1)
    for i in range(n):
        lo, hi = offs[i], offs[i + 1]
        h = text_h[i]
        s = h & mask
        while True:
            got = slots[s]
            if got == 0:  # a text not seen before
                size = hi - lo
                starts[count + 1] = used + size
                known[used : used + size] = data[lo:hi]
                used += size
                hashes[count] = h
                slots[s] = count + 1
                out[i] = count
                count += 1
                break
            c = got - 1
            if hashes[c] == h:
                a, b = starts[c], starts[c + 1]
                if b - a == hi - lo:
                    same = True
                    for k in range(b - a):
                        if known[a + k] != data[lo + k]:
                            same = False
                            break
                    if same:
                        out[i] = c
                        break
            s = (s + np.uint64(1)) & mask
    return out, count, used


@_jit
def _rehash(hashes: Any, count: int, size: int) -> Any:  # pragma: no cover  (compiled)
    slots = np.zeros(size, dtype=np.int64)
    mask = np.uint64(size - 1)
    for c in range(count):
        s = hashes[c] & mask
        while slots[s] != 0:
            s = (s + np.uint64(1)) & mask
        slots[s] = c + 1
    return slots


class TextNumbers:
    """Each distinct text's number, in the order first seen (over every column given)."""

    def __init__(self, capacity: int = 512) -> None:
        """(``capacity``: the texts and bytes room is made for at first; a power of two.)"""
        self.count = 0  # texts known
        self.used = 0  # their bytes
        self.slots = np.zeros(2 * capacity, dtype=np.int64)
        self.hashes = np.zeros(capacity, dtype=np.uint64)
        self.starts = np.zeros(capacity + 1, dtype=np.int64)
        self.known = np.zeros(capacity, dtype=np.uint8)
        self.hash_texts = text_hashes  # (the tests give texts equal hashes to compare bytes)

    def numbers(self, texts: pa.Array) -> NDArray[np.int64] | None:
        """The number of each text (``None`` for a column with a null: not numbered)."""
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        if texts.null_count:
            return None
        if texts.type != pa.string():
            texts = texts.cast(pa.string())
        n = len(texts)
        bufs = texts.buffers()
        offs = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=texts.offset * 4)
        data = (
            np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
        )
        self._room(n, int(offs[-1]) - int(offs[0]))
        offs64 = offs.astype(np.int64)
        out, self.count, self.used = _number(
            offs64, data, self.hash_texts(offs64, data), self.slots, self.hashes, self.starts,
            self.known, self.count, self.used,
        )  # fmt: skip
        return np.asarray(out, dtype=np.int64)

    def _room(self, more: int, more_bytes: int) -> None:
        """Room for ``more`` new texts of ``more_bytes`` bytes, the table at most half full."""
        need = self.count + more
        if need > self.hashes.size:
            size = max(need, 2 * self.hashes.size)
            self.hashes = _grown(self.hashes, size)
            self.starts = _grown(self.starts, size + 1)
        if self.used + more_bytes > self.known.size:
            self.known = _grown(self.known, max(self.used + more_bytes, 2 * self.known.size))
        if 2 * need > self.slots.size:
            size = self.slots.size
            while 2 * need > size:
                size *= 2
            self.slots = _rehash(self.hashes, self.count, size)


def _grown(a: NDArray[Any], size: int) -> NDArray[Any]:
    out = np.zeros(size, dtype=a.dtype)
    out[: a.size] = a
    return out


__all__ = ["TextNumbers"]
