"""The cycle rule of the generic clock as a finite automaton, run over all tickets at once.

Per ticket and metric the reference engine (:func:`accord.core.engine.reference._run_clock`)
is in one of four states between events:

- ``S_N``: no cycle yet;
- ``S_O``: a cycle is open;
- ``S_D``: the last cycle was stopped (it may be resumed by a reopen);
- ``S_X``: the last cycle was cancelled.

Each event maps the state before it to the state after it; which map depends only on the
event (its start / stop / cancel / reopen signals), never on the state. A map on four states
fits in one byte (two bits per state), composing two maps is one look-up in a 256 × 256
table, and the state after every event is then a prefix composition: an inclusive scan by
doubling (Hillis–Steele), ⌈log2 L⌉ rounds of whole-array look-ups for tickets of at most
``L`` events that change anything. The first event of every ticket is a constant map (from
``S_N``), so no scan ever reads across a ticket boundary once it covers the whole ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from accord.core.engine.batch.segments import Segments

BoolArray = NDArray[np.bool_]
U8 = NDArray[np.uint8]
I8 = NDArray[np.int8]

S_N, S_O, S_D, S_X = 0, 1, 2, 3
_STATES = (S_N, S_O, S_D, S_X)
IDENTITY = S_N | (S_O << 2) | (S_D << 4) | (S_X << 6)


def _compose_table() -> U8:
    """``table[g * 256 + f]`` is the code of ``g ∘ f`` (``f`` first)."""
    codes = np.arange(256, dtype=np.int64)
    # maps[c, s]: the image of state s under the map with code c
    maps = np.stack([(codes >> (2 * s)) & 3 for s in _STATES], axis=1)
    g = np.repeat(codes, 256)
    f = np.tile(codes, 256)
    out = np.zeros(256 * 256, dtype=np.int64)
    for s in _STATES:
        out |= maps[g, maps[f, s]] << (2 * s)
    return out.astype(np.uint8)


_COMPOSE = _compose_table()


@dataclass(frozen=True, slots=True)
class Signals:
    """What each event can do to the metric's clock (all already combined with the clock's
    options, except ``repeat``)."""

    start: BoolArray  # opens a cycle when none is open (armed, not deleted, ...)
    stop: BoolArray
    cancel: BoolArray  # cancel condition or deletion
    reopen: BoolArray  # reopenable clock and the event reopens the ticket
    reopen_new: BoolArray  # the reopen rule in force is new_cycle (else continue)
    restart_on_stop: BoolArray  # a stop here opens the next cycle at once
    stop_at_start: BoolArray  # a cycle opened here is stopped here too
    repeat: bool


def _after_start(base: I8, sig: Signals, had_cycle: bool) -> I8:
    can = (base != S_O) & sig.start
    if had_cycle and not sig.repeat:
        can = np.zeros_like(can)
    opened = np.where(sig.stop_at_start, np.int8(S_D), np.int8(S_O))
    return np.where(can, opened, base).astype(np.int8)


def transition_codes(sig: Signals) -> U8:
    """Every event's map, as a byte."""
    n = sig.start.size
    f_n = _after_start(np.full(n, S_N, dtype=np.int8), sig, had_cycle=False)
    mid_o = np.where(
        sig.stop,
        np.where(sig.restart_on_stop, np.int8(S_O), np.int8(S_D)),
        np.where(sig.cancel, np.int8(S_X), np.int8(S_O)),
    ).astype(np.int8)
    f_o = _after_start(mid_o, sig, had_cycle=True)
    mid_d = np.where(sig.reopen, np.int8(S_O), np.int8(S_D)).astype(np.int8)
    f_d = _after_start(mid_d, sig, had_cycle=True)
    f_x = _after_start(np.full(n, S_X, dtype=np.int8), sig, had_cycle=True)
    code = f_n.astype(np.uint8) | (f_o.astype(np.uint8) << 2)
    code |= (f_d.astype(np.uint8) << 4) | (f_x.astype(np.uint8) << 6)
    return code.astype(np.uint8)


def run(sig: Signals, seg: Segments) -> I8:
    """The state after every event."""
    n = seg.n
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    code = transition_codes(sig)
    # the first event of a ticket starts from S_N: its map is the constant f(S_N)
    first_state = (code[seg.first] & 3).astype(np.uint8)
    code[seg.first] = first_state * np.uint8(0b01010101)
    # only events that change something take part in the scan
    active = seg.first | (code != IDENTITY)
    idx = np.flatnonzero(active)
    scan = code[idx]
    tick = seg.ticket[idx]
    counts = np.bincount(tick, minlength=seg.count)
    longest = int(counts.max()) if counts.size else 0
    d = 1
    while d < longest:
        combined = scan[d:].astype(np.uint16) << 8
        combined |= scan[:-d]
        scan[d:] = _COMPOSE[combined]
        d *= 2
    state_at = (scan & 3).astype(np.int8)
    # events left out keep the state of the latest active event before them
    pos = np.cumsum(active) - 1
    out: I8 = state_at[pos]
    return out
