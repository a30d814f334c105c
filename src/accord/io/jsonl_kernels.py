"""Compiled scanning of JSON Lines event blocks (numba): the byte-level half of
:mod:`accord.io.columnar_jsonl_scan`.

:func:`scan` reads a block of lines in one pass and keeps, for each line of the plain shape
events are written in, where each value sits in the block; a line outside that shape is only
marked, never guessed at. The plain shape is a strict subset of JSON whose meaning does not
depend on the parser:

- one object per line, with space, tab or carriage return around its tokens;
- keys and text values without escapes (no backslash) nor control characters;
- values: text, ``true``/``false``, whole numbers of at most 18 digits (no fraction, no
  exponent), lists of texts (not empty), and for the key ``fields`` one object (not empty)
  of such members;
- no key twice in the same object.

Anything else (``null``, a fraction, an escape, a nested object, an empty list, a duplicate
key, bytes after the object) marks the line for the row reader, which reads it as
:func:`accord.io.readers.read_many` does.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)

# line states
BLANK = 0  # spaces, tabs or carriage returns only: not a row
PLAIN = 1  # read here
OTHER = 2  # for the row reader (or a blank line by Python's wider idea of spaces)

# value kinds
TEXT = 1
INT = 2
BOOL = 3
LIST = 4

TABLE_SIZE = 1024
MAX_SLOTS = 256  # distinct (key, level) pairs in one block; more: the block is read by Arrow

_FIELDS = np.frombuffer(b"fields", dtype=np.uint8).copy()


@_jit
def _ws(c: int) -> bool:  # pragma: no cover - compiled
    return c == 32 or c == 9 or c == 13


@_jit
def _skip(buf: Any, p: int, end: int) -> int:  # pragma: no cover - compiled
    while p < end and (buf[p] == 32 or buf[p] == 9 or buf[p] == 13):
        p += 1
    return p


@_jit
def _string_end(buf: Any, p: int, end: int) -> int:  # pragma: no cover - compiled
    """``p`` is just after an opening quote: the closing quote's position, or -1 when the
    text holds an escape or a control character (or does not close on this line)."""
    while p < end:
        c = buf[p]
        if c == 34:
            return p
        if c == 92 or c < 32:
            return -1
        p += 1
    return -1


@_jit
def _delimiter(c: int) -> bool:  # pragma: no cover - compiled
    return c == 32 or c == 9 or c == 13 or c == 44 or c == 125 or c == 93


@_jit
def _slot(
    buf: Any,
    ks: int,
    ke: int,
    level: int,
    table: Any,
    slot_ks: Any,
    slot_ke: Any,
    slot_level: Any,
    n_slots: Any,
) -> int:  # pragma: no cover - compiled
    """The slot of a key (its bytes and level), added when new; -1 when the table is full."""
    # FNV-1a in signed 64-bit arithmetic (it wraps as the unsigned one does)
    h = np.int64(-3750763034362895579) ^ np.int64(level)
    for p in range(ks, ke):
        h = (h ^ np.int64(buf[p])) * np.int64(1099511628211)
    at = int(h & np.int64(TABLE_SIZE - 1))
    n = ke - ks
    while True:
        s = int(table[at])
        if s < 0:
            if n_slots[0] >= MAX_SLOTS:
                return -1
            s = int(n_slots[0])
            n_slots[0] += 1
            table[at] = s
            slot_ks[s] = ks
            slot_ke[s] = ke
            slot_level[s] = level
            return s
        if slot_level[s] == level and slot_ke[s] - slot_ks[s] == n:
            same = True
            o = slot_ks[s]
            for j in range(n):
                if buf[o + j] != buf[ks + j]:
                    same = False
                    break
            if same:
                return s
        at = (at + 1) & (TABLE_SIZE - 1)


@_jit
def scan(buf: Any, line_end: Any, colons: int, commas: int) -> Any:  # pragma: no cover
    """One block read (``line_end``: each line's newline or the block's end; ``colons`` and
    ``commas``: room for values and list items): lines (start, end, state), entries (line,
    slot, kind, a, b: a text's bytes, a number's value, true as 1, a list's item range), list
    items (start, end), the slots' keys (start, end, level: 0 top, 1 inside ``fields``) and a
    status (1: more keys than :data:`MAX_SLOTS`; 2: more values or items than there was room
    for)."""
    n_lines = line_end.size
    line_start = np.empty(n_lines, dtype=np.int64)
    state = np.empty(n_lines, dtype=np.int8)
    e_line = np.empty(colons, dtype=np.int32)
    e_slot = np.empty(colons, dtype=np.int32)
    e_kind = np.empty(colons, dtype=np.int8)
    e_a = np.empty(colons, dtype=np.int64)
    e_b = np.empty(colons, dtype=np.int64)
    it_a = np.empty(commas, dtype=np.int64)
    it_b = np.empty(commas, dtype=np.int64)
    table = np.full(TABLE_SIZE, -1, dtype=np.int32)
    slot_ks = np.zeros(MAX_SLOTS, dtype=np.int64)
    slot_ke = np.zeros(MAX_SLOTS, dtype=np.int64)
    slot_level = np.zeros(MAX_SLOTS, dtype=np.int8)
    slot_seen = np.full(MAX_SLOTS, -1, dtype=np.int64)  # the last line that set the slot
    n_slots = np.zeros(1, dtype=np.int64)
    # the slot that followed each slot last time (the last entry: a line's first key)
    guess = np.full(MAX_SLOTS + 1, -1, dtype=np.int64)
    ne = 0
    ni = 0
    status = 0
    start = 0
    for li in range(n_lines):
        end = line_end[li]
        line_start[li] = start
        e0 = ne
        i0 = ni
        ok = True
        p = _skip(buf, start, end)
        if p == end:
            state[li] = BLANK
            start = end + 1
            continue
        if buf[p] != 123:
            ok = False
        p += 1
        level = 0
        prev = MAX_SLOTS
        fields_seen = False
        members = 0
        while ok:
            p = _skip(buf, p, end)
            if p >= end:
                ok = False
                break
            c = buf[p]
            if c == 125:  # a closing brace
                if members == 0:
                    ok = False  # {} : left to the row reader
                    break
                p += 1
                if level == 1:
                    level = 0
                    members = 1  # back in the line's object (which holds ``fields``)
                    continue
                p = _skip(buf, p, end)
                if p != end:
                    ok = False  # something after the object
                break
            if members:
                if c != 44:
                    ok = False
                    break
                p = _skip(buf, p + 1, end)
                if p >= end:
                    ok = False
                    break
                c = buf[p]
            if c != 34:
                ok = False
                break
            ks = p + 1
            ke = _string_end(buf, ks, end)
            if ke < 0:
                ok = False
                break
            p = _skip(buf, ke + 1, end)
            if p >= end or buf[p] != 58:
                ok = False
                break
            p = _skip(buf, p + 1, end)
            if p >= end:
                ok = False
                break
            members += 1
            c = buf[p]
            if level == 0 and ke - ks == 6:
                is_fields = True
                for j in range(6):
                    if buf[ks + j] != _FIELDS[j]:
                        is_fields = False
                        break
                if is_fields:
                    if fields_seen or c != 123:
                        ok = False
                        break
                    fields_seen = True
                    level = 1
                    members = 0
                    p += 1
                    continue
            # keys mostly come in the same order line after line: the key that followed the
            # previous one last time is tried first, by its bytes, before hashing
            s = guess[prev]
            if s >= 0 and slot_level[s] == level and slot_ke[s] - slot_ks[s] == ke - ks:
                o = slot_ks[s]
                for j in range(ke - ks):
                    if buf[o + j] != buf[ks + j]:
                        s = -1
                        break
            else:
                s = -1
            if s < 0:
                s = _slot(buf, ks, ke, level, table, slot_ks, slot_ke, slot_level, n_slots)
                if s >= 0:
                    guess[prev] = s
            prev = s
            if s < 0:
                status = 1
                ok = False
                break
            if slot_seen[s] == li:
                ok = False  # a key given twice
                break
            slot_seen[s] = li
            if c == 34:
                vs = p + 1
                ve = _string_end(buf, vs, end)
                if ve < 0:
                    ok = False
                    break
                kind = TEXT
                a = vs
                b = ve
                p = ve + 1
            elif c == 116 or c == 102:  # true / false
                if (
                    c == 116
                    and p + 4 <= end
                    and buf[p + 1] == 114
                    and buf[p + 2] == 117
                    and buf[p + 3] == 101
                ):
                    a = 1
                    p += 4
                elif (
                    c == 102
                    and p + 5 <= end
                    and buf[p + 1] == 97
                    and buf[p + 2] == 108
                    and buf[p + 3] == 115
                    and buf[p + 4] == 101
                ):
                    a = 0
                    p += 5
                else:
                    ok = False
                    break
                kind = BOOL
                b = 0
                if p < end and not _delimiter(buf[p]):
                    ok = False
                    break
            elif c == 45 or (c >= 48 and c <= 57):
                neg = c == 45
                if neg:
                    p += 1
                d0 = p
                v = 0
                while p < end and buf[p] >= 48 and buf[p] <= 57:
                    v = v * 10 + (buf[p] - 48)
                    p += 1
                digits = p - d0
                if digits == 0 or digits > 18 or (digits > 1 and buf[d0] == 48):
                    ok = False
                    break
                if p < end and not _delimiter(buf[p]):
                    ok = False  # a fraction, an exponent or something else
                    break
                kind = INT
                a = -v if neg else v
                b = 0
            elif c == 91 and level == 1:  # a list of texts
                a = ni
                p = _skip(buf, p + 1, end)
                while True:
                    if p >= end or buf[p] != 34:
                        ok = False
                        break
                    vs = p + 1
                    ve = _string_end(buf, vs, end)
                    if ve < 0:
                        ok = False
                        break
                    if ni >= commas:
                        status = 2
                        ok = False
                        break
                    it_a[ni] = vs
                    it_b[ni] = ve
                    ni += 1
                    p = _skip(buf, ve + 1, end)
                    if p < end and buf[p] == 44:
                        p = _skip(buf, p + 1, end)
                        continue
                    if p < end and buf[p] == 93:
                        p += 1
                        break
                    ok = False
                    break
                if not ok:
                    break
                kind = LIST
                b = ni
            else:
                ok = False
                break
            if ne >= colons:
                status = 2
                ok = False
                break
            e_line[ne] = li
            e_slot[ne] = s
            e_kind[ne] = kind
            e_a[ne] = a
            e_b[ne] = b
            ne += 1
        if ok:
            state[li] = PLAIN
        else:
            state[li] = OTHER
            ne = e0
            ni = i0
            if status:
                break
        start = end + 1
    k = n_slots[0]
    return (
        line_start,
        line_end,
        state,
        e_line[:ne],
        e_slot[:ne],
        e_kind[:ne],
        e_a[:ne],
        e_b[:ne],
        it_a[:ni],
        it_b[:ni],
        slot_ks[:k],
        slot_ke[:k],
        slot_level[:k],
        status,
    )
