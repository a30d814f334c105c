"""The KPI view's content (:class:`Part`: one consistent content for one configuration
version, settled tickets in frames, open ones as events) and the frame operations that build
and patch it: tickets dropped and added, frames concatenated as the full path types them,
settled tickets told from open ones, the open tickets' facts and inputs at an instant. The
view (:mod:`accord.service.kpi_view`) holds one part and keeps it current; see its module
documentation for what settled and open mean."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.config.resolved import Configuration
from accord.core.engine.batch import compute_batch
from accord.core.engine.batch.kernel import Options
from accord.core.engine.batch.prepared import Prepared, compute, prepare
from accord.core.engine.batch.schema import EVENTS_SCHEMA, FIELD_PREFIX
from accord.core.events import Event
from accord.core.kpi.facts import policy_fields, ticket_facts
from accord.core.kpi.frames import (
    RECORD_ENUMS,
    RECORDS_SCHEMA,
    events_frame,
    events_frame_of_table,
    records_frame_of_table,
)
from accord.core.timeutil import Instant
from accord.service.kpi_open_events import OpenEvents
from accord.service.kpi_records import OpenRecords, SettledEnums, open_records
from accord.service.recompute import summarize

OWNER = "__owner"
FAR = 2**62  # an instant after every event: facts of a settled ticket include all of them


@dataclass
class Part:
    """One consistent content of the view, for one configuration version."""

    version: int
    config: Configuration
    custom: tuple[str, ...]  # the custom fields the facts hold
    records: pl.DataFrame  # settled tickets' records, RECORDS_SCHEMA without as_of, text
    facts: pl.DataFrame  # settled tickets' ticket facts (+ __owner: current customer)
    spans: pl.DataFrame  # settled tickets' open spans
    # open tickets' events (an events table), with the rows of tickets dropped since kept
    # until a reader needs the whole table
    open: OpenEvents = field(default_factory=lambda: OpenEvents(None))
    open_ids: set[str] = field(default_factory=set)
    # the open tickets' facts and spans with all their events (what any instant from their
    # last event on gives), computed at the first read after ``open`` changed
    open_facts: tuple[pl.DataFrame, pl.DataFrame, Instant] | None = None
    settled_last_ts: Instant = -(2**62)  # the latest event of any settled ticket
    settled_first_judged: Instant = 2**62  # the earliest judging instant of settled records
    seq_seen: int = 0  # events up to this seq are accounted for
    # the settled records with their Enums, made at the first read after ``records`` changed
    enums: SettledEnums | None = None
    # the open tickets' timelines for the batch engine, laid out at the first read of every
    # ticket's records after a load, then kept in step with ``open`` (see :func:`add_open`)
    prepared: Prepared | None = None


class Mismatch(Exception):
    """Parts of a frame typed differently: only the full path types them as one."""


def empty_part(version: int, config: Configuration, custom: tuple[str, ...], seq: int) -> Part:
    records = pl.DataFrame(schema={k: v for k, v in RECORDS_SCHEMA.items() if k != "as_of"})
    return Part(
        version=version,
        config=config,
        custom=custom,
        records=records,
        facts=pl.DataFrame(),
        spans=pl.DataFrame(schema={"ticket_id": pl.String, "start": pl.Int64, "end": pl.Int64}),
        seq_seen=seq,
    )


def drop_tickets(frame: pl.DataFrame, ids: Sequence[str]) -> pl.DataFrame:
    if not frame.width or not frame.height:
        return frame
    gone = pl.Series(ids, dtype=pl.String).implode()
    return frame.filter(~pl.col("ticket_id").is_in(gone))


def concat(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    kept = [f for f in frames if f.width]
    if not kept:
        return frames[0]
    try:
        return unify(kept)
    except Mismatch:
        return pl.concat(kept, how="vertical_relaxed")


def unify(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Concatenate frames whose columns may be typed ``String`` where they hold only nulls
    (a field no event of that part sets), as the full path types them over every ticket. A
    column of nulls in every frame, typed differently (one part kept a field's nulls after
    its tickets that set it left), is text, as a field never set is."""
    frames = [f for f in frames if f.width]
    if len(frames) == 1:
        return frames[0]
    schema: dict[str, Any] = {}
    null_types: dict[str, set[Any]] = {}
    for f in frames:
        for name, dtype in f.schema.items():
            if f.height == 0 or f.get_column(name).null_count() == f.height:
                schema.setdefault(name, None)
                null_types.setdefault(name, set()).add(dtype)
                continue
            if schema.get(name) is not None and schema[name] != dtype:
                raise Mismatch(name)
            schema[name] = dtype
    for name, types in null_types.items():
        if schema[name] is None and len(types) > 1:
            schema[name] = pl.String
    fixed = []
    for f in frames:
        casts = [
            # a column of nulls is nulls of any type (a cast of some types to others fails)
            pl.lit(None, dtype=t).alias(n)
            if f.get_column(n).null_count() == f.height
            else pl.col(n).cast(t)
            for n, t in schema.items()
            if t is not None and n in f.columns and f.schema[n] != t
        ]
        fixed.append(f.with_columns(casts) if casts else f)
    return pl.concat(fixed)


