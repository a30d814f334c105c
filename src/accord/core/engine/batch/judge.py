"""Judging one metric's cycles at ``as_of``: target, due, breach, state and warnings, as in
:func:`accord.core.engine.reference._judge`, for every cycle at once."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.engine.batch import _jit
from accord.core.engine.batch.calarrays import NEVER, due_grouped
from accord.core.engine.batch.cycles import Cycles
from accord.core.engine.batch.timeline import BatchTimeline
from accord.core.records import State
from accord.core.timeutil import Instant, format_duration, iso

BoolArray = NDArray[np.bool_]
I64 = NDArray[np.int64]
I8 = NDArray[np.int8]

STATES: tuple[State, ...] = tuple(State)
S_RUNNING = STATES.index(State.RUNNING)
S_PAUSED = STATES.index(State.PAUSED)
S_MET = STATES.index(State.MET)
S_BREACHED = STATES.index(State.BREACHED)
S_CANCELLED = STATES.index(State.CANCELLED)
NONE = np.int64(-1)


@dataclass(slots=True)
class Warnings:
    """The warnings of one metric's records, a row per warning, ordered by record, then
    instant, then the order the version lists its thresholds in (most records have none;
    :func:`.assemble.assemble` writes their JSON text)."""

    rec: I64  # the record each warning belongs to
    at: I64  # the instant its threshold was reached
    label: I64  # its threshold's label: an index into ``labels``
    labels: list[str]


@dataclass(slots=True)
class Judged:
    """One metric's records as arrays (one entry per record)."""

    ticket: I64
    cycle: I64
    pv: I64  # version in force at the end point (-1: none)
    end_idx: I64  # the end moment's event
    target: I64  # -1: no target
    start: I64
    stop: I64
    closed: BoolArray
    due: I64  # NEVER: none
    breached_at: I64  # NEVER: none
    elapsed: I64
    paused: I64
    calendar_elapsed: I64
    state: I8
    breached_now: BoolArray
    ever_breached: BoolArray
    warnings: Warnings


class _Crossing:
    """``_Cycle.instant_at`` for many cycles: the instant a cycle's elapsed time reached
    ``x``, found in its counted stretches (NEVER where it did not)."""

    def __init__(self, tl: BatchTimeline, cy: Cycles) -> None:
        self.tl = tl
        self.cy = cy

    def __call__(self, sel: I64, x: I64) -> I64:
        tl, cy = self.tl, self.cy
        at, left = _jit.crossing(sel, x, cy.elapsed, cy.open_idx, cy.elapsed_before)
        out = np.full(sel.size, NEVER, dtype=np.int64)
        zero = at == -2
        if zero.any():
            out[zero] = cy.start[sel[zero]]
        reached = np.flatnonzero(at >= 0)
        if reached.size:
            j = at[reached]
            cal = tl.pv_calendar[tl.pv[j]]
            out[reached] = due_grouped(tl.calendars, cal, tl.t[j], left[reached])
        return out


def judged_cycles(cy: Cycles, keep: BoolArray) -> I64:
    """The cycles :func:`judge` judges, in its records' order: those of the tickets in
    ``keep``."""
    return np.flatnonzero(keep[cy.ticket]).astype(np.int64)


