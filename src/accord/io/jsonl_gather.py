"""Compiled gathering of scanned JSON Lines values into Arrow buffers (numba): each column's
values copied once from the block's bytes (see :mod:`accord.io.jsonl_kernels`)."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from accord.io.jsonl_kernels import LIST, TEXT

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)


@_jit
def _space(cp: int) -> bool:  # pragma: no cover - compiled
    """``str.isspace`` for one code point."""
    if cp < 128:
        return (cp >= 9 and cp <= 13) or (cp >= 28 and cp <= 32)
    return (
        cp == 0x85
        or cp == 0xA0
        or cp == 0x1680
        or (cp >= 0x2000 and cp <= 0x200A)
        or cp == 0x2028
        or cp == 0x2029
        or cp == 0x202F
        or cp == 0x205F
        or cp == 0x3000
    )


@_jit
def _blank(buf: Any, a: int, b: int) -> bool:  # pragma: no cover - compiled
    """Whether the UTF-8 text ``buf[a:b]`` is empty or only spaces (``not text.strip()``)."""
    p = a
    while p < b:
        c = int(buf[p])
        if c < 0x80:
            cp = c
            p += 1
        elif c >= 0xF0:
            cp = ((c & 7) << 18) | ((int(buf[p + 1]) & 63) << 12)
            cp |= ((int(buf[p + 2]) & 63) << 6) | (int(buf[p + 3]) & 63)
            p += 4
        elif c >= 0xE0:
            cp = ((c & 15) << 12) | ((int(buf[p + 1]) & 63) << 6) | (int(buf[p + 2]) & 63)
            p += 3
        else:
            cp = ((c & 31) << 6) | (int(buf[p + 1]) & 63)
            p += 2
        if not _space(cp):
            return False
    return True


@_jit
def slot_kinds(e_slot: Any, e_kind: Any, n_slots: int) -> Any:  # pragma: no cover - compiled
    """Each slot's value kinds as bits (``1 << kind``)."""
    kinds = np.zeros(n_slots, dtype=np.int64)
    for j in range(e_slot.size):
        kinds[e_slot[j]] |= 1 << e_kind[j]
    return kinds


@_jit
def mark_lines(e_line: Any, e_slot: Any, odd: Any, slow: Any) -> None:  # pragma: no cover
    """Lines setting an ``odd`` slot are marked ``slow``."""
    for j in range(e_slot.size):
        if odd[e_slot[j]]:
            slow[e_line[j]] = True


@_jit
def gather(
    buf: Any,
    e_line: Any,
    e_slot: Any,
    e_a: Any,
    e_b: Any,
    it_a: Any,
    it_b: Any,
    line_row: Any,
    n: int,
    slot_col: Any,
    col_kind: Any,
) -> Any:  # pragma: no cover - compiled
    """Every column of a block in passes over its values in line order (the block's bytes
    read front to back, not once per column). ``slot_col`` gives each slot's column (-1:
    none), ``col_kind`` each column's kind. Returns per column its Arrow offsets into one
    shared text buffer (absolute: a text column starts where the previous one ends; a list
    column's offsets count its items), its numbers (true as 1; row ``col_num[c]`` of
    ``numbers``) and which rows are set; the
    shared text; the list items' offsets and text (one list column at most: ``tags``); and
    the rows holding a blank text or a blank list item."""
    n_cols = col_kind.size
    offsets = np.zeros((n_cols, n + 1), dtype=np.int32)
    # numbers only for the columns of numbers or true/false: row ``col_num[c]``
    col_num = np.full(n_cols, -1, dtype=np.int64)
    n_num = 0
    for c in range(n_cols):
        if col_kind[c] != TEXT and col_kind[c] != LIST:
            col_num[c] = n_num
            n_num += 1
    numbers = np.zeros((n_num, n), dtype=np.int64)
    valid = np.zeros((n_cols, n), dtype=np.bool_)
    blank = np.zeros(n, dtype=np.bool_)
    item_bytes = 0
    for j in range(e_slot.size):
        c = slot_col[e_slot[j]]
        r = line_row[e_line[j]]
        if c < 0 or r < 0:
            continue
        valid[c, r] = True
        kind = col_kind[c]
        if kind in (TEXT, LIST):
            offsets[c, r + 1] = e_b[j] - e_a[j]  # a text's bytes, a list's items
            if kind == LIST:
                for i in range(e_a[j], e_b[j]):
                    item_bytes += it_b[i] - it_a[i]
        else:
            numbers[col_num[c], r] = e_a[j]
    base = 0
    list_col = -1
    for c in range(n_cols):
        if col_kind[c] == LIST:
            list_col = c
            for r in range(n):
                offsets[c, r + 1] += offsets[c, r]
        elif col_kind[c] == TEXT:
            offsets[c, 0] = base
            for r in range(n):
                offsets[c, r + 1] += offsets[c, r]
            base = offsets[c, n]
    data = np.empty(base, dtype=np.uint8)
    n_items = offsets[list_col, n] if list_col >= 0 else 0
    items = np.zeros(n_items + 1, dtype=np.int32)
    item_data = np.empty(item_bytes, dtype=np.uint8)
    for j in range(e_slot.size):
        c = slot_col[e_slot[j]]
        r = line_row[e_line[j]]
        if c < 0 or r < 0:
            continue
        kind = col_kind[c]
        a = e_a[j]
        b = e_b[j]
        if kind == TEXT:
            o = offsets[c, r]
            for k in range(b - a):
                data[o + k] = buf[a + k]
            if _blank(buf, a, b):
                blank[r] = True
        elif kind == LIST:
            at = offsets[c, r]
            for i in range(a, b):
                items[at + 1] = it_b[i] - it_a[i]
                at += 1
    for i in range(n_items):
        items[i + 1] += items[i]
    if list_col >= 0:
        for j in range(e_slot.size):
            c = slot_col[e_slot[j]]
            r = line_row[e_line[j]]
            if c != list_col or r < 0:
                continue
            at = offsets[c, r]
            for i in range(e_a[j], e_b[j]):
                o = items[at]
                for k in range(it_b[i] - it_a[i]):
                    item_data[o + k] = buf[it_a[i] + k]
                if _blank(buf, it_a[i], it_b[i]):
                    blank[r] = True
                at += 1
    return offsets, numbers, col_num, valid, data, items, item_data, blank