def records_text(frame: pl.DataFrame) -> pl.DataFrame:
    """A records frame with its Enums as text (parts then concatenate; a request makes the
    Enums of what it keeps, as the full path does)."""
    return frame.select(
        pl.col(k).cast(pl.String) if k in RECORD_ENUMS else pl.col(k)
        for k in RECORDS_SCHEMA
        if k != "as_of"
    )


def facts_of(
    part: Part, events: Mapping[str, list[Event]], when: Instant
) -> tuple[pl.DataFrame, pl.DataFrame]:
    evs = [e for es in events.values() for e in es]
    frame = events_frame(evs, [*policy_fields(part.config), *part.custom])
    got = ticket_facts(frame, part.config, when, fields=list(part.custom))
    owners = pl.DataFrame(
        {
            "ticket_id": list(events),
            OWNER: [summarize(t, es, when).customer for t, es in events.items()],
        },
        schema={"ticket_id": pl.String, OWNER: pl.String},
    )
    return got.tickets.join(owners, on="ticket_id", how="left"), got.open_spans


def split_settled(
    part: Part, events: pa.Table, records: pl.DataFrame, settled: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
    """Split tickets read in columns (an events table and a records frame with ``as_of``)
    into the ``settled`` ones, returned as frames (records as text, facts with the current
    customer, open spans), and the others, whose events go to ``part.open``."""
    ids = settled.implode()
    mask = pa.array(
        pl.Series(pc.cast(events.column("ticket_id"), pa.string())).is_in(ids).to_arrow()
    )
    add_open(part, _set_fields(events.filter(pc.invert(mask))))
    if not settled.len():
        return None
    kept = events.filter(mask)
    recs = records.filter(pl.col("ticket_id").is_in(ids))
    last = pc.max(kept.column("ts")).as_py()
    part.settled_last_ts = max(part.settled_last_ts, int(last))
    first = recs.get_column("as_of").min()
    assert isinstance(first, int)  # settled tickets have records
    part.settled_first_judged = min(part.settled_first_judged, first)
    frame = events_frame_of_table(kept, [*policy_fields(part.config), *part.custom])
    got = ticket_facts(frame, part.config, FAR, fields=list(part.custom))
    facts = got.tickets.join(_owners(frame), on="ticket_id", how="left")
    return records_text(recs), facts, got.open_spans


def _set_fields(table: pa.Table) -> pa.Table:
    """An events table without the custom field columns no event of it sets (as
    ``events_to_table`` makes the table of the same events)."""
    empty = [
        n
        for n in table.column_names
        if n.startswith(FIELD_PREFIX) and table.column(n).null_count == table.num_rows
    ]
    return table.drop_columns(empty) if empty else table


def _owners(frame: pl.DataFrame) -> pl.DataFrame:
    """Each ticket's current customer from an events frame: the last value a ``created`` or
    ``updated`` event sets, in time order (text, ``None`` when empty)."""
    sets = pl.col("kind").is_in(["created", "updated"]) & pl.col("s:customer")
    value = pl.col("f:customer").cast(pl.String)
    got = (
        frame.sort(["ticket_id", "ts", "ts_us", "seq"])
        .filter(sets)
        .group_by("ticket_id")
        .agg(value.last().alias(OWNER))
        .with_columns(pl.when(pl.col(OWNER) == "").then(None).otherwise(pl.col(OWNER)).alias(OWNER))
    )
    ids = frame.select(pl.col("ticket_id").unique())
    return ids.join(got, on="ticket_id", how="left")


def _plain(table: pa.Table) -> pa.Table:
    """An events table with plain (not dictionary) columns, the fixed ones typed as
    :data:`EVENTS_SCHEMA` types them: parts read at different times then concatenate."""
    cols = []
    for f in table.schema:
        col = table.column(f.name)
        if pa.types.is_dictionary(f.type):
            col = col.cast(f.type.value_type)
        want = EVENTS_SCHEMA.field(f.name).type if f.name in EVENTS_SCHEMA.names else None
        if want is not None and col.type != want:
            col = col.cast(want)
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def add_open(part: Part, table: pa.Table) -> None:
    if not table.num_rows:
        return
    table = _plain(table)
    part.open_ids.update(pc.unique(table.column("ticket_id")).to_pylist())
    if part.open_facts is not None:  # the facts of the tickets added, added
        facts, spans, last = part.open_facts
        f, sp, la = facts_of_open(part.config, part.custom, table)
        try:
            part.open_facts = (unify([facts, f]), pl.concat([spans, sp]), max(last, la))
        except Mismatch:
            part.open_facts = None
    part.open = part.open.plus(table)
    if part.prepared is not None:  # laid out now: a change costs as its tickets do
        part.prepared = _compacted(part.prepared.plus(table), part.open)


def drop_open(part: Part, ids: Sequence[str]) -> None:
    gone = [t for t in ids if t in part.open_ids]
    if not gone:
        return
    part.open_ids.difference_update(gone)
    if part.open_facts is not None:  # the last event's instant stays an upper bound
        facts, spans, last = part.open_facts
        part.open_facts = (drop_tickets(facts, gone), drop_tickets(spans, gone), last)
    # noted, not filtered: filtering every open event at each sync cost most of a sync
    part.open = part.open.without(gone)
    if part.open.pending > _DROPPED_AT_MOST * len(part.open_ids) + _DROPPED_FEW:
        part.open.whole()  # the rows held for nothing grow too many: filtered now
    if part.prepared is not None:
        part.prepared = part.prepared.without(gone)
        if part.prepared.tickets > _LAID_OUT_AT_MOST * part.prepared.count + _SMALL:
            part.prepared = None  # mostly tickets left out: laid out afresh at the next read


# the open events' rows of dropped tickets are filtered out when there were more drops than
# this fraction of the open tickets (plus a few) since the last filter: a filter costs about
# a second at 1M tickets, rows held for nothing cost memory
_DROPPED_AT_MOST = 0.25
_DROPPED_FEW = 20_000
# a prepared layout is made again when it holds more than this many times the tickets still
# in (plus a few): the ones left out still cost their clocks' runs at each read
_LAID_OUT_AT_MOST = 1.5
# pieces of fewer tickets than this (one per sync that changed open tickets) are merged
# into one when there are more than _PIECES of them: a piece costs a few ms per read
_SMALL = 20_000
_PIECES = 8


def _compacted(prepared: Prepared, opened: OpenEvents) -> Prepared:
    """``prepared`` with its small pieces laid out again as one when there are many."""
    small = [p for p in prepared.pieces if len(p.ids) < _SMALL]
    if len(small) <= _PIECES:
        return prepared
    ids = set().union(*(p.ids for p in small))
    events = opened.of(pa.array(sorted(ids), type=pa.string()))
    big = prepared.without(ids)
    return big.plus(events) if events is not None and events.num_rows else big


def facts_of_open(
    config: Configuration, custom: tuple[str, ...], opened: pa.Table | None
) -> tuple[pl.DataFrame, pl.DataFrame, Instant]:
    """The open tickets' facts (with their current customer) and open spans over all their
    events, and the instant of the latest event: at any instant from then on the facts are
    these (an instant only leaves out the events after it)."""
    table = opened if opened is not None else EVENTS_SCHEMA.empty_table()
    frame = events_frame_of_table(table, [*policy_fields(config), *custom])
    got = ticket_facts(frame, config, FAR, fields=list(custom))
    facts = got.tickets.join(_owners(frame), on="ticket_id", how="left")
    last = pc.max(table.column("ts")).as_py() if table.num_rows else None
    return facts, got.open_spans, int(last) if last is not None else -FAR


def prepared_open(config: Configuration, opened: pa.Table | None) -> Prepared:
    """The open tickets' timelines, as :func:`open_inputs` computes every ticket's records
    (with the internal agreements')."""
    table = opened if opened is not None else EVENTS_SCHEMA.empty_table()
    return prepare(table, config, options=Options(agreements=bool(config.agreements)))


def open_inputs(
    config: Configuration,
    custom: tuple[str, ...],
    opened: OpenEvents,
    when: Instant,
    customer: str | None,
    memo: tuple[pl.DataFrame, pl.DataFrame, Instant],
    prepared: Prepared | None = None,
    *,
    tickets: int,
) -> tuple[pl.DataFrame | OpenRecords, pl.DataFrame, pl.DataFrame]:
    """The open tickets' records (a customer's as text, every ticket's as the engine's
    table), facts and spans at ``when``, as the full path
    computes them (a customer's: its tickets, its records, no internal agreements), in
    columns: the batch engine and the columnar events frame. ``tickets``: how many open
    tickets there are; ``memo``: their facts over all their events (:func:`facts_of_open`),
    used when no event lies after ``when``;
    ``prepared``: their timelines (:func:`prepared_open`), used for every ticket's records
    when no event lies after ``when`` (the whole events table is then not needed)."""
    empty = empty_part(0, config, custom, 0).records
    facts, spans, last = memo

    def whole() -> pa.Table:
        table = opened.whole()
        return table if table is not None else EVENTS_SCHEMA.empty_table()

    if when < last:  # some event lies after ``when``: the facts at ``when`` leave it out
        table = whole()
        frame = events_frame_of_table(table, [*policy_fields(config), *custom])
        got = ticket_facts(frame, config, when, fields=list(custom))
        facts = got.tickets.join(_owners(frame), on="ticket_id", how="left")
        spans = got.open_spans
    if customer is not None:  # its tickets' events only, not every open one's
        facts = facts.filter((pl.col("customer") == customer) & (pl.col(OWNER) == customer))
        ids = facts.get_column("ticket_id")
        spans = spans.filter(pl.col("ticket_id").is_in(ids.implode()))
        mine = opened.of(ids.to_arrow())
        if mine is None or not mine.num_rows:
            return empty, facts, spans
        computed = compute_batch(mine, config, when)
        return records_text(records_frame_of_table(computed, customer)), facts, spans
    if not tickets:
        return empty, facts, spans
    # the engine's table: the read makes the Enums from its codes
    if prepared is not None and when >= prepared.since:
        return open_records(compute(prepared, when)), facts, spans
    computed = compute_batch(whole(), config, when, agreements=bool(config.agreements))
    return open_records(computed), facts, spans


def version_boundary(config: Configuration, since: Instant, when: Instant) -> bool:
    """Whether a policy version takes effect after ``since`` and by ``when``: records judged
    before it might differ at ``when`` (a new cycle may start at that instant)."""
    return any(
        v.effective_from is not None and since < v.effective_from <= when
        for p in config.policies
        for v in p.versions
    )
