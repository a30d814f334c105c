"""One metric's clock over a batch timeline: its cycles and what each counted.

This is :func:`accord.core.engine.reference._run_clock` for every ticket at once. The
automaton (:mod:`.automaton`) gives the clock's state after every event; from the state before
and after each event follow the cycles that open, stop, are cancelled, resume after a reopen
or restart at a priority or policy change. The stretch after an event belongs to the cycle
open there, and counts its business seconds as elapsed or paused time by the state after the
event (the reference's accounting), so every cycle's figures are differences of running sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from accord.core.engine.batch import automaton
from accord.core.engine.batch.automaton import S_D, S_N, S_O, Signals
from accord.core.engine.batch.conditions import Matcher
from accord.core.engine.batch.timeline import CATEGORIES, SOLVED_CODES, BatchTimeline
from accord.core.engine.clocks import ClockSpec

BoolArray = NDArray[np.bool_]
I64 = NDArray[np.int64]


@dataclass(slots=True)
class Cycles:
    """The cycles of one metric, ordered by ticket then cycle number (arrays per cycle), and
    the running sums they were measured with (arrays per event, plus one)."""

    ticket: I64
    number: I64  # 1-based within the ticket
    open_idx: I64  # the event that opened it
    end_idx: I64  # its end moment: the stop / cancel event, or the ticket's last event
    closed: BoolArray  # stopped or cancelled (else open at as_of)
    cancelled: BoolArray
    start: I64  # opening instant, or the latest restart
    stop: I64  # valid where closed
    elapsed: I64
    paused: I64
    is_paused: BoolArray  # open and paused at the last event (for open cycles)
    elapsed_before: I64  # per event + 1: counted seconds of all stretches before the event
    measured: BoolArray  # per event: the version in force measures the metric


def measured_mask(tl: BatchTimeline, metric: str) -> BoolArray:
    table = np.array([metric in v.metrics for v in tl.pvs] + [False], dtype=bool)
    return table[tl.pv]


def paused_mask(tl: BatchTimeline, metric: str, clock: ClockSpec) -> BoolArray:
    """Whether the clock is paused in the state after each event (for measured events)."""
    if clock.pause == "none":
        return np.zeros(tl.n, dtype=bool)
    if clock.pause in ("fixed", "counting"):
        codes = np.array([CATEGORIES.index(s) for s in clock.statuses], dtype=np.int8)
        inside = np.isin(tl.status, codes)
        return ~inside if clock.pause == "counting" else inside
    table = np.zeros((len(tl.pvs) + 1, len(CATEGORIES)), dtype=bool)
    for i, v in enumerate(tl.pvs):
        for s in v.pause_set(metric):
            table[i, CATEGORIES.index(s)] = True
    return table[tl.pv, tl.status]


def _restart_signal(tl: BatchTimeline, metric: str) -> BoolArray:
    """Events at which the rule in force restarts an open cycle: the policy or priority
    changed and the version in force says ``priority_change: restart``."""
    rule = np.array(
        [v.priority_change_rule(metric) == "restart" for v in tl.pvs] + [False], dtype=bool
    )[tl.pv]
    if not rule.any():
        return rule
    names: dict[str, int] = {}
    name_id = np.array(
        [names.setdefault(p.name, len(names)) for p in tl.policies] + [-1], dtype=np.int64
    )
    pol = name_id[tl.policy]
    prio = tl.fields["priority"]
    classes: dict[object, int] = {}
    pcls = np.array(
        [classes.setdefault(v, len(classes)) for v in prio.values] + [-1], dtype=np.int64
    )[prio.after]
    seg = tl.seg
    changed = (pol != seg.prev(pol, -1)) | (pcls != seg.prev(pcls, -1))
    out: BoolArray = rule & changed & ~seg.first
    return out


def run_clock(tl: BatchTimeline, metric: str, clock: ClockSpec, match: Matcher) -> Cycles:
    seg = tl.seg
    n = tl.n
    solved = np.isin(tl.status, SOLVED_CODES)
    start = match(clock.start) & ~tl.deleted
    if clock.while_unsolved:
        start &= ~solved
    if clock.armed_by is not None:
        first_armed = seg.first_where(match(clock.armed_by))
        start &= np.arange(n, dtype=np.int64) > first_armed[seg.ticket]
    stop = match(clock.stop)
    cancel = tl.deleted.copy()
    if clock.cancel is not None:
        cancel |= match(clock.cancel)
    zeros = np.zeros(n, dtype=bool)
    reopen = tl.reopened if clock.reopenable else zeros
    reopen_new = np.array(
        [v.reopen_rule(metric) == "new_cycle" for v in tl.pvs] + [False], dtype=bool
    )[tl.pv]
    sig = Signals(
        start=start,
        stop=stop,
        cancel=cancel,
        reopen=reopen,
        reopen_new=reopen_new,
        restart_on_stop=~solved if clock.restart_on_stop else zeros,
        stop_at_start=stop if clock.stop != clock.start else zeros,
        repeat=clock.repeat,
    )
    state = automaton.run(sig, seg)
    before = seg.prev(state, S_N)

    was_open = before == S_O
    close_stop = was_open & sig.stop
    close_cancel = was_open & ~sig.stop & sig.cancel
    mid_open = (
        (was_open & ~sig.stop & ~sig.cancel)
        | (close_stop & sig.restart_on_stop)
        | ((before == S_D) & sig.reopen)
    )
    start_open = ~mid_open & sig.start
    if clock.repeat is False:
        start_open &= before == S_N
    opened = (close_stop & sig.restart_on_stop) | ((before == S_D) & sig.reopen & sig.reopen_new)
    opened |= start_open
    closed_at_open = start_open & sig.stop_at_start

    count = np.cumsum(opened, dtype=np.int64)
    current = count - 1  # the latest cycle after each event (global id)
    previous = count - opened - 1  # the latest cycle before each event

    open_idx = np.flatnonzero(opened).astype(np.int64)
    ncyc = open_idx.size
    c_ticket = seg.ticket[open_idx]
    first_of_ticket = np.searchsorted(c_ticket, c_ticket, side="left")
    number = np.arange(ncyc, dtype=np.int64) - first_of_ticket + 1

    # the last close of every cycle (a resumed cycle may close several times)
    jc = np.flatnonzero(close_stop | close_cancel)
    jn = np.flatnonzero(closed_at_open)
    all_j = np.concatenate([jc, jn]).astype(np.int64)
    all_g = np.concatenate([previous[jc], current[jn]])
    all_cancel = np.concatenate([close_cancel[jc], np.zeros(jn.size, dtype=bool)])
    order = np.lexsort((all_j, all_g))
    all_j, all_g, all_cancel = all_j[order], all_g[order], all_cancel[order]
    last = np.ones(all_g.size, dtype=bool)
    if all_g.size:
        last[:-1] = all_g[1:] != all_g[:-1]
    close_idx = np.full(ncyc, -1, dtype=np.int64)
    close_idx[all_g[last]] = all_j[last]
    close_cancelled = np.zeros(ncyc, dtype=bool)
    close_cancelled[all_g[last]] = all_cancel[last]

    tails = seg.tail
    open_end = np.zeros(ncyc, dtype=bool)
    still = tails[state[tails] == S_O]
    open_end[current[still]] = True
    closed = ~open_end

    restart = np.flatnonzero(was_open & _restart_signal(tl, metric))
    base = open_idx.copy()
    if restart.size:
        np.maximum.at(base, previous[restart], restart)

    measured = measured_mask(tl, metric)
    paused_here = paused_mask(tl, metric, clock)
    owned = state == S_O
    owner = np.where(owned, current, 0)
    counted = owned & measured & (np.arange(n, dtype=np.int64) >= base[owner] if ncyc else owned)
    e = np.where(counted & ~paused_here, tl.bt, 0)
    p = np.where(counted & paused_here, tl.bt, 0)
    e_before = np.concatenate([[0], np.cumsum(e, dtype=np.int64)]).astype(np.int64)
    p_before = np.concatenate([[0], np.cumsum(p, dtype=np.int64)]).astype(np.int64)

    last_event = tails[c_ticket]
    end_idx = np.where(open_end, last_event, close_idx)
    hi = np.where(open_end, last_event + 1, close_idx)
    elapsed = e_before[hi] - e_before[open_idx]
    paused = p_before[hi] - p_before[open_idx]
    stop_t = np.where(closed, tl.t[np.maximum(close_idx, 0)], 0)
    is_paused = (~measured | paused_here)[last_event] & open_end
    return Cycles(
        ticket=c_ticket,
        number=number,
        open_idx=open_idx,
        end_idx=end_idx,
        closed=closed,
        cancelled=close_cancelled & closed,
        start=tl.t[base],
        stop=stop_t,
        elapsed=elapsed,
        paused=paused,
        is_paused=is_paused,
        elapsed_before=e_before,
        measured=measured,
    )