def judge(tl: BatchTimeline, metric: str, cy: Cycles, keep: BoolArray, as_of: Instant) -> Judged:
    """Judge the cycles of the tickets in ``keep`` (per ticket)."""
    sel = judged_cycles(cy, keep)
    end_idx = cy.end_idx[sel]
    pv = tl.pv[end_idx].astype(np.int64)
    measured = cy.measured[end_idx]
    prio = tl.fields["priority"]
    prio_code = prio.after[end_idx]
    # targets by version and priority (-1 for none); the last row and column: no version /
    # no priority
    tt = np.full((len(tl.pvs) + 1, len(prio.values) + 1), NONE, dtype=np.int64)
    for i, v in enumerate(tl.pvs):
        if metric in v.metrics:
            row = [v.target(metric, str(p)) for p in prio.values] + [v.target(metric, None)]
            tt[i] = [NONE if x is None else x for x in row]
    target = np.where(measured, tt[pv, prio_code], NONE)
    has_target = target >= 0
    elapsed = cy.elapsed[sel]
    closed = cy.closed[sel]
    cancelled = cy.cancelled[sel]
    stop = cy.stop[sel]
    end_t = np.where(closed, stop, np.int64(as_of))

    crossing = _Crossing(tl, cy)
    cross = np.full(sel.size, NEVER, dtype=np.int64)
    ht = np.flatnonzero(has_target)
    if ht.size:
        cross[ht] = crossing(sel[ht], target[ht])
    late = has_target & (elapsed > target)
    state = np.where(cy.is_paused[sel], np.int8(S_PAUSED), np.int8(S_RUNNING)).astype(np.int8)
    state[late] = S_BREACHED
    state[closed & ~late] = S_MET
    gone = cancelled | ~measured
    state[gone] = np.where(late[gone], np.int8(S_BREACHED), np.int8(S_CANCELLED))

    due = cross.copy()
    project = (cross == NEVER) & has_target & ((state == S_RUNNING) | (state == S_MET)) & (pv >= 0)
    pj = np.flatnonzero(project)
    if pj.size:
        cal = tl.pv_calendar[pv[pj]]
        due[pj] = due_grouped(tl.calendars, cal, end_t[pj], target[pj] - elapsed[pj])
    breached_at = np.where(state == S_BREACHED, cross, NEVER)

    ticket = cy.ticket[sel]
    breached = state == S_BREACHED
    ever, now = _per_ticket(ticket, breached)
    return Judged(
        ticket=ticket,
        cycle=cy.number[sel],
        pv=pv,
        end_idx=end_idx,
        target=target,
        start=cy.start[sel],
        stop=stop,
        closed=closed,
        due=due,
        breached_at=breached_at,
        elapsed=elapsed,
        paused=cy.paused[sel],
        calendar_elapsed=end_t - cy.start[sel],
        state=state,
        breached_now=now,
        ever_breached=ever,
        warnings=_warnings(tl, metric, sel, pv, target, elapsed, crossing),
    )


def iso_text(t: I64) -> pa.Array:
    """``accord.core.timeutil.iso`` for many instants (years 1000 to 9999), built as fixed
    width ASCII by array arithmetic (an order of magnitude faster than strftime)."""
    out, y = _iso_bytes(t)
    text = pa.array(out.view("S20").ravel(), type=pa.binary(20)).cast(pa.string())
    odd = (y < 1000) | (y > 9999)
    if odd.any():  # outside four-digit years: as the row writer spells them
        fixed = [iso(int(v)) if o else None for v, o in zip(t.tolist(), odd.tolist(), strict=True)]
        text = pc.if_else(pa.array(odd), pa.array(fixed, type=pa.string()), text)
    return text


