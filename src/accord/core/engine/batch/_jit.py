"""Compiled loops over events sorted by ticket (numba), behind typed wrappers.

A few steps of the batch engine are inherently sequential within a ticket — a forward fill,
the cycle rule of a clock — and as whole-array numpy they cost several passes each (index
arrays, accumulations, gathers). Here each is one compiled pass over the sorted events, still
with no Python-level loop per event. ``cache=True`` keeps the machine code on disk, so the
spawned worker processes and later runs load it instead of compiling again; the functions
take only arrays and scalars, so the same kernel runs inside any process (Spark included).
"""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

import numba
import numpy as np
from numpy.typing import NDArray

G = TypeVar("G", bound=np.generic)
BoolArray = NDArray[np.bool_]
I64 = NDArray[np.int64]

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)

_IN_PLACE = np.zeros(0, dtype=np.int64)  # no destinations: see scatter_codes

CycleArrays = tuple[
    I64, I64, I64, I64, BoolArray, I64, I64, I64, BoolArray, BoolArray, I64, I64, I64, BoolArray
]


@_jit
def _last_where(bounds: Any, mask: Any) -> Any:  # pragma: no cover - compiled
    out = np.empty(mask.size, dtype=np.int64)
    for k in range(bounds.size - 1):
        at = -1
        for j in range(bounds[k], bounds[k + 1]):
            if mask[j]:
                at = j
            out[j] = at
    return out


@_jit
def _fill(bounds: Any, mask: Any, values: Any, default: Any) -> Any:  # pragma: no cover
    out = np.empty(mask.size, dtype=values.dtype)
    for k in range(bounds.size - 1):
        v = default
        for j in range(bounds[k], bounds[k + 1]):
            if mask[j]:
                v = values[j]
            out[j] = v
    return out


def last_where(bounds: I64, mask: BoolArray) -> I64:
    """Per event, the latest event at or before it in its ticket where ``mask`` holds (-1:
    none); ``bounds`` as in :class:`.segments.Segments`."""
    out: I64 = _last_where(bounds, mask)
    return out


def fill(bounds: I64, mask: BoolArray, values: NDArray[G], default: int) -> NDArray[G]:
    """Forward fill within each ticket: ``values`` at the latest ``mask`` event, else
    ``default``."""
    out: NDArray[G] = _fill(bounds, mask, values, values.dtype.type(default))
    return out


@_jit
def _cycles(  # pragma: no cover - compiled
    bounds: Any,
    start: Any,
    stop: Any,
    cancel: Any,
    reopen: Any,
    reopen_new: Any,
    restart_on_stop: Any,
    stop_at_start: Any,
    restart: Any,
    repeat: bool,
    measured: Any,
    pause_table: Any,
    pv: Any,
    status: Any,
    bt: Any,
    most: int,
    track: bool,
) -> Any:
    n = start.size
    none_row = pause_table.shape[0] - 1
    # per cycle (``most``: at most one opens per event, and only at some events)
    c_ticket = np.empty(most, dtype=np.int64)
    c_number = np.empty(most, dtype=np.int64)
    c_open = np.empty(most, dtype=np.int64)
    c_close = np.empty(most, dtype=np.int64)
    c_cancel = np.zeros(most, dtype=np.bool_)
    c_base = np.empty(most, dtype=np.int64)
    c_elapsed = np.zeros(most, dtype=np.int64)
    c_paused = np.zeros(most, dtype=np.int64)
    c_open_end = np.zeros(most, dtype=np.bool_)
    c_is_paused = np.zeros(most, dtype=np.bool_)
    # per event: the counted (running) business seconds of the stretch after it
    e = np.zeros(n, dtype=np.int64)
    # per ticket: its first event whose version measures the metric (n: none)
    first_measured = np.full(bounds.size - 1, n, dtype=np.int64)
    # per event, only when tracked (attribution): the cycle the stretch after it counted
    # for (-1: none), and whether as paused time
    owner = np.full(n if track else 0, -1, dtype=np.int64)
    owned_paused = np.zeros(n if track else 0, dtype=np.bool_)
    m = 0
    for k in range(bounds.size - 1):
        b0 = bounds[k]
        b1 = bounds[k + 1]
        cur = -1  # the open cycle
        last = -1  # the ticket's latest cycle
        for j in range(b0, b1):
            if measured[j] and first_measured[k] == n:
                first_measured[k] = j
            if cur >= 0 and j > b0:
                # the stretch after the previous event, under the state after it
                i = j - 1
                if measured[i]:
                    if pause_table[pv[i] if pv[i] >= 0 else none_row, status[i]]:
                        c_paused[cur] += bt[i]
                        if track:
                            owned_paused[i] = True
                    else:
                        c_elapsed[cur] += bt[i]
                        e[i] = bt[i]
                    if track:
                        owner[i] = cur
                if restart[j]:
                    # priority / policy change with ``restart``: the clock starts again here
                    for q in range(c_base[cur], j):
                        e[q] = 0
                        if track:
                            owner[q] = -1
                    c_base[cur] = j
                    c_elapsed[cur] = 0
                    c_paused[cur] = 0
            opened = False
            if cur >= 0:
                if stop[j]:
                    c_close[cur] = j
                    c_cancel[cur] = False
                    cur = -1
                    if restart_on_stop[j]:
                        opened = True
                elif cancel[j]:
                    c_close[cur] = j
                    c_cancel[cur] = True
                    cur = -1
            elif reopen[j] and last >= 0 and not c_cancel[last]:
                if reopen_new[j]:
                    opened = True
                else:
                    cur = last
                    c_close[cur] = -1
            if not opened and cur < 0 and start[j] and (repeat or last < 0):
                opened = True
                if stop_at_start[j]:
                    # opened and stopped by the same event
                    c_ticket[m] = k
                    c_number[m] = (c_number[last] + 1) if last >= 0 else 1
                    c_open[m] = j
                    c_close[m] = j
                    c_base[m] = j
                    last = m
                    m += 1
                    opened = False
            if opened:
                c_ticket[m] = k
                c_number[m] = (c_number[last] + 1) if last >= 0 else 1
                c_open[m] = j
                c_close[m] = -1
                c_base[m] = j
                cur = m
                last = m
                m += 1
        if cur >= 0:
            i = b1 - 1
            paused_i = pause_table[pv[i] if pv[i] >= 0 else none_row, status[i]]
            if measured[i]:
                if paused_i:
                    c_paused[cur] += bt[i]
                    if track:
                        owned_paused[i] = True
                else:
                    c_elapsed[cur] += bt[i]
                    e[i] = bt[i]
                if track:
                    owner[i] = cur
            c_open_end[cur] = True
            c_is_paused[cur] = paused_i or not measured[i]
    # the running sum of counted seconds before each event (and after all)
    e_before = np.empty(n + 1, dtype=np.int64)
    total = 0
    for j in range(n):
        e_before[j] = total
        total += e[j]
    e_before[n] = total
    return (
        c_ticket[:m],
        c_number[:m],
        c_open[:m],
        c_close[:m],
        c_cancel[:m],
        c_base[:m],
        c_elapsed[:m],
        c_paused[:m],
        c_open_end[:m],
        c_is_paused[:m],
        e_before,
        first_measured,
        owner,
        owned_paused,
    )


