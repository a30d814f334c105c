"""The batch engine over the same events at many instants: the work that does not depend on
the instant done once.

:func:`.parallel.compute_batch` validates, regroups and lays out the events (orders, fields,
statuses, policies, the business seconds of every stretch) before it runs the clocks; of all
that, only the end of each ticket's last stretch depends on the instant, once the instant is
at or after the latest event (no event is then left out). :func:`prepare` keeps the
timelines :func:`.timeline.build` makes (cut into the same partitions as ``compute_batch``
cuts them, on one process), and :func:`compute` runs the clocks on them at an instant, after
:func:`.timeline.later` has moved the last stretches' ends: the same kernel on the same
arrays, hence the same records.

Tickets change: :meth:`Prepared.without` leaves some out (their records are not made; the
others' are the same, as every ticket is computed on its own) and :meth:`Prepared.plus`
adds the events of others as partitions of their own, so that a change costs in proportion
to the tickets it touches. The records then come partition by partition, each ordered by
ticket, not in one order over all tickets as ``compute_batch`` gives them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.config.resolved import Configuration
from accord.core.engine.batch import timeline
from accord.core.engine.batch.kernel import Options, extra, kernel_metrics, run_timeline
from accord.core.engine.batch.memory import engine_memory
from accord.core.engine.batch.parallel import (
    CHUNK_EVENTS,
    _grouped,
    _layout,
    _partition,
    kernel_columns,
)
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.timeutil import Instant

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Piece:
    """One partition's timeline, and which of its tickets (by segment) are still in."""

    tl: timeline.BatchTimeline
    alive: BoolArray
    ids: set[str]  # the tickets still in


@dataclass(frozen=True, slots=True)
class Prepared:
    """Events laid out for :func:`compute` at any instant from ``since`` on (immutable: a
    change makes a new one)."""

    config: Configuration
    options: Options
    since: Instant  # the latest event's instant
    pieces: tuple[Piece, ...]

    @property
    def count(self) -> int:
        """The tickets in."""
        return sum(len(p.ids) for p in self.pieces)

    @property
    def tickets(self) -> int:
        """The tickets laid out, in or left out (each costs its clocks' run at a compute)."""
        return sum(p.tl.seg.count for p in self.pieces)

    @property
    def nbytes(self) -> int:
        """The memory the timelines hold, roughly (their arrays)."""
        return sum(_nbytes(p.tl) + p.alive.nbytes for p in self.pieces)

    def without(self, ticket_ids: Collection[str]) -> Prepared:
        """These tickets left out."""
        gone = [t for t in ticket_ids if any(t in p.ids for p in self.pieces)]
        if not gone:
            return self
        pieces = []
        for p in self.pieces:
            mine = [t for t in gone if t in p.ids]
            if not mine:
                pieces.append(p)
                continue
            out = pc.is_in(p.tl.ticket_ids, value_set=pa.array(mine, type=pa.string()))
            alive = p.alive & ~np.asarray(out.to_numpy(zero_copy_only=False), dtype=bool)
            pieces.append(Piece(p.tl, alive, p.ids.difference(mine)))
        return replace(self, pieces=tuple(p for p in pieces if p.ids))

    def plus(self, events: pa.Table) -> Prepared:
        """The tickets of ``events`` (all their events; none of them already in) added."""
        more = prepare(events, self.config, options=self.options)
        return replace(self, since=max(self.since, more.since), pieces=self.pieces + more.pieces)


def _nbytes(tl: timeline.BatchTimeline) -> int:
    arrays = [getattr(tl, f.name) for f in fields(tl)]
    arrays += [getattr(tl.seg, n) for n in ("bounds", "ticket", "head", "first", "last")]
    for track in tl.fields.values():
        arrays += [track.set_, track.code, track.after, track._changed, track._before]
    total: int = sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))
    return total + int(tl.ticket_ids.nbytes)


def prepare(
    events: pa.Table,
    config: Configuration,
    chunk_events: int = CHUNK_EVENTS,
    *,
    options: Options = Options(),
) -> Prepared:
    """The timelines of ``events`` (an events table holding all the events of its tickets),
    in the partitions :func:`.parallel.compute_batch` with one job cuts."""
    if options.dimensions:
        raise ValueError("prepared events compute records only (no attribution)")
    n = events.num_rows
    ts = events.column("ts")
    since = int(pc.max(ts).as_py()) if n else -(2**62)
    metrics = kernel_metrics(config)
    fields = extra(config, options)
    tls: list[timeline.BatchTimeline] = []
    with engine_memory():
        parts = -(-n // max(chunk_events, 1))
        if n and parts <= 1:
            tls.append(timeline.build(events, config, since, metrics, None, fields))
        elif n:
            ranked, lay = _layout(kernel_columns(events, config, options), parts)
            del events
            grouped, decoded = _grouped(ranked, lay.dest, lay.ranks)
            for k in range(parts):
                part, mine = _partition(grouped, decoded, lay, k)
                if part.num_rows:
                    tls.append(timeline.build(part, config, since, metrics, mine, fields))
    pieces = tuple(
        Piece(tl, np.ones(tl.seg.count, dtype=bool), set(tl.ticket_ids.to_pylist()))
        for tl in tls
        if tl.n
    )
    return Prepared(config, options, since, pieces)


def compute(prepared: Prepared, as_of: Instant) -> pa.Table:
    """The records of the tickets in ``prepared`` at ``as_of`` (at or after
    ``prepared.since``): each ticket's records as ``compute_batch`` makes them, partition by
    partition."""
    if as_of < prepared.since:
        raise ValueError(f"prepared events reach {prepared.since}, after {as_of}")
    tables = []
    with engine_memory():
        for p in prepared.pieces:
            alive = None if bool(p.alive.all()) else p.alive
            tl = timeline.later(p.tl, as_of)
            records, _ = run_timeline(tl, prepared.config, as_of, prepared.options, alive)
            if records.num_rows:
                tables.append(records)
    return pa.concat_tables(tables) if tables else RECORDS_SCHEMA.empty_table()
