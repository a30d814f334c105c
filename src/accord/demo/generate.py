"""A seeded, synthetic helpdesk event log for the demo, the docs and the benchmarks.

The log reads like a real helpdesk export: customers on Gold, Silver and Standard contracts,
three teams in two regions, tickets that arrive in business hours (fewer at night and at the
weekend, a Monday peak), first replies, follow-ups, internal notes, pending and on-hold
periods, solves, reopens, priority changes, escalations, ratings, a few tickets still open at
the end and a handful deleted. Agents answer within a spread around the demo policies' targets
(``demo/config``), so the computed clocks show mostly met, some breached and some at risk.

The tickets are simulated all at once with numpy (:mod:`accord.demo.story`), so millions of
events take seconds. The generator is pure: the end instant is an argument, and all randomness
comes from one ``numpy.random.Generator`` seeded with ``seed``, so the same seed and end give
the identical log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from accord.core.events import Actor, Event, FieldValue, Kind
from accord.core.timeutil import Instant, to_instant
from accord.demo import catalog as c
from accord.demo.catalog import (
    AGENTS,
    CUSTOMERS,
    HOME_TEAM,
    PRIORITIES,
    TEAM_ZONES,
    Customer,
)
from accord.demo.story import MINUTE, Stories, World
from accord.demo.worktime import DAY, HOUR, LocalTime, WorkTable, hour_of, weekday_of

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "AGENTS",
    "CUSTOMERS",
    "DEFAULT_TICKETS_PER_90_DAYS",
    "HOME_TEAM",
    "PRIORITIES",
    "TEAM_ZONES",
    "Customer",
    "DemoLog",
    "generate_events",
    "generate_log",
    "log_table",
]

I64 = NDArray[np.int64]
Codes = NDArray[np.int8]

DEFAULT_TICKETS_PER_90_DAYS = 2000
BATCH_TICKETS = 100_000
"""Tickets simulated at once (about 1.1 million events): bounds the working arrays."""
_LATE_SHARE = 0.02  # events a webhook delivers late, after later events of the same ticket
_EVENTS_PER_TICKET = 11.0  # about what a story gives: sizes the batches for target_events
_HORIZON = 200 * DAY  # how far past the end the calendars reach (vendors take up to 80 days)
_ZONES = ("America/New_York", "Europe/Berlin")
_HOURS = ((8, 18), (9, 17))


@dataclass(frozen=True, slots=True)
class DemoLog:
    """The log in delivery order, as columns of codes (``-1``: not set); ``seq`` is the row.

    ``fields`` maps each field name to its codes into :data:`accord.demo.catalog.FIELD_VALUES`.
    """

    ticket: I64  # the ticket's number (10001, 10002, … by creation)
    n: I64  # the event's place in its ticket's story: its id is demo-<ticket>-<n>
    ts: I64
    kind: Codes
    actor: Codes
    public: Codes  # -1 unset, 0 false, 1 true
    fields: dict[str, Codes]

    def __len__(self) -> int:
        return int(self.ts.size)

    def events(self, start: int = 0, stop: int | None = None) -> Iterator[Event]:
        """The rows ``start`` … ``stop`` as :class:`Event` objects, ``seq`` their row."""
        stop = len(self) if stop is None else stop
        kinds = [Kind(k) for k in c.KINDS]
        actors = [Actor(a) for a in c.ACTORS]
        columns = [(name, codes[start:stop].tolist()) for name, codes in self.fields.items()]
        for i, (ticket, n, ts, kind, actor, public) in enumerate(
            zip(
                self.ticket[start:stop].tolist(),
                self.n[start:stop].tolist(),
                self.ts[start:stop].tolist(),
                self.kind[start:stop].tolist(),
                self.actor[start:stop].tolist(),
                self.public[start:stop].tolist(),
                strict=True,
            )
        ):
            fields: dict[str, FieldValue] = {}
            for name, codes in columns:
                if codes[i] >= 0:
                    fields[name] = c.FIELD_VALUES[name][codes[i]]
            yield Event(
                event_id=f"demo-{ticket}-{n}",
                ticket_id=str(ticket),
                ts=ts,
                kind=kinds[kind],
                actor=actors[actor] if actor >= 0 else None,
                public=bool(public) if public >= 0 else None,
                fields=fields,
                seq=start + i,
            )


def generate_events(
    *,
    seed: int = 7,
    end: datetime,
    days: int = 90,
    tickets: int | None = None,
    target_events: int | None = None,
) -> Iterator[Event]:
    """A synthetic helpdesk event log covering the ``days`` before ``end``, in delivery order
    (:func:`generate_log`, one :class:`Event` at a time)."""
    return generate_log(
        seed=seed, end=end, days=days, tickets=tickets, target_events=target_events
    ).events()


def generate_log(
    *,
    seed: int = 7,
    end: datetime,
    days: int = 90,
    tickets: int | None = None,
    target_events: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoLog:
    """A synthetic helpdesk event log covering the ``days`` before ``end``, in delivery order.

    ``tickets`` fixes the number of tickets; ``target_events`` instead adds tickets until the
    log holds about that many events; with neither, about 2,000 tickets per 90 days (about
    22,000 events). About 2 % of the events are delivered late, after later events of their
    ticket. Events after ``end`` are left out, so recent tickets are still open. Tickets are
    simulated in batches of at most :data:`BATCH_TICKETS`; ``progress`` hears the number of
    events made after each. Raises ``ValueError`` for a naive ``end`` or inconsistent sizes.
    """
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be an aware datetime (e.g. datetime(..., tzinfo=UTC))")
    if days <= 0:
        raise ValueError("days must be at least 1")
    if tickets is not None and target_events is not None:
        raise ValueError("give tickets or target_events, not both")
    if (tickets is not None and tickets < 0) or (target_events is not None and target_events < 0):
        raise ValueError("tickets and target_events cannot be negative")
    return _generate(seed, to_instant(end), days, tickets, target_events, progress)


def _world(start: Instant, end: Instant) -> World:
    import holidays  # the calendars' public holidays: only when a log is made

    first, last = start - 2 * DAY, end + _HORIZON
    utc = ZoneInfo("UTC")
    years = list(
        range(datetime.fromtimestamp(first, utc).year, datetime.fromtimestamp(last, utc).year + 1)
    )
    closed = (
        frozenset(holidays.country_holidays("US", years=years)),
        frozenset(holidays.country_holidays("DE", subdiv="BE", years=years)),
    )
    work = tuple(
        WorkTable.build(zone, hours, off, first, last)
        for zone, hours, off in zip(_ZONES, _HOURS, closed, strict=True)
    )
    local = tuple(LocalTime(zone, first, last) for zone in _ZONES)
    # arrivals: each hour of [start, end) weighted by its local hour and weekday
    starts = np.arange(start - start % HOUR, end, HOUR, dtype=np.int64)
    overlap = (np.minimum(starts + HOUR, end) - np.maximum(starts, start)) / HOUR
    arrivals = []
    for zone in local:
        wall = zone.local(starts)
        weight = c.HOUR_WEIGHT[hour_of(wall)] * c.DAY_WEIGHT[weekday_of(wall)] * overlap
        arrivals.append((starts, np.cumsum(weight)))
    return World(
        start,
        end,
        (work[0], work[1]),
        (local[0], local[1]),
        tuple(arrivals),
    )


@dataclass(slots=True)
class _Batch:
    ticket: I64  # the ticket's index in the batch
    slot: I64
    ts: I64
    kind: Codes
    actor: Codes
    public: Codes
    fields: dict[str, Codes]
    created: I64  # by ticket


def _simulate(rng: np.random.Generator, world: World, n: int) -> _Batch:
    stories = Stories(rng, world, n)
    stories.simulate()
    chunks = stories.chunks
    ticket = np.concatenate([ch.tickets for ch in chunks])
    sizes = [ch.tickets.size for ch in chunks]
    fields = {
        name: np.concatenate(
            [ch.fields.get(name, np.full(ch.tickets.size, -1, dtype=np.int8)) for ch in chunks]
        )
        for name in c.FIELD_VALUES
    }
    created = np.zeros(n, dtype=np.int64)
    first = chunks[0]  # the creation slot holds every ticket
    created[first.tickets] = first.ts
    return _Batch(
        ticket=ticket,
        slot=np.repeat([ch.slot for ch in chunks], sizes).astype(np.int64),
        ts=np.concatenate([ch.ts for ch in chunks]),
        kind=np.repeat(np.array([ch.kind for ch in chunks], dtype=np.int8), sizes),
        actor=np.concatenate([ch.actor for ch in chunks]),
        public=np.repeat(np.array([ch.public for ch in chunks], dtype=np.int8), sizes),
        fields=fields,
        created=created,
    )


def _keep(batch: _Batch, rows: NDArray[np.bool_], tickets: int) -> _Batch:
    return _Batch(
        ticket=batch.ticket[rows],
        slot=batch.slot[rows],
        ts=batch.ts[rows],
        kind=batch.kind[rows],
        actor=batch.actor[rows],
        public=batch.public[rows],
        fields={k: v[rows] for k, v in batch.fields.items()},
        created=batch.created[:tickets],
    )


def _generate(
    seed: int,
    end: Instant,
    days: int,
    tickets: int | None,
    target_events: int | None,
    progress: Callable[[int], None] | None = None,
) -> DemoLog:
    rng = np.random.default_rng(seed % (1 << 64))
    world = _world(end - days * DAY, end)
    if tickets is None and target_events is None:
        tickets = round(DEFAULT_TICKETS_PER_90_DAYS * days / 90)

    # Tickets are drawn independently (creation time included), so stopping at an event count
    # still leaves an unbiased sample; they are numbered by creation afterwards.
    batches: list[_Batch] = []
    total = 0
    if tickets is not None:
        for first in range(0, tickets, BATCH_TICKETS):
            batch = _simulate(rng, world, min(BATCH_TICKETS, tickets - first))
            batches.append(batch)
            total += int(np.count_nonzero(batch.ts <= end))
            if progress is not None:
                progress(total)
    else:
        assert target_events is not None
        while total < target_events:
            size = max(64, int((target_events - total) / _EVENTS_PER_TICKET * 1.05) + 1)
            batch = _simulate(rng, world, min(size, BATCH_TICKETS))
            kept = batch.ts <= end
            per_ticket = np.bincount(batch.ticket[kept], minlength=size)
            cum = total + np.cumsum(per_ticket)
            if cum[-1] >= target_events:  # stop at the ticket that reaches the target
                last = int(np.searchsorted(cum, target_events, side="left"))
                batch = _keep(batch, batch.ticket <= last, last + 1)
            batches.append(batch)
            total = int(cum[min(len(cum) - 1, batch.created.size - 1)])
            if progress is not None:
                progress(total)
    return _assemble(rng, batches, end)


def _assemble(rng: np.random.Generator, batches: list[_Batch], end: Instant) -> DemoLog:
    if not batches:
        none = np.zeros(0, dtype=np.int64)
        codes = np.zeros(0, dtype=np.int8)
        return DemoLog(none, none, none, codes, codes, codes, {k: codes for k in c.FIELD_VALUES})
    offsets = np.cumsum([0] + [b.created.size for b in batches])
    ticket = np.concatenate([b.ticket + o for b, o in zip(batches, offsets, strict=False)])
    created = np.concatenate([b.created for b in batches])

    def cat(get: str) -> Any:
        return np.concatenate([getattr(b, get) for b in batches])

    slot, ts, kind, actor, public = (cat(x) for x in ("slot", "ts", "kind", "actor", "public"))
    fields = {k: np.concatenate([b.fields[k] for b in batches]) for k in c.FIELD_VALUES}

    number = np.empty(created.size, dtype=np.int64)
    number[np.argsort(created, kind="stable")] = np.arange(created.size, dtype=np.int64)
    kept = np.flatnonzero(ts <= end)
    ticket = 10001 + number[ticket[kept]]
    # each ticket's events in story order: one sort on (ticket, slot) packed in one integer
    story = kept[np.argsort((ticket << 24) | slot[kept])]
    ticket = np.sort(ticket)
    ts, kind = ts[story], kind[story]
    firsts = np.flatnonzero(np.concatenate(([True], ticket[1:] != ticket[:-1])))
    n = np.arange(ts.size, dtype=np.int64) - np.repeat(firsts, np.diff(np.append(firsts, ts.size)))

    late = (kind != c.CREATED) & (rng.random(ts.size) < _LATE_SHARE)
    delay = rng.integers(5 * MINUTE, 6 * HOUR + 1, ts.size)
    arrival = np.where(late, np.minimum(ts + delay, end), ts)
    # delivery order: by arrival, then instant, then (stable) ticket and place in the story
    base = int(ts.min()) if ts.size else 0
    order = np.argsort(((arrival - base) << 32) | (ts - base), kind="stable")
    rows = story[order]  # the generated rows, in delivery order
    return DemoLog(
        ticket=ticket[order],
        n=n[order],
        ts=ts[order],
        kind=kind[order],
        actor=actor[rows],
        public=public[rows],
        fields={k: v[rows] for k, v in fields.items()},
    )


def log_table(log: DemoLog, start: int = 0, stop: int | None = None) -> pa.Table:
    """Rows ``start`` … ``stop`` of the log as the table :mod:`accord.io.table_writers` writes
    (each field a dictionary column over its names)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from accord.core.events import STANDARD_FIELDS

    s = slice(start, len(log) if stop is None else stop)

    def coded(codes: Codes, names: Sequence[str]) -> pa.DictionaryArray:
        unset = codes < 0
        indices = pa.array(np.where(unset, 0, codes), mask=unset if unset.any() else None)
        return pa.DictionaryArray.from_arrays(indices, pa.array(list(names), pa.string()))

    def text(numbers: I64) -> pa.Array:
        # numbers as text, each distinct one made once (a log has few tickets per event)
        if numbers.size == 0:
            return pa.array([], pa.string())
        low = int(numbers.min())
        names = pa.array([str(i) for i in range(low, int(numbers.max()) + 1)], pa.string())
        return names.take(pa.array(numbers - low))

    ticket = text(log.ticket[s])
    ts = np.ascontiguousarray(log.ts[s])
    columns: dict[str, pa.Array] = {
        "event_id": pc.binary_join_element_wise("demo-", ticket, "-", text(log.n[s]), ""),
        "ticket_id": ticket,
        "ts": pa.Array.from_buffers(pa.timestamp("s", tz="UTC"), ts.size, [None, pa.py_buffer(ts)]),
        "kind": coded(log.kind[s], c.KINDS),
        "actor": coded(log.actor[s], c.ACTORS),
        "public": pa.array(log.public[s] == 1, mask=log.public[s] < 0),
    }
    for name, codes in log.fields.items():
        values = c.FIELD_VALUES[name]
        names = [";".join(v) if isinstance(v, tuple) else v for v in values]
        columns[name if name in STANDARD_FIELDS else f"field.{name}"] = coded(codes[s], names)
    return pa.table(columns)