def _iso_bytes(t: I64) -> tuple[NDArray[np.uint8], I64]:
    """The 20 ASCII bytes of every instant's ISO text (four-digit years), and the years."""
    days, secs = np.divmod(t, 86400)
    # civil date from days since the epoch (Howard Hinnant's algorithm)
    z = days + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = y + (m <= 2)
    hh, rest = np.divmod(secs, 3600)
    mm, ss = np.divmod(rest, 60)
    out = np.empty((t.size, 20), dtype=np.uint8)
    digits = (
        (0, y // 1000), (1, y // 100 % 10), (2, y // 10 % 10), (3, y % 10),
        (5, m // 10), (6, m % 10), (8, d // 10), (9, d % 10),
        (11, hh // 10), (12, hh % 10), (14, mm // 10), (15, mm % 10),
        (17, ss // 10), (18, ss % 10),
    )  # fmt: skip
    for col, v in digits:
        out[:, col] = 48 + v
    for col, ch in ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "Z")):
        out[:, col] = ord(ch)
    return out, y


def _per_ticket(ticket: I64, breached: BoolArray) -> tuple[BoolArray, BoolArray]:
    """Per record: any cycle of its ticket breached; its ticket's last cycle breached."""
    if ticket.size == 0:
        return breached.copy(), breached.copy()
    head = np.ones(ticket.size, dtype=bool)
    head[1:] = ticket[1:] != ticket[:-1]
    starts = np.flatnonzero(head)
    group = np.cumsum(head) - 1
    ends = np.append(starts[1:], ticket.size) - 1
    ever = np.logical_or.reduceat(breached, starts)[group]
    now = breached[ends][group]
    return ever, now


def _warnings(
    tl: BatchTimeline,
    metric: str,
    sel: I64,
    pv: I64,
    target: I64,
    elapsed: I64,
    crossing: _Crossing,
) -> Warnings:
    """Every warning of the records: each threshold a record's elapsed time reached, and
    when."""
    rec_l: list[I64] = []
    at_l: list[I64] = []
    thr_l: list[I64] = []
    slot_l: list[I64] = []
    label_l: list[I64] = []
    labels: dict[str, int] = {}
    for i, v in enumerate(tl.pvs):
        if metric not in v.metrics:
            continue
        w = v.warnings_for(metric)
        if not w.shares and not w.remaining:
            continue
        rec = np.flatnonzero((pv == i) & (target > 0))
        if rec.size == 0:
            continue
        tgt = target[rec]
        slots: list[tuple[str, I64]] = []
        for share in w.shares:
            # the same float product as math.ceil(share * target)
            thr = np.ceil(np.float64(share) * tgt.astype(np.float64)).astype(np.int64)
            slots.append((f"{share:.0%}", thr))
        for rem in w.remaining:
            slots.append((f"{format_duration(rem)} left", np.maximum(tgt - rem, 0)))
        for slot, (label, thr) in enumerate(slots):
            hit = elapsed[rec] >= thr
            k = rec[hit]
            if k.size == 0:
                continue
            rec_l.append(k)
            thr_l.append(thr[hit])
            slot_l.append(np.full(k.size, slot, dtype=np.int64))
            label_l.append(np.full(k.size, labels.setdefault(label, len(labels))))
    if rec_l:
        # every slot's crossings in one call
        at_all = crossing(sel[np.concatenate(rec_l)], np.concatenate(thr_l))
        found = at_all != NEVER
        rec_l = [np.concatenate(rec_l)[found]]
        at_l = [at_all[found]]
        slot_l = [np.concatenate(slot_l)[found]]
        label_l = [np.concatenate(label_l)[found]]
    if not rec_l or rec_l[0].size == 0:
        none = np.zeros(0, dtype=np.int64)
        return Warnings(none, none, none, [])
    rec = np.concatenate(rec_l)
    at = np.concatenate(at_l)
    order = _order_by(rec, at, np.concatenate(slot_l))
    return Warnings(rec[order], at[order], np.concatenate(label_l)[order], list(labels))


def _order_by(rec: I64, at: I64, slot: I64) -> I64:
    """The order by (rec, at, slot), all non-negative but ``at``: as one packed integer key
    when the three fit in 63 bits (one sort instead of a three-key lexsort), else lexsort."""
    if rec.size < 2:
        return np.arange(rec.size, dtype=np.int64)
    lo = int(at.min())
    span = int(at.max()) - lo
    b_at = max(span.bit_length(), 1)
    b_slot = max(int(slot.max()).bit_length(), 1)
    b_rec = max(int(rec.max()).bit_length(), 1)
    if b_rec + b_at + b_slot > 63:
        return np.lexsort((slot, at, rec)).astype(np.int64)
    key = (rec << np.int64(b_at + b_slot)) | ((at - lo) << np.int64(b_slot)) | slot
    return np.argsort(key).astype(np.int64)  # keys are distinct: no stability needed


assert math.ceil(0.75 * 3) == 3  # the float rule the vector form above follows
