"""One metric's clock over a batch timeline: its cycles and what each counted.

This is :func:`accord.core.engine.reference._run_clock` for every ticket at once. What each
event can do (start, stop, cancel, reopen, restart) is worked out with whole-array masks; the
cycle rule itself is sequential within a ticket, so it runs as one compiled pass over the
sorted events (:func:`._jit.cycles`): cycles open, stop, are cancelled, resume after a reopen
or restart at a priority or policy change. The stretch after an event belongs to the cycle
open there, and counts its business seconds as elapsed or paused time by the state after the
event (the reference's accounting); the running sum of the counted seconds per event is kept
to find the instants at which a cycle reached its target or a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from accord.core.engine.batch import _jit
from accord.core.engine.batch.conditions import Matcher
from accord.core.engine.batch.timeline import (
    CATEGORIES,
    BatchTimeline,
    member_table,
)
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
    first_measured: I64  # per ticket: its first measured event (n: none)
    # per event, when tracked for attribution (else empty): the cycle the stretch after it
    # counted for (-1: none), and whether as paused time
    owner: I64
    owned_paused: BoolArray
    bt: I64  # per event: the business seconds of the stretch after it, as counted here


def measured_mask(tl: BatchTimeline, metric: str) -> BoolArray:
    table = np.array([metric in v.metrics for v in tl.pvs] + [False], dtype=bool)
    return _jit.lookup(table, tl.pv)


def pause_table(tl: BatchTimeline, metric: str, clock: ClockSpec) -> BoolArray:
    """Whether the clock is paused, by policy version (last row: none) and status."""
    table = np.zeros((len(tl.pvs) + 1, len(CATEGORIES)), dtype=bool)
    if clock.pause in ("fixed", "counting"):
        inside = member_table([CATEGORIES.index(s) for s in clock.statuses], len(CATEGORIES))
        table[:] = (~inside if clock.pause == "counting" else inside)[:-1]
    elif clock.pause != "none":
        for i, v in enumerate(tl.pvs):
            for s in v.pause_set(metric):
                table[i, CATEGORIES.index(s)] = True
    return table


def _restart_signal(tl: BatchTimeline, metric: str) -> BoolArray:
    """Events at which the rule in force restarts an open cycle: the policy or priority
    changed and the version in force says ``priority_change: restart``."""
    by_version = np.array(
        [v.priority_change_rule(metric) == "restart" for v in tl.pvs] + [False], dtype=bool
    )
    if not by_version.any():
        return np.zeros(tl.n, dtype=bool)
    rule = _jit.lookup(by_version, tl.pv)
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


def run_clock(
    tl: BatchTimeline, metric: str, clock: ClockSpec, match: Matcher, track: bool = False
) -> Cycles:
    """The cycles of one metric; ``track``: also which cycle each stretch counted for."""
    seg = tl.seg
    n = tl.n
    solved = tl.solved
    start = match(clock.start) & ~tl.deleted
    if clock.while_unsolved:
        start &= ~solved
    if clock.armed_by is not None:
        first_armed = seg.first_where(match(clock.armed_by))
        start &= np.arange(n, dtype=np.int64) > first_armed[seg.ticket]
    stop = match(clock.stop)
    cancel = (tl.deleted | match(clock.cancel)) if clock.cancel is not None else tl.deleted
    zeros = np.zeros(n, dtype=bool)
    reopen = tl.reopened if clock.reopenable else zeros
    new_cycle = np.array(
        [v.reopen_rule(metric) == "new_cycle" for v in tl.pvs] + [False], dtype=bool
    )
    reopen_new = _jit.lookup(new_cycle, tl.pv) if new_cycle.any() and reopen.any() else zeros
    measured = measured_mask(tl, metric)
    return run_cycles(
        tl,
        start=start,
        stop=stop,
        cancel=cancel,
        reopen=reopen,
        reopen_new=reopen_new,
        restart_on_stop=~solved if clock.restart_on_stop else zeros,
        stop_at_start=stop if clock.stop != clock.start else zeros,
        restart=_restart_signal(tl, metric),
        repeat=clock.repeat,
        measured=measured,
        pause=pause_table(tl, metric, clock),
        track=track,
    )


def run_cycles(
    tl: BatchTimeline,
    *,
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
    pause: BoolArray,
    track: bool,
) -> Cycles:
    """The generic cycle rule over the events' masks (:func:`._jit.cycles`), as
    :class:`Cycles`; the stretches count ``tl.bt`` under ``tl.pv``."""
    seg = tl.seg
    (
        c_ticket,
        number,
        open_idx,
        close_idx,
        cancelled,
        base,
        elapsed,
        paused,
        open_end,
        is_paused,
        e_before,
        first_measured,
        owner,
        owned_paused,
    ) = _jit.cycles(
        seg.bounds,
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
        pause,
        tl.pv,
        tl.status,
        tl.bt,
        track,
    )
    closed = ~open_end
    last_event = seg.tail[c_ticket]
    end_idx = np.where(open_end, last_event, close_idx)
    stop_t = np.where(closed, tl.t[np.maximum(close_idx, 0)], 0)
    return Cycles(
        ticket=c_ticket,
        number=number,
        open_idx=open_idx,
        end_idx=end_idx,
        closed=closed,
        cancelled=cancelled & closed,
        start=tl.t[base],
        stop=stop_t,
        elapsed=elapsed,
        paused=paused,
        is_paused=is_paused,
        elapsed_before=e_before,
        measured=measured,
        first_measured=first_measured,
        owner=owner,
        owned_paused=owned_paused,
        bt=tl.bt,
    )