def cycles(
    bounds: I64,
    start: BoolArray,
    stop: BoolArray,
    cancel: BoolArray,
    reopen: BoolArray,
    reopen_new: BoolArray,
    restart_on_stop: BoolArray,
    stop_at_start: BoolArray,
    restart: BoolArray,
    repeat: bool,
    measured: BoolArray,
    pause_table: BoolArray,
    pv: NDArray[np.int32],
    status: NDArray[np.int8],
    bt: I64,
    track: bool = False,
) -> CycleArrays:
    """The generic clock's cycle rule (``reference._run_clock``) over every ticket: per cycle
    (ticket, number, opening event, closing event or -1, cancelled, the event its counting
    restarted from, elapsed, paused, open at the end, paused at the end), per event (plus
    one) the business seconds counted as running before it (the running sum over the
    stretches after each earlier event), per ticket its first measured event, and, with
    ``track`` (else empty), per event the cycle its stretch counted for (-1: none) and whether
    as paused time. ``pause_table[version, status]`` says whether the clock is paused (its
    last row: no version)."""
    # a cycle opens only at a start, a reopening or a stop that restarts: the cycle arrays
    # need that many rows, not one per event
    most = int(np.count_nonzero(start | reopen | (stop & restart_on_stop)))
    out: CycleArrays = _cycles(
        bounds,
        start,
        stop,
        cancel,
        reopen,
        reopen_new,
        restart_on_stop,
        stop_at_start,
        restart,
        repeat,
        measured,
        pause_table,
        pv,
        status,
        bt,
        most,
        track,
    )
    return out


@_jit
def _holders(owner: Any, paused: Any, bt: Any, codes: Any) -> Any:  # pragma: no cover
    n = owner.size
    dims = codes.shape[1]
    most = 0
    for i in range(n):
        if owner[i] >= 0 and bt[i] > 0:
            most += 1
    r_cycle = np.empty(most, dtype=np.int64)
    r_first = np.empty(most, dtype=np.int64)
    r_run = np.zeros(most, dtype=np.int64)
    r_paused = np.zeros(most, dtype=np.int64)
    m = 0
    group = 0  # the first row of the current cycle
    cur = -1
    ordered = True
    for i in range(n):
        o = owner[i]
        if o < 0 or bt[i] <= 0:
            continue
        if o != cur:
            if o < cur:
                ordered = False
            cur = o
            group = m
        found = -1
        for r in range(group, m):
            f = r_first[r]
            same = True
            for d in range(dims):
                if codes[f, d] != codes[i, d]:
                    same = False
                    break
            if same:
                found = r
                break
        if found < 0:
            found = m
            r_cycle[m] = o
            r_first[m] = i
            m += 1
        if paused[i]:
            r_paused[found] += bt[i]
        else:
            r_run[found] += bt[i]
    return r_cycle[:m], r_first[:m], r_run[:m], r_paused[:m], ordered


