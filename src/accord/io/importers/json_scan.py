"""A compiled projection reader of a page of JSON records: the values of the keys of an
explicit schema written straight into column buffers, every other value skipped but checked
as JSON, in place of ``pyarrow.json`` (:mod:`json_scan_table` builds the Arrow table).

The schema comes flattened into a node table (:data:`NODE_FIELDS` columns a node; node 0 is
the record): a node is a text, a whole number, a boolean, an object of keyed children or a
list of one element node. Each node gets a slot per value its parent holds (a record, an
object or a list element): its validity, and in ``vals`` the text's or list's end offset, the
number or the boolean. A null or missing object makes each of its descendants outside lists
null too (``desc``), as Arrow's columns have them.

The reader is stricter than Arrow, never looser: whatever it cannot be sure Arrow reads alike
(a key written with escapes, ``NaN``, a number that might overflow a double, a whole number
of more than 18 digits, nesting deeper than :data:`MAX_DEPTH`, bytes that are not UTF-8 in a
read text) is ``BAD``, and the page is left to Arrow. What Arrow refuses is refused here:
a value of another kind than the schema's, a read key given twice, a lone surrogate or a raw
control character in any string, a float for a whole number, invalid JSON anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

# no reference counting (``_nrt=False``): the arrays passed to the helpers a value at a
# time were counted with atomic operations, half the scan's time; nothing here allocates
_NO_NRT: dict[str, Any] = {"_nrt": False}
_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(f: _F) -> _F:
    return cast(_F, numba.njit(f, cache=True, nogil=True, boundscheck=False, **_NO_NRT))


# node kinds
STR, INT, BOOL, OBJ, LIST = 0, 1, 2, 3, 4
# node table columns: kind, children (first, count) in ``kids``, key (offset, length) in
# ``keys``, nulled descendants (first, count) in ``desc``, slots (base, capacity) in the
# validity and value arenas, text bytes (base, capacity) in the data arena
KIND, KID0, NKIDS, KEY0, NKEY, DESC0, NDESC, VBASE, VCAP, DBASE, DCAP = range(11)
NODE_FIELDS = 11
# per-node counters: slots used, text bytes used, nulls
SLOTS, DLEN, NULLS = 0, 1, 2
# results of a scan
OK, BAD, SHORT = 0, 1, 2
MAX_DEPTH = 512  # containers in a skipped value; deeper: left to Arrow


@_jit
def _ws(buf: NDArray[np.uint8], i: int, e: int) -> int:  # pragma: no cover  (compiled)
    while i < e:
        c = buf[i]
        if c != 32 and c != 10 and c != 13 and c != 9:
            break
        i += 1
    return i


@_jit
def _hex4(buf: NDArray[np.uint8], i: int, e: int) -> int:  # pragma: no cover  (compiled)
    """The code unit of the four hex digits at ``i``, -1 when they are not."""
    if i + 4 > e:
        return -1
    v = 0
    for k in range(4):
        c = buf[i + k]
        if 48 <= c <= 57:
            d = c - 48
        elif 97 <= c <= 102:
            d = c - 87
        elif 65 <= c <= 70:
            d = c - 55
        else:
            return -1
        v = v * 16 + d
    return v


@_jit
def _escape(buf: NDArray[np.uint8], i: int, e: int) -> tuple[int, int]:  # pragma: no cover
    """The escape after the backslash at ``i - 1``: (code point, next position); the code
    point is -1 for an invalid escape or a lone surrogate (Arrow refuses both)."""
    if i >= e:
        return -1, i
    c = buf[i]
    if c == 34 or c == 92 or c == 47:
        return c, i + 1
    if c == 98:
        return 8, i + 1
    if c == 102:
        return 12, i + 1
    if c == 110:
        return 10, i + 1
    if c == 114:
        return 13, i + 1
    if c == 116:
        return 9, i + 1
    if c != 117:
        return -1, i
    u = _hex4(buf, i + 1, e)
    if u < 0 or 0xDC00 <= u <= 0xDFFF:
        return -1, i
    if u < 0xD800 or u > 0xDBFF:
        return u, i + 5
    # a high surrogate: a low one must follow
    if i + 7 > e or buf[i + 5] != 92 or buf[i + 6] != 117:
        return -1, i
    lo = _hex4(buf, i + 7, e)
    if lo < 0xDC00 or lo > 0xDFFF:
        return -1, i
    return 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00), i + 11


@_jit
def _utf8_len(buf: NDArray[np.uint8], i: int, e: int) -> int:  # pragma: no cover  (compiled)
    """The length of the well-formed UTF-8 sequence at ``i`` (its first byte >= 0x80), 0 when
    it is not one (as Python's decoder judges: no overlong form, surrogate or code > 0x10FFFF)."""
    c = buf[i]
    if 0xC2 <= c <= 0xDF:
        n, lo, hi = 2, 0x80, 0xBF
    elif c == 0xE0:
        n, lo, hi = 3, 0xA0, 0xBF
    elif 0xE1 <= c <= 0xEC or c == 0xEE or c == 0xEF:
        n, lo, hi = 3, 0x80, 0xBF
    elif c == 0xED:
        n, lo, hi = 3, 0x80, 0x9F
    elif c == 0xF0:
        n, lo, hi = 4, 0x90, 0xBF
    elif 0xF1 <= c <= 0xF3:
        n, lo, hi = 4, 0x80, 0xBF
    elif c == 0xF4:
        n, lo, hi = 4, 0x80, 0x8F
    else:
        return 0
    if i + n > e:
        return 0
    if buf[i + 1] < lo or buf[i + 1] > hi:
        return 0
    for k in range(2, n):
        b = buf[i + k]
        if b < 0x80 or b > 0xBF:
            return 0
    return n


@_jit
def _skip_string(buf: NDArray[np.uint8], i: int, e: int) -> int:  # pragma: no cover
    """The position after the string whose first byte (after its quote) is at ``i``, -1 when
    Arrow would refuse it (its bytes are not checked as UTF-8: Arrow does not either)."""
    while i < e:
        c = buf[i]
        if c == 34:
            return i + 1
        if c == 92:
            cp, i = _escape(buf, i + 1, e)
            if cp < 0:
                return -1
        elif c < 32:
            return -1
        else:
            i += 1
    return -1


@_jit
def _skip_number(buf: NDArray[np.uint8], i: int, e: int) -> int:  # pragma: no cover
    """The position after the JSON number at ``i``, -1 when it is not one or might not fit a
    double (Arrow refuses those): below 1e308 is sure (digits before the point, plus a
    positive exponent, at most 308; an exponent of at most 3 digits)."""
    if i < e and buf[i] == 45:
        i += 1
    if i >= e:
        return -1
    c = buf[i]
    if c == 48:
        i += 1
        digits = 0
    elif 49 <= c <= 57:
        j = i
        while i < e and 48 <= buf[i] <= 57:
            i += 1
        digits = i - j
    else:
        return -1
    if i < e and buf[i] == 46:
        i += 1
        j = i
        while i < e and 48 <= buf[i] <= 57:
            i += 1
        if i == j:
            return -1
    x = 0
    if i < e and (buf[i] == 101 or buf[i] == 69):
        i += 1
        minus = False
        if i < e and (buf[i] == 43 or buf[i] == 45):
            minus = buf[i] == 45
            i += 1
        j = i
        while i < e and 48 <= buf[i] <= 57:
            if i - j < 4:
                x = x * 10 + (buf[i] - 48)
            i += 1
        if i == j or i - j > 3:
            return -1
        if minus:
            x = 0
    if digits + x > 308:
        return -1
    return i


@_jit
def _skip_literal(buf: NDArray[np.uint8], i: int, e: int) -> int:  # pragma: no cover
    """The position after ``true``, ``false`` or ``null`` at ``i``, -1 for anything else."""
    c = buf[i]
    if c == 116:
        w0, w1, w2, w3, n = 114, 117, 101, 0, 4  # true
    elif c == 102:
        w0, w1, w2, w3, n = 97, 108, 115, 101, 5  # false
    elif c == 110:
        w0, w1, w2, w3, n = 117, 108, 108, 0, 4  # null
    else:
        return -1
    if i + n > e or buf[i + 1] != w0 or buf[i + 2] != w1 or buf[i + 3] != w2:
        return -1
    if n == 5 and buf[i + 4] != w3:
        return -1
    return i + n


@_jit
def _skip_value(
    buf: NDArray[np.uint8], i: int, e: int, stack: NDArray[np.uint8]
) -> int:  # pragma: no cover  (compiled)
    """The position after the JSON value at ``i`` (blanks before it skipped), -1 when it is
    not one Arrow reads."""
    depth = 0
    while True:
        # a value
        i = _ws(buf, i, e)
        if i >= e:
            return -1
        c = buf[i]
        if c == 123 or c == 91:  # { [
            i = _ws(buf, i + 1, e)
            if i >= e:
                return -1
            if buf[i] == c + 2:  # {} []
                i += 1
            else:
                depth += 1
                if depth >= MAX_DEPTH:
                    return -1
                stack[depth] = c
                if c == 123:  # the first key
                    if buf[i] != 34:
                        return -1
                    i = _skip_string(buf, i + 1, e)
                    if i < 0:
                        return -1
                    i = _ws(buf, i, e)
                    if i >= e or buf[i] != 58:
                        return -1
                    i += 1
                continue
        elif c == 34:
            i = _skip_string(buf, i + 1, e)
        elif c == 45 or 48 <= c <= 57:
            i = _skip_number(buf, i, e)
        else:
            i = _skip_literal(buf, i, e)
        if i < 0:
            return -1
        # after a value: close containers, or go on to the next member
        while True:
            if depth == 0:
                return i
            i = _ws(buf, i, e)
            if i >= e:
                return -1
            c = buf[i]
            if c == 44:
                i += 1
                if stack[depth] == 123:
                    i = _ws(buf, i, e)
                    if i >= e or buf[i] != 34:
                        return -1
                    i = _skip_string(buf, i + 1, e)
                    if i < 0:
                        return -1
                    i = _ws(buf, i, e)
                    if i >= e or buf[i] != 58:
                        return -1
                    i += 1
                break
            if c == stack[depth] + 2:
                i += 1
                depth -= 1
            else:
                return -1


@_jit
def _copy_string(
    buf: NDArray[np.uint8], i: int, e: int, data: NDArray[np.uint8], p: int, cap: int
) -> tuple[int, int]:  # pragma: no cover  (compiled)
    """Decode the string whose first byte (after its quote) is at ``i`` into ``data`` from
    ``p`` (bytes past ``cap`` counted, not written): (next position, new ``p``); the position
    is -1 when it is refused (bytes that are not UTF-8 among them)."""
    while i < e:
        c = buf[i]
        if c == 34:
            return i + 1, p
        if c == 92:
            cp, i = _escape(buf, i + 1, e)
            if cp < 0:
                return -1, p
            if cp < 0x80:
                n = 1
            elif cp < 0x800:
                n = 2
            elif cp < 0x10000:
                n = 3
            else:
                n = 4
            if p + n <= cap:
                if n == 1:
                    data[p] = cp
                elif n == 2:
                    data[p] = 0xC0 | (cp >> 6)
                    data[p + 1] = 0x80 | (cp & 0x3F)
                elif n == 3:
                    data[p] = 0xE0 | (cp >> 12)
                    data[p + 1] = 0x80 | ((cp >> 6) & 0x3F)
                    data[p + 2] = 0x80 | (cp & 0x3F)
                else:
                    data[p] = 0xF0 | (cp >> 18)
                    data[p + 1] = 0x80 | ((cp >> 12) & 0x3F)
                    data[p + 2] = 0x80 | ((cp >> 6) & 0x3F)
                    data[p + 3] = 0x80 | (cp & 0x3F)
            p += n
        elif c < 32:
            return -1, p
        elif c < 128:
            if p < cap:
                data[p] = c
            p += 1
            i += 1
        else:
            n = _utf8_len(buf, i, e)
            if n == 0:
                return -1, p
            for k in range(n):
                if p < cap:
                    data[p] = buf[i + k]
                p += 1
            i += n
    return -1, p


@_jit
def _whole(buf: NDArray[np.uint8], i: int, e: int) -> tuple[int, int]:  # pragma: no cover
    """The whole number at ``i``: (next position, value); the position is -1 for anything
    else (a fraction or exponent: Arrow refuses them for int64) or over 18 digits."""
    neg = False
    if i < e and buf[i] == 45:
        neg = True
        i += 1
    j = i
    v = 0
    while i < e and 48 <= buf[i] <= 57:
        v = v * 10 + (buf[i] - 48)
        i += 1
    n = i - j
    if n == 0 or n > 18 or (n > 1 and buf[j] == 48):
        return -1, 0
    if i < e and (buf[i] == 46 or buf[i] == 101 or buf[i] == 69):
        return -1, 0
    return i, -v if neg else v


@_jit
def _null(
    nodes: NDArray[np.int64],
    kids: NDArray[np.int64],
    m: int,
    count: NDArray[np.int64],
    valid: NDArray[np.uint8],
    vals: NDArray[np.int64],
) -> None:  # pragma: no cover  (compiled)
    """A null slot for node ``m`` alone (a text's or list's end offset unchanged)."""
    s = count[m, SLOTS]
    if s < nodes[m, VCAP]:
        k = nodes[m, VBASE] + s
        valid[k] = 0
        kind = nodes[m, KIND]
        if kind == STR:
            vals[k] = count[m, DLEN]
        elif kind == LIST:
            vals[k] = count[kids[nodes[m, KID0]], SLOTS]
        else:
            vals[k] = 0
    count[m, SLOTS] = s + 1
    count[m, NULLS] += 1


@_jit
def _null_tree(
    nodes: NDArray[np.int64],
    kids: NDArray[np.int64],
    desc: NDArray[np.int64],
    m: int,
    count: NDArray[np.int64],
    valid: NDArray[np.uint8],
    vals: NDArray[np.int64],
) -> None:  # pragma: no cover  (compiled)
    """A null slot for node ``m`` and, for an object, each descendant outside lists."""
    _null(nodes, kids, m, count, valid, vals)
    for k in range(nodes[m, DESC0], nodes[m, DESC0] + nodes[m, NDESC]):
        _null(nodes, kids, desc[k], count, valid, vals)


@_jit
def _slot(
    nodes: NDArray[np.int64],
    m: int,
    v: int,
    count: NDArray[np.int64],
    valid: NDArray[np.uint8],
    vals: NDArray[np.int64],
) -> int:  # pragma: no cover  (compiled)
    """A valid slot for node ``m`` holding ``v``; its index."""
    s = count[m, SLOTS]
    if s < nodes[m, VCAP]:
        k = nodes[m, VBASE] + s
        valid[k] = 1
        vals[k] = v
    count[m, SLOTS] = s + 1
    return int(s)


@_jit
def _kid(
    nodes: NDArray[np.int64],
    kids: NDArray[np.int64],
    keys: NDArray[np.uint8],
    n: int,
    src: NDArray[np.uint8],
    ks: int,
    kl: int,
) -> int:  # pragma: no cover  (compiled)
    """The child of object node ``n`` keyed ``src[ks:ks + kl]``, -1 for none."""
    for k in range(nodes[n, KID0], nodes[n, KID0] + nodes[n, NKIDS]):
        kid = kids[k]
        if nodes[kid, NKEY] == kl:
            k0 = nodes[kid, KEY0]
            same = True
            for t in range(kl):
                if keys[k0 + t] != src[ks + t]:
                    same = False
                    break
            if same:
                return int(kid)
    return -1


@_jit
def scan_page(
    buf: NDArray[np.uint8],
    starts: NDArray[np.int64],
    ends: NDArray[np.int64],
    nodes: NDArray[np.int64],
    kids: NDArray[np.int64],
    keys: NDArray[np.uint8],
    desc: NDArray[np.int64],
    count: NDArray[np.int64],
    valid: NDArray[np.uint8],
    vals: NDArray[np.int64],
    data: NDArray[np.uint8],
    frames: NDArray[np.int64],
    skip_stack: NDArray[np.uint8],
    key_scratch: NDArray[np.uint8],
) -> int:  # pragma: no cover  (compiled)
    """Read each record ``buf[starts[r]:ends[r]]`` (one JSON object, blanks around it) into
    the node table's slots: ``OK``; ``BAD`` when Arrow might read the page otherwise;
    ``SHORT`` when a node's slots or text bytes outgrew their capacity (``count`` then
    holds what the page needs). ``frames`` (5 rows of a node count and one) and
    ``skip_stack`` (``MAX_DEPTH + 1``) are the scan's scratch, and ``key_scratch`` for a
    key written with escapes (a longer one is ``BAD``)."""
    n_nodes = nodes.shape[0]
    count[:, :] = 0
    seen = frames[0]  # the object (serial) a key was last read in
    seen[:] = -1
    f_node = frames[1]
    f_state = frames[2]  # 1 opened, 0 after a value, 2 after a comma
    f_serial = frames[3]
    f_slot = frames[4]
    serial = 0
    for r in range(starts.size):
        e = ends[r]
        i = _ws(buf, starts[r], e)
        if i >= e or buf[i] != 123:
            return BAD
        i += 1
        d = 0
        f_node[0] = 0
        f_state[0] = 1
        f_serial[0] = serial
        serial += 1
        while True:
            i = _ws(buf, i, e)
            if i >= e:
                return BAD
            n = f_node[d]
            c = buf[i]
            state = f_state[d]
            if nodes[n, KIND] == OBJ:
                if c == 125:  # }
                    if state == 2:
                        return BAD
                    i += 1
                    sn = f_serial[d]
                    for k in range(nodes[n, KID0], nodes[n, KID0] + nodes[n, NKIDS]):
                        if seen[kids[k]] != sn:
                            _null_tree(nodes, kids, desc, kids[k], count, valid, vals)
                    d -= 1
                    if d < 0:
                        break
                    f_state[d] = 0
                    continue
                if state == 0:
                    if c != 44:
                        return BAD
                    f_state[d] = 2
                    i += 1
                    continue
                if c != 34:
                    return BAD
                ks = i + 1
                j = ks
                escaped = False
                while j < e and buf[j] != 34:
                    if buf[j] == 92:
                        escaped = True
                        j += 1  # (the escaped byte is checked by the decoding below)
                    elif buf[j] < 32:
                        return BAD
                    j += 1
                if j >= e:
                    return BAD
                if escaped:
                    # Arrow matches the key unescaped: decoded into the scratch first
                    j, kl = _copy_string(buf, ks, e, key_scratch, 0, key_scratch.size)
                    if j < 0 or kl > key_scratch.size:
                        return BAD
                    m = _kid(nodes, kids, keys, n, key_scratch, 0, kl)
                    i = _ws(buf, j, e)
                else:
                    m = _kid(nodes, kids, keys, n, buf, ks, j - ks)
                    i = _ws(buf, j + 1, e)
                if i >= e or buf[i] != 58:
                    return BAD
                i = _ws(buf, i + 1, e)
                f_state[d] = 0
                if m < 0:
                    i = _skip_value(buf, i, e, skip_stack)
                    if i < 0:
                        return BAD
                    continue
                if seen[m] == f_serial[d]:
                    return BAD  # a key given twice
                seen[m] = f_serial[d]
            else:  # a list
                if c == 93:  # ]
                    if state == 2:
                        return BAD
                    i += 1
                    k = nodes[n, VBASE] + f_slot[d]
                    if f_slot[d] < nodes[n, VCAP]:
                        vals[k] = count[kids[nodes[n, KID0]], SLOTS]
                    d -= 1
                    f_state[d] = 0
                    continue
                if state == 0:
                    if c != 44:
                        return BAD
                    f_state[d] = 2
                    i += 1
                    continue
                f_state[d] = 0
                m = kids[nodes[n, KID0]]
            # the value of node m at i
            if i >= e:
                return BAD
            c = buf[i]
            kind = nodes[m, KIND]
            if c == 110:  # null
                i = _skip_literal(buf, i, e)
                if i < 0:
                    return BAD
                _null_tree(nodes, kids, desc, m, count, valid, vals)
            elif kind == STR:
                if c != 34:
                    return BAD
                i, p = _copy_string(
                    buf,
                    i + 1,
                    e,
                    data[nodes[m, DBASE] :],
                    count[m, DLEN],
                    nodes[m, DCAP],
                )
                if i < 0:
                    return BAD
                count[m, DLEN] = p
                _slot(nodes, m, p, count, valid, vals)
            elif kind == INT:
                i, v = _whole(buf, i, e)
                if i < 0:
                    return BAD
                _slot(nodes, m, v, count, valid, vals)
            elif kind == BOOL:
                if c != 116 and c != 102:
                    return BAD
                i = _skip_literal(buf, i, e)
                if i < 0:
                    return BAD
                _slot(nodes, m, 1 if c == 116 else 0, count, valid, vals)
            elif kind == OBJ:
                if c != 123:
                    return BAD
                _slot(nodes, m, 0, count, valid, vals)
                i += 1
                d += 1
                f_node[d] = m
                f_state[d] = 1
                f_serial[d] = serial
                serial += 1
            else:
                if c != 91:
                    return BAD
                # the end offset is written when the list closes
                s = _slot(nodes, m, 0, count, valid, vals)
                i += 1
                d += 1
                f_node[d] = m
                f_state[d] = 1
                f_slot[d] = s
        if _ws(buf, i, e) != e:
            return BAD  # more than one value in the record
    for m in range(n_nodes):
        if count[m, SLOTS] > nodes[m, VCAP] or count[m, DLEN] > nodes[m, DCAP]:
            return SHORT
    return OK