def holders(
    owner: I64, paused: BoolArray, bt: I64, codes: NDArray[np.int32]
) -> tuple[I64, I64, I64, I64]:
    """One row per cycle and holder: the stretches after every event that counted business
    seconds for a cycle (``owner`` ≥ 0, ``bt`` > 0), grouped by cycle and by the row of
    ``codes`` (one code per dimension, per event). Per row: the cycle, the first event of
    the holder in the cycle (rows of a cycle in that order), its running and its paused
    seconds. The cycles of a metric never interleave (each counts in time order, and a
    reopened cycle is always its ticket's latest), which one pass relies on."""
    r_cycle, r_first, r_run, r_paused, ordered = _holders(owner, paused, bt, codes)
    if not ordered:
        raise AssertionError("the stretches of two cycles interleave")
    return r_cycle, r_first, r_run, r_paused


@_jit
def _crossing(  # pragma: no cover - compiled
    cyc: Any, x: Any, elapsed: Any, open_idx: Any, e_before: Any
) -> Any:
    m = cyc.size
    at = np.empty(m, dtype=np.int64)
    left = np.zeros(m, dtype=np.int64)
    top = e_before.size
    for i in range(m):
        k = cyc[i]
        xi = x[i]
        if xi <= 0:
            at[i] = -2
        elif elapsed[k] < xi:
            at[i] = -1
        else:
            # the last event whose running sum is still below the goal: its stretch crosses
            lo = open_idx[k]
            goal = e_before[lo] + xi
            hi = top
            while hi - lo > 1:
                mid = (lo + hi) >> 1
                if e_before[mid] < goal:
                    lo = mid
                else:
                    hi = mid
            at[i] = lo
            left[i] = goal - e_before[lo]
    return at, left


def crossing(cyc: I64, x: I64, elapsed: I64, open_idx: I64, e_before: I64) -> tuple[I64, I64]:
    """Where cycle ``cyc[i]`` reached ``x[i]`` counted seconds: ``(event, seconds left)``,
    the event whose stretch crosses ``x`` and the business seconds still needed from its
    instant; event -2 where ``x <= 0`` (at the start), -1 where the cycle never got there.
    ``e_before`` is the running sum of counted seconds before each event (and after all)."""
    out: tuple[I64, I64] = _crossing(cyc, x, elapsed, open_idx, e_before)
    return out


@_jit
def _shared_buckets(h: Any, bits: int, lo: Any, hi: Any, out: Any) -> None:  # pragma: no cover
    # only the buckets lo … hi - 1: threads given other ranges fill the other rows of ``out``
    mask = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    size = (hi - lo + np.uint64(7)) >> np.uint64(3)
    seen = np.zeros(size, dtype=np.uint8)
    twice = np.zeros(size, dtype=np.uint8)
    for i in range(h.size):
        b = h[i] & mask
        if b < lo or b >= hi:
            continue
        b -= lo
        byte = b >> np.uint64(3)
        bit = np.uint8(1) << np.uint8(b & np.uint64(7))
        if seen[byte] & bit:
            twice[byte] |= bit
        else:
            seen[byte] |= bit
    for i in range(h.size):
        b = h[i] & mask
        if b < lo or b >= hi:
            continue
        b -= lo
        if twice[b >> np.uint64(3)] & (np.uint8(1) << np.uint8(b & np.uint64(7))):
            out[i] = True


def shared_buckets(h: NDArray[np.uint64], threads: int = 1) -> BoolArray:
    """The rows whose hash shares its bucket (low bits, about 16 buckets a row) with another
    row: a superset of the rows with repeated hashes, found in two linear passes over two
    bitmaps instead of a sort of every hash. ``threads`` > 1: each thread takes a range of
    the buckets (and so a share of the bitmaps' scattered reads and writes), the same
    answer."""
    bits = max(16, int(h.size * 16).bit_length())
    out: BoolArray = np.zeros(h.size, dtype=np.bool_)
    buckets = 1 << bits
    cuts = [np.uint64(buckets * k // max(threads, 1)) for k in range(max(threads, 1) + 1)]
    if threads <= 1:
        _shared_buckets(h, bits, cuts[0], cuts[1], out)
        return out
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        done = [
            pool.submit(_shared_buckets, h, bits, lo, hi, out)
            for lo, hi in itertools.pairwise(cuts)
        ]
        for f in done:
            f.result()
    return out


@_jit
def _split_instants(  # pragma: no cover - compiled
    raw: Any, per_second: int, lo: int, hi: int, slow: Any
) -> Any:
    n = raw.size
    sec = np.empty(n, dtype=np.int64)
    us = np.empty(n, dtype=np.int32)
    for i in range(n):
        r = raw[i]
        s = r // per_second  # floored, as datetime floors
        sec[i] = s
        us[i] = (r - s * per_second) * 1_000_000 // per_second
        if s < lo or s >= hi:
            slow[i] = True
    return sec, us


def split_instants(
    raw: I64, per_second: int, lo: int, hi: int, slow: BoolArray
) -> tuple[I64, NDArray[np.int32]]:
    """Instants counted in ``1 / per_second`` s as (whole seconds, microseconds), floored;
    ``slow`` is set where the seconds fall outside ``[lo, hi)``."""
    out: tuple[I64, NDArray[np.int32]] = _split_instants(raw, per_second, lo, hi, slow)
    return out


FOUR_DIGIT_YEARS = (-30_610_224_000, 253_402_300_799)
"""The first and last instants (seconds) of the years 1000 to 9999."""

_OPEN = np.frombuffer(b'{"threshold": "', dtype=np.uint8)
_MID = np.frombuffer(b'", "at": "', dtype=np.uint8)


@_jit
def _two_digits(out: Any, p: int, v: int) -> None:  # pragma: no cover - compiled
    out[p] = 48 + v // 10
    out[p + 1] = 48 + v % 10


@_jit
def civil_date(days: int) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """The proleptic Gregorian (year, month, day) of a day count since 1970-01-01, by Howard
    Hinnant's algorithm (floor division throughout, as in numpy), for compiled callers."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if m <= 2 else 0), m, d


@_jit
def _iso_into(t: Any, out: Any, p: int) -> None:  # pragma: no cover - compiled
    # YYYY-MM-DDTHH:MM:SSZ of a four-digit year
    days = t // 86400
    secs = t - days * 86400
    y, m, d = civil_date(days)
    hh = secs // 3600
    mm = secs // 60 % 60
    ss = secs % 60
    _two_digits(out, p, y // 100)
    _two_digits(out, p + 2, y % 100)
    out[p + 4] = 45  # -
    _two_digits(out, p + 5, m)
    out[p + 7] = 45
    _two_digits(out, p + 8, d)
    out[p + 10] = 84  # T
    _two_digits(out, p + 11, hh)
    out[p + 13] = 58  # :
    _two_digits(out, p + 14, mm)
    out[p + 16] = 58
    _two_digits(out, p + 17, ss)
    out[p + 19] = 90  # Z


@_jit
def _warning_lists(  # pragma: no cover - compiled
    total: int,
    where: Any,
    label: Any,
    at: Any,
    label_bytes: Any,
    label_at: Any,
    opening: Any,
    mid: Any,
) -> Any:
    offsets = np.empty(total + 1, dtype=np.int32)
    size = 2 * total
    for i in range(where.size):
        lab = label[i]
        size += opening.size + mid.size + 22 + label_at[lab + 1] - label_at[lab]
        if i > 0 and where[i - 1] == where[i]:
            size += 2
    data = np.empty(size, dtype=np.uint8)
    p = 0
    k = 0
    for r in range(total):
        offsets[r] = p
        data[p] = 91  # [
        p += 1
        first = True
        while k < where.size and where[k] == r:
            if not first:
                data[p] = 44  # ,
                data[p + 1] = 32
                p += 2
            first = False
            for b in opening:
                data[p] = b
                p += 1
            lab = label[k]
            for q in range(label_at[lab], label_at[lab + 1]):
                data[p] = label_bytes[q]
                p += 1
            for b in mid:
                data[p] = b
                p += 1
            _iso_into(at[k], data, p)
            p += 20
            data[p] = 34  # "
            data[p + 1] = 125  # }
            p += 2
            k += 1
        data[p] = 93  # ]
        p += 1
    offsets[total] = p
    return offsets, data


def warning_lists(
    total: int,
    where: NDArray[np.int64],
    label: NDArray[np.int64],
    at: NDArray[np.int64],
    labels: list[str],
) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """The JSON text of ``total`` warning lists, as Arrow string buffers (offsets, bytes):
    list ``r`` holds, in order, the items ``i`` with ``where[i] == r`` (``where`` ascending),
    each ``{"threshold": labels[label[i]], "at": iso(at[i])}``, as the records writer spells
    them; a list without items is ``[]``. Every instant must be of a four-digit year
    (:data:`FOUR_DIGIT_YEARS`)."""
    encoded = [x.encode("utf-8") for x in labels]
    label_at = np.zeros(len(encoded) + 1, dtype=np.int64)
    label_at[1:] = np.cumsum([len(x) for x in encoded])
    label_bytes = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
    out: tuple[NDArray[np.int32], NDArray[np.uint8]] = _warning_lists(
        total, where, label, at, label_bytes, label_at, _OPEN, _MID
    )
    return out


def decode_indices(
    data: NDArray[np.integer[Any]],
    bits: NDArray[np.uint8],
    bit_offset: int,
    table: NDArray[np.int32],
    out: NDArray[np.int32],
) -> None:
    """Dictionary indices into ``out`` in one pass: -1 where the validity bitmap ``bits``
    (empty: no nulls; bit ``bit_offset + i`` for index ``i``) says null, else the index,
    mapped through ``table`` unless it is empty."""
    _scatter_codes(data, bits, bit_offset, table, _IN_PLACE, out)


@_jit
def _group_stable(keys: Any, count: int) -> Any:  # pragma: no cover - compiled
    start = np.zeros(count + 1, dtype=np.int64)
    for i in range(keys.size):
        start[keys[i] + 1] += 1
    for k in range(count):
        start[k + 1] += start[k]
    out = np.empty(keys.size, dtype=np.int64)
    for i in range(keys.size):
        k = keys[i]
        out[start[k]] = i
        start[k] += 1
    return out


def group_stable(keys: I64, count: int) -> I64:
    """The stable order of ``keys`` (integers ``0 … count - 1``): a counting sort, two
    linear passes instead of a comparison sort."""
    out: I64 = _group_stable(keys, count)
    return out


@_jit
def _string_hashes(offsets: Any, data: Any, out: Any) -> None:  # pragma: no cover
    for i in range(out.size):
        # FNV-1a over the bytes, then the splitmix64 finaliser (the low bits pick buckets)
        h = np.uint64(0xCBF29CE484222325)
        for q in range(offsets[i], offsets[i + 1]):
            h = (h ^ np.uint64(data[q])) * np.uint64(0x100000001B3)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
        out[i] = h


def string_hashes(
    offsets: NDArray[np.integer[Any]], data: NDArray[np.uint8], out: NDArray[np.uint64]
) -> None:
    """A 64-bit hash of every value of an Arrow string array into ``out``, read from its
    offsets and bytes buffers (``len(offsets) - 1`` values)."""
    _string_hashes(offsets, data, out)


@_jit
def _order_within(rank: Any, when: Any, seq: Any) -> Any:  # pragma: no cover - compiled
    n = rank.size
    perm = np.arange(n)
    moved = 0
    limit = 4 * n + 1024
    i = 0
    while i < n:
        j = i + 1
        while j < n and rank[j] == rank[i]:
            j += 1
        if j < n and rank[j] < rank[i]:
            return False, perm  # not grouped by rank
        # insertion sort of the group by (when, seq); stable: ties keep their order
        for a in range(i + 1, j):
            x = perm[a]
            b = a - 1
            while b >= i and (
                when[perm[b]] > when[x] or (when[perm[b]] == when[x] and seq[perm[b]] > seq[x])
            ):
                perm[b + 1] = perm[b]
                b -= 1
                moved += 1
            perm[b + 1] = x
            if moved > limit:
                return False, perm  # far from sorted: a general sort does better
        i = j
    return True, perm


def order_within(rank: I64, when: I64, seq: I64) -> I64 | None:
    """The stable order of rows by (rank, when, seq) when they are already grouped by
    ``rank`` and nearly in order within each group (a log in about time order, cut into
    partitions by :func:`.parallel.compute_batch`): an insertion sort within each group,
    linear on such rows. None when they are not grouped, or too far from sorted for that."""
    ok, perm = _order_within(rank, when, seq)
    if not ok:
        return None
    out: I64 = perm
    return out


@_jit
def _order_rows(  # pragma: no cover - compiled
    rank: Any, ts: Any, ts_us: Any, seq: Any, rows: Any
) -> Any:
    n = rows.size
    perm = rows.copy()
    moved = 0
    limit = 4 * n + 1024
    i = 0
    while i < n:
        r = rank[rows[i]]
        j = i + 1
        while j < n and rank[rows[j]] == r:
            j += 1
        if j < n and rank[rows[j]] < r:
            return False, perm  # not grouped by rank
        # insertion sort of the group by (ts, ts_us, seq); stable: ties keep their order
        for a in range(i + 1, j):
            x = perm[a]
            wx = ts[x] * 1_000_000 + ts_us[x]
            sx = seq[x]
            b = a - 1
            while b >= i:
                y = perm[b]
                wy = ts[y] * 1_000_000 + ts_us[y]
                if wy > wx or (wy == wx and seq[y] > sx):
                    perm[b + 1] = y
                    b -= 1
                    moved += 1
                else:
                    break
            perm[b + 1] = x
            if moved > limit:
                return False, perm  # far from sorted: a general sort does better
        i = j
    return True, perm


def order_rows(rank: I64, ts: I64, ts_us: I64, seq: I64, rows: I64) -> I64 | None:
    """:func:`order_within` read through ``rows`` (indices into the whole arrays), the
    instants' key made on the fly: ``rows`` reordered by (rank, ts, ts_us, seq) when they
    are grouped by rank and nearly in order within each group, else None. Gathering the
    four arrays by ``rows`` first cost as much as the sort itself."""
    ok, perm = _order_rows(rank, ts, ts_us, seq, rows)
    if not ok:
        return None
    out: I64 = perm
    return out


@_jit
def _segments(codes: Any, rows: Any) -> Any:  # pragma: no cover - compiled
    n = rows.size
    count = 0
    for j in range(n):
        if j == 0 or codes[rows[j]] != codes[rows[j - 1]]:
            count += 1
    bounds = np.empty(count + 1, dtype=np.int64)
    ticket = np.empty(n, dtype=np.int64)
    head = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.bool_)
    last = np.empty(n, dtype=np.bool_)
    k = -1
    h = 0
    for j in range(n):
        opens = j == 0 or codes[rows[j]] != codes[rows[j - 1]]
        if opens:
            k += 1
            bounds[k] = j
            h = j
        first[j] = opens
        ticket[j] = k
        head[j] = h
        last[j] = j == n - 1 or codes[rows[j + 1]] != codes[rows[j]]
    bounds[count] = n
    return bounds, ticket, head, first, last


def segments(
    codes: NDArray[np.integer[Any]], rows: I64
) -> tuple[I64, I64, I64, BoolArray, BoolArray]:
    """The ticket segments of ``codes[rows]`` (equal codes contiguous) in one pass, without
    gathering the codes: ``(bounds, ticket, head, first, last)`` as in
    :class:`.segments.Segments`."""
    out: tuple[I64, I64, I64, BoolArray, BoolArray] = _segments(codes, rows)
    return out


@_jit
def _until_first(bounds: Any, mask: Any) -> Any:  # pragma: no cover - compiled
    keep = np.empty(mask.size, dtype=np.bool_)
    for k in range(bounds.size - 1):
        seen = False
        for j in range(bounds[k], bounds[k + 1]):
            keep[j] = not seen
            if mask[j]:
                seen = True
    return keep


def until_first(bounds: I64, mask: BoolArray) -> BoolArray:
    """Per event, whether no earlier event of its ticket has ``mask`` (the events up to and
    including each ticket's first ``mask`` event)."""
    out: BoolArray = _until_first(bounds, mask)
    return out


@_jit
def _edges(offsets: Any, data: Any, ws: Any, lead: Any) -> Any:  # pragma: no cover
    n = offsets.size - 1
    sure = np.empty(n, dtype=np.bool_)
    maybe = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        a = offsets[i]
        b = offsets[i + 1]
        if b <= a:
            sure[i] = True
            continue
        first = data[a]
        last = data[b - 1]
        sure[i] = ws[first] or ws[last]
        maybe[i] = not sure[i] and (lead[first] or last >= 0x80)
    return sure, maybe


def edges(
    offsets: NDArray[np.int32], data: NDArray[np.uint8], ws: BoolArray, lead: BoolArray
) -> tuple[BoolArray, BoolArray]:
    """Per value of an Arrow string array (its offsets and bytes): ``sure``, empty or with a
    first or last byte in ``ws``; ``maybe``, not sure but a first byte in ``lead`` or a last
    one past ASCII (an edge that may belong to a multi-byte character)."""
    out: tuple[BoolArray, BoolArray] = _edges(offsets, data, ws, lead)
    return out


@_jit
def _take_into(table: Any, idx: Any, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(idx.size):
        out[i] = table[idx[i]]


def lookup(table: NDArray[G], idx: NDArray[np.signedinteger[Any]]) -> NDArray[G]:
    """``table[idx]`` for a small look-up table and narrow codes (int8, int32; -1 is the
    last entry): numpy first widens the codes to int64, which takes longer than the
    look-up itself."""
    out: NDArray[G] = np.empty(idx.size, dtype=table.dtype)
    _take_into(table, idx, out)
    return out


@_jit
def _instant_texts(seconds: Any, valid: Any, quote: bool, null: Any) -> Any:  # pragma: no cover
    n = seconds.size
    width = 22 if quote else 20
    offsets = np.empty(n + 1, dtype=np.int32)
    offsets[0] = 0
    for i in range(n):
        offsets[i + 1] = offsets[i] + (width if valid[i] else null.size)
    data = np.empty(offsets[n], dtype=np.uint8)
    for i in range(n):
        p = offsets[i]
        if not valid[i]:
            for j in range(null.size):
                data[p + j] = null[j]
        elif quote:
            data[p] = 34
            _iso_into(seconds[i], data, p + 1)
            data[p + 21] = 34
        else:
            _iso_into(seconds[i], data, p)
    return offsets, data


def instant_texts(
    seconds: I64, valid: BoolArray, quote: bool, null: bytes
) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """The text of every instant (seconds of a four-digit year, see :data:`FOUR_DIGIT_YEARS`)
    as :func:`accord.core.timeutil.iso` writes it, in double quotes if ``quote``, and ``null``
    where not ``valid``: the offsets and bytes of an Arrow string array."""
    out: tuple[NDArray[np.int32], NDArray[np.uint8]] = _instant_texts(
        seconds, valid, quote, np.frombuffer(null, dtype=np.uint8).copy()
    )
    return out


@_jit
def _prefix_keys(offsets: Any, data: Any) -> Any:  # pragma: no cover - compiled
    n = offsets.size - 1
    keys = np.zeros(n, dtype=np.uint64)
    if n == 0:
        return keys, True
    # the bytes every string shares at its start
    first = offsets[0]
    common = offsets[1] - first
    for i in range(1, n):
        a = offsets[i]
        m = min(common, offsets[i + 1] - a)
        j = 0
        while j < m and data[a + j] == data[first + j]:
            j += 1
        common = j
    exact = True
    for i in range(n):
        a = offsets[i] + common
        rest = offsets[i + 1] - a
        if rest > 8:
            exact = False
        k = np.uint64(0)
        for j in range(8):
            b = np.uint64(0)
            if j < rest:
                b = np.uint64(data[a + j])
                if b == 0:
                    exact = False  # a NUL byte: zero padding would tie with it
            k = (k << np.uint64(8)) | b
        keys[i] = k
    return keys, exact


def prefix_keys(
    offsets: NDArray[np.int32], data: NDArray[np.uint8]
) -> tuple[NDArray[np.uint64], bool]:
    """For strings given by Arrow offsets and bytes: each string's 8 bytes after the prefix they
    all share, big-endian and zero-padded, as one integer; and whether these keys order the
    strings exactly as bytewise comparison does (no string has more than 8 bytes after the
    common prefix, none holds a NUL byte)."""
    keys, exact = _prefix_keys(offsets, data)
    return keys, bool(exact)


def gather_codes(codes: NDArray[np.signedinteger[Any]], rows: I64) -> NDArray[np.int32]:
    """``codes[rows]`` as int32, whatever the codes' width (int8 or int32)."""
    out: NDArray[np.int32] = np.empty(rows.size, dtype=np.int32)
    _take_into(codes, rows, out)
    return out


@_jit
def _scatter(data: Any, dest: Any, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(dest.size):
        out[dest[i]] = data[i]


def scatter(data: NDArray[Any], dest: NDArray[np.signedinteger[Any]], out: NDArray[Any]) -> None:
    """``out[dest] = data`` in one sequential pass over ``data`` (numpy's fancy assignment
    is several times slower)."""
    _scatter(data, dest, out)


@_jit
def _invert(dest: Any) -> Any:  # pragma: no cover - compiled
    order = np.empty(dest.size, dtype=np.int64)
    for i in range(dest.size):
        order[dest[i]] = i
    return order


def invert(dest: NDArray[np.signedinteger[Any]]) -> I64:
    """The inverse permutation: ``order[dest[i]] = i``."""
    out: I64 = _invert(dest)
    return out


@_jit
def _place_texts(  # pragma: no cover - compiled
    total: int, at: Any, offsets: Any, data: Any, filler: Any
) -> Any:
    out_at = np.empty(total + 1, dtype=np.int32)
    size = (total - at.size) * filler.size + (offsets[-1] - offsets[0])
    out = np.empty(size, dtype=np.uint8)
    pos = 0
    k = 0
    for i in range(total):
        out_at[i] = pos
        if k < at.size and at[k] == i:
            for q in range(offsets[k], offsets[k + 1]):
                out[pos] = data[q]
                pos += 1
            k += 1
        else:
            for q in range(filler.size):
                out[pos] = filler[q]
                pos += 1
    out_at[total] = pos
    return out_at, out


def place_texts(
    total: int,
    at: I64,
    offsets: NDArray[np.int32],
    data: NDArray[np.uint8],
    filler: NDArray[np.uint8],
) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """The buffers (offsets, bytes) of ``total`` strings: ``filler`` everywhere but at the
    ascending positions ``at``, which get the strings of (``offsets``, ``data``) in order."""
    got: tuple[NDArray[np.int32], NDArray[np.uint8]] = _place_texts(
        total, at, offsets, data, filler
    )
    return got


def start_compiler() -> None:
    """numba's compiler initialised, by one call of a tiny loop: what a process's first call
    of any compiled loop pays (about a sixth of a second of CPU even when every loop comes
    from the cache). ``accord sla --jobs N`` (N > 1) runs it on a thread of its own while the
    main thread loads the configuration and opens the log, instead of in the reading."""
    shared_buckets(np.zeros(2, dtype=np.uint64))


def warm() -> None:
    """Load every compiled loop once, on tiny arrays of the types the engine passes.

    Not done at import: a process loads from the cache only the loops (and the argument
    types) it calls, when it first calls them (about 3 ms each, against about 0.2 s for all
    of them), so ``accord sla`` pays for the few it uses. numba's first call in a process
    also initialises its compiler (about a quarter of a second even when the code comes from
    the cache); a benchmark that times the engine's stages calls this first, so that neither
    lands in the first stage it times. On a fresh install this compiles them all."""
    b = np.array([0, 2], dtype=np.int64)
    m = np.array([True, False])
    i32 = np.zeros(2, dtype=np.int32)
    i64 = np.zeros(2, dtype=np.int64)
    last_where(b, m)
    fill(b, m, i32, -1)
    fill(b, m, np.zeros(2, dtype=np.int8), 0)
    table = np.zeros((1, 6), dtype=bool)
    for track in (False, True):
        cycles(b, m, m, m, m, m, m, m, m, True, m, table, i32 - 1, np.zeros(2, np.int8), i64, track)
    crossing(np.zeros(0, np.int64), np.zeros(0, np.int64), i64, i64, np.zeros(3, np.int64))
    holders(i64, m, i64, np.zeros((2, 1), dtype=np.int32))
    group_stable(i64, 1)
    warning_lists(2, i64[:1], i64[:1], i64[:1], ["x"])
    u8 = np.zeros(2, dtype=np.uint8)
    string_hashes(np.zeros(3, dtype=np.int32), u8, np.zeros(2, dtype=np.uint64))
    decode_indices(i32.copy(), u8, 0, np.zeros(0, np.int32), i32.copy())
    decode_indices(i32.copy(), np.zeros(0, np.uint8), 0, np.zeros(0, np.int32), i32.copy())
    decode_indices(i32.copy(), u8, 0, i32.copy(), i32.copy())
    # indices memory-mapped (a worker's partition: read-only), int8 where the parent wrote
    # the codes of a small dictionary
    for quote, null in ((False, b""), (True, b"null")):
        instant_texts(i64.copy(), m.copy(), quote, null)
    for mapped in (i32.copy(), np.zeros(2, np.int8)):
        mapped.flags.writeable = False
        for bits_writable in (True, False):
            bits = u8.copy()
            bits.flags.writeable = bits_writable
            decode_indices(mapped, bits, 0, np.zeros(0, np.int32), i32.copy())
    scatter_codes(i32.copy(), u8, 0, i32.copy(), i64.copy(), i32.copy())
    scatter_codes(i32.copy(), np.zeros(0, np.uint8), 0, i32.copy(), i64.copy(), i32.copy())
    shared_buckets(np.zeros(2, dtype=np.uint64))
    from accord.core.engine.batch.cut import warm as warm_cut  # (cut imports this module)

    warm_cut()
    invert(i64.copy())
    # (the texts' buffers read from Arrow are read-only arrays: another signature)
    t_at, t_data = np.zeros(2, np.int32), u8.copy()
    place_texts(2, i64[:1], t_at, t_data, u8)
    t_at.flags.writeable = False
    t_data.flags.writeable = False
    place_texts(2, i64[:1], t_at, t_data, u8)
    for where in (i64, i32):  # destinations: int32 below 2^31 rows
        for dtype in (np.int64, np.int32, np.int8, np.bool_, np.float64):
            scatter(np.zeros(2, dtype=dtype), where, np.zeros(2, dtype=dtype))
        for out in (i32, np.zeros(2, np.int8)):  # codes of a small dictionary: int8
            scatter_codes(i32.copy(), u8, 0, i32.copy(), where, out.copy())
            scatter_codes(i32.copy(), np.zeros(0, np.uint8), 0, i32.copy(), where, out.copy())
        invert(where)
    # the reader's codes of a small dictionary narrowed to int8 (``compact``), read-only
    # from Arrow's buffers, regrouped or decoded
    small = np.zeros(2, np.int8)
    small.flags.writeable = False
    for where in (i64, i32):
        for out in (i32, np.zeros(2, np.int8)):
            scatter_codes(small, u8, 0, i32.copy(), where, out.copy())
            scatter_codes(small, np.zeros(0, np.uint8), 0, i32.copy(), where, out.copy())
    decode_indices(small, u8, 0, i32.copy(), i32.copy())
    decode_indices(small, np.zeros(0, np.uint8), 0, i32.copy(), i32.copy())
    for codes in (np.zeros(2, np.int8), i32, i64):
        lookup(m, codes)
    # tables of codes by code: kinds and actors (int8), choices (int32), ranks (int64)
    for codes_by_code in (np.zeros(2, np.int8), i32, i64):
        for codes in (np.zeros(2, np.int8), i32):
            lookup(codes_by_code, codes)
    for codes in (np.zeros(2, np.int8), i32):
        gather_codes(codes, i64)
    for writable in (True, False):  # Arrow's buffers of a string array
        offs, text = np.array([0, 1, 2], np.int32), np.array([65, 66], np.uint8)
        offs.flags.writeable = writable
        text.flags.writeable = writable
        prefix_keys(offs, text)
    order_within(i64, i64, i64)
    # the timeline's columns as read from Arrow (read-only) or converted (writable)
    for writable in (True, False):
        col = i64.copy()
        col.flags.writeable = writable
        order_rows(i64, col, col, col, i64)
        order_rows(i64, col, i64, col, i64)
    segments(i64, i64)
    until_first(i64, m)
    # Arrow's buffers read as arrays: read-only, or writable when Arrow made them mutable
    for writable in (True, False):
        text_at, text = np.zeros(2, np.int32), u8.copy()
        text_at.flags.writeable = writable
        text.flags.writeable = writable
        edges(text_at, text, m.repeat(128), m.repeat(128))
        for dtype in (np.int64, np.int32):  # the int columns' values, regrouped
            values = np.zeros(2, dtype=dtype)
            values.flags.writeable = writable
            for where in (i64, i32):
                scatter(values, where, np.zeros(2, dtype=dtype))
    split_instants(i64.copy(), 1000, 0, 1, np.zeros(2, dtype=bool))
    frozen = i64.copy()
    frozen.flags.writeable = False  # a one-chunk Arrow column reads as a read-only array
    split_instants(frozen, 1000, 0, 1, np.zeros(2, dtype=bool))


@_jit
def _scatter_codes(  # pragma: no cover - compiled
    data: Any, bits: Any, bit_offset: int, table: Any, dest: Any, out: Any
) -> None:
    nulls = bits.size > 0
    mapped = table.size > 0
    moved = dest.size > 0  # an empty dest: index i stays at out[i]
    for i in range(data.size):
        d = dest[i] if moved else i
        if nulls:
            b = bit_offset + i
            if not (bits[b >> 3] >> (b & 7)) & 1:
                out[d] = -1
                continue
        v = data[i]
        out[d] = table[v] if mapped else v


def scatter_codes(
    data: NDArray[np.integer[Any]],
    bits: NDArray[np.uint8],
    bit_offset: int,
    table: NDArray[np.int32],
    dest: NDArray[np.signedinteger[Any]],
    out: NDArray[np.signedinteger[Any]],
) -> None:
    """:func:`decode_indices`, but index ``i`` goes to ``out[dest[i]]``: one sequential read
    of a chunk that regroups its rows (by partition) as it decodes them. ``out`` is int32, or
    int8 for a dictionary of fewer than 128 values."""
    _scatter_codes(data, bits, bit_offset, table, dest, out)
