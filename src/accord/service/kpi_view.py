"""The KPI view: the inputs of ``GET /api/v1/kpis/values`` (records frame and ticket facts),
held in memory and patched per changed ticket instead of replaying every stored event.

:func:`accord.service.figures.kpi_inputs` replays all stored events at each refresh (minutes
with a million tickets). Most of what it computes does not depend on the instant it is for:
a ticket whose clocks have all stopped and which has no event after the instant they were
judged at has the same records at any later instant (but for the ``as_of`` column), and the
same ticket facts. So the view splits the tickets in two:

- **settled**: the stored records are current (no recompute mark, no event newer than the
  store's change stamp read before them), were computed under the configuration version in
  force, every one has stopped (``stop`` set), and no event of the ticket lies after the
  instant they were judged at. Their records and ticket facts sit in two columnar frames,
  read from the store (records as stored; facts from the ticket's events, which the engine
  does not replay);
- **open**: every other ticket. Its events are kept, and its records and facts are computed
  at each request's instant by the same engines and fact builder as the full path. What of
  that does not depend on the instant is kept between reads: the facts over all the events,
  and the batch engine's timelines of every open ticket (laid out at the first read, then
  tickets left out and added as syncs change them, see
  :mod:`accord.core.engine.batch.prepared`), so that a read runs the clocks only, whenever
  no open event lies after its instant. A sync only notes the open tickets it drops from the
  events (:mod:`accord.service.kpi_open_events`): their rows are filtered out when a reader
  needs the whole table, not at each sync.

A request joins both parts and evaluates them with :func:`accord.core.kpi.evaluate.evaluate`,
the same function; nothing is defined twice. The view answers only what it can answer
exactly, and returns ``None`` otherwise (the caller then takes the full path):

- a custom field the view does not hold (it holds the custom fields its configuration's KPIs
  name without ``by``);
- an instant before a settled ticket's last event, or after a policy version's
  ``effective_from`` that is later than some settled records' judging instant;
- field columns typed differently in different parts (a field with true/false values in some
  tickets and text in others).

Keeping current: every computation first :meth:`sync`\\ s with the store: tickets with events
newer than the last stamp (``Store.changed_since``) and tickets the recompute saved since
(:meth:`saved`) are read again (events, records, recompute marks); a new configuration
version reloads the whole view. A customer's move is an event, so a moved ticket is read again
before the next answer, under its new current customer. Loading at start reads the stored
records and the events page by page, in columns (no Python object per event or record; the
settle decision is made on them too); it never runs the engine over a settled ticket.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.agreements.models import AGREEMENT_PREFIX
from accord.core.config.resolved import Configuration
from accord.core.engine.batch import events_to_table
from accord.core.engine.batch.schema import EVENTS_SCHEMA
from accord.core.events import Event
from accord.core.kpi.columns import CUSTOM_PREFIX
from accord.core.kpi.facts import FACT_COLUMNS, TicketFacts, policy_fields, ticket_facts
from accord.core.kpi.frames import (
    events_frame_of_table,
    records_frame,
    records_frame_of_table,
)
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant
from accord.io.store import Store
from accord.service import kpi_view_state as saved_state
from accord.service.kpi_open_events import OpenEvents
from accord.service.kpi_records import (
    add_rows,
    aligned,
    drop_rows,
    records_at,
    records_at_plain,
    settled_enums,
)
from accord.service.kpi_view_parts import (
    FAR,
    OWNER,
    Mismatch,
    Part,
    add_open,
    concat,
    drop_open,
    drop_tickets,
    empty_part,
    facts_of,
    facts_of_open,
    open_inputs,
    prepared_open,
    records_text,
    split_settled,
    unify,
    version_boundary,
)
from accord.service.kpi_view_state import Saved, StateError, Watermark

log = logging.getLogger("accord.service")

_PAGE = 2_000  # tickets read per store call
# a saved state with more of its tickets changed since is not used: the catch-up reads them
# page by page as a sync does (each page filtering the settled frames, and the open events
# once a quarter of the open tickets were dropped)
_REREAD_AT_MOST = 0.1


def _anchor(changed: dict[str, tuple[int, int]], seq: int) -> str | None:
    """The ticket of the event numbered ``seq``, from ``changed_since(seq - 1)``."""
    return next((tid for tid, (low, _) in changed.items() if low == seq), None)


@dataclass(frozen=True)
class Owned:
    """One customer's tickets in the view at an instant (:meth:`KpiView.owned`)."""

    config: Configuration
    settled_records: pl.DataFrame  # the customer's records of its settled tickets (text)
    settled_facts: pl.DataFrame  # the settled tickets' facts
    open_events: pa.Table  # the events of its open tickets
    open_facts: pl.DataFrame  # the open tickets' facts at the instant


@dataclass(frozen=True)
class _Read:
    """What the store says about some tickets, read in an order that keeps it consistent."""

    events: dict[str, list[Event]]
    records: dict[str, list[MetricRecord]]
    marked: set[str]
    seq: int  # the store's highest event seq read before anything else


class KpiView:
    """The inputs of the KPI values, in memory (see the module doc). Thread-safe."""

    def __init__(
        self,
        store: Store,
        version_at: Callable[[Instant], int | None],
        clock: Callable[[], Instant],
        *,
        page: int = _PAGE,
    ) -> None:
        self._store = store
        self._version_at = version_at
        self._clock = clock
        # a policy version took effect after some settled records were judged: load again
        self.stale = False
        self._page = page
        self._lock = threading.RLock()
        self._part: Part | None = None
        # the tickets saved since the last sync, behind a lock of their own: a sync holds the
        # view's lock while it reads (minutes after a long stream nobody read), and the
        # server's thread that hears the recompute's passes must not wait for it, or the
        # recompute process waits on its full pipe and the backlog grows meanwhile
        self._saved_lock = threading.Lock()
        self._saved: set[str] = set()
        self.loads = 0
        self.load_seconds: float | None = None
        self.refreshed = 0  # tickets read again since the load (for tests and metrics)

    # ------------------------------------------------------------------ keeping current

    def saved(self, ticket_ids: Iterable[str]) -> None:
        """The recompute stored new records for these tickets: read them at the next sync
        (never waits for a sync under way)."""
        with self._saved_lock:
            self._saved.update(ticket_ids)

    def _take_saved(self) -> set[str]:
        with self._saved_lock:
            taken, self._saved = self._saved, set()
        return taken

    def load(
        self, version: int, config: Configuration, custom: Sequence[str], *, columnar: bool = True
    ) -> None:
        """(Re)build the view from the store, for this configuration version: page by page,
        in columns, as :meth:`sync` reads (``columnar=False``: through an object per event
        and record, the same view; kept for the tests and the benchmark)."""
        t0 = time.perf_counter()
        with self._lock:
            self._take_saved()
            self.stale = False
        seq0 = self._store.change_stamp()[0]
        part = empty_part(version, config, tuple(dict.fromkeys(custom)), seq0)
        marked = self._marked()  # once: every ticket marked later has an event after seq0
        after: str | None = None
        recs: list[pl.DataFrame] = []
        facts: list[pl.DataFrame] = []
        spans: list[pl.DataFrame] = []
        while True:
            ids = self._store.ticket_ids(after=after, limit=self._page)
            if not ids:
                break
            if columnar:
                got = self._settle_columns(part, ids, seq0, marked)
            else:
                got = self._settle(part, self._read(ids, seq0, marked))
            if got is not None:
                recs.append(got[0])
                facts.append(got[1])
                spans.append(got[2])
            if len(ids) < self._page:
                break
            after = ids[-1]
        part.records = concat([part.records, *recs])
        part.facts = concat([part.facts, *facts])
        part.spans = concat([part.spans, *spans])
        part.open_facts = facts_of_open(config, part.custom, part.open.whole())
        with self._lock:
            self._part = part
            self.loads += 1
        self.load_seconds = time.perf_counter() - t0
        log.info(
            "KPI view loaded: %d settled tickets, %d open, in %.1f s",
            part.facts.height,
            len(part.open_ids),
            self.load_seconds,
        )

    # ------------------------------------------------------------------ saved state

    def content_stamp(self) -> tuple[int, ...]:
        """Changes whenever the content does (loads, events seen, tickets read again)."""
        with self._lock:
            p = self._part
            return (self.loads, p.seq_seen if p else -1, self.refreshed)

    def save(self, path: Path, store_id: str) -> tuple[int, tuple[int, ...]] | None:
        """Write the view's content, caught up with the store, to ``path`` (whole or not at
        all, see :mod:`accord.service.kpi_view_state`); the bytes written and the
        :meth:`content_stamp` of what was written, ``None`` when nothing is loaded. Reads go
        on meanwhile: the frames are taken as they are (a sync replaces them, never changes
        them) and written outside the lock."""
        self.sync()
        # before the content is taken: a ticket marked or failed now may get new records
        # without a new event, so it is read again at start (with those the recompute
        # saved since the last sync)
        reread = self._marked()
        configs = self._store.change_stamp()[1]
        with self._lock:
            part = self._part
            if part is None:
                return None
            with self._saved_lock:
                reread |= self._saved
            stamp = (self.loads, part.seq_seen, self.refreshed)
            records, facts, spans, opened = part.records, part.facts, part.spans, part.open
            open_facts = part.open_facts
            mark = Watermark(
                store_id=store_id,
                seq=part.seq_seen,
                anchor=None,
                config_versions=configs,
                version=part.version,
                custom=part.custom,
                reread=tuple(sorted(reread)),
                settled_last_ts=part.settled_last_ts,
                settled_first_judged=part.settled_first_judged,
            )
        mark = replace(mark, anchor=_anchor(self._store.changed_since(mark.seq - 1), mark.seq))
        # the dropped tickets' rows filtered out here, outside the lock (the same content)
        saved = Saved(mark, records, facts, spans, opened.whole(), open_facts)
        return saved_state.write(path, saved), stamp

    def load_saved(
        self, path: Path, store_id: str, version: int, config: Configuration, custom: Sequence[str]
    ) -> bool:
        """Start from the content saved at ``path``, caught up with what the store got since
        (the tickets with newer events and those the file names, as :meth:`sync` reads);
        ``False`` (with a log line, the view unchanged) when it is missing, unreadable, or
        not this store's, version's or fields' content: the caller then loads it."""
        t0 = time.perf_counter()
        held = tuple(dict.fromkeys(custom))
        try:
            got = saved_state.read(path)
            opened = got.open if got.open is not None and got.open.num_rows else None
            open_ids = (
                set(pc.unique(opened.column("ticket_id")).to_pylist())
                if opened is not None
                else set()
            )
            self._check(got, got.facts.height + len(open_ids), store_id, version, config, held)
        except StateError as e:
            level = logging.WARNING if e.warn else logging.INFO
            log.log(level, "KPI view: the saved state %s is not used: %s", path, e)
            return False
        mark = got.mark
        part = Part(
            version=version,
            config=config,
            custom=held,
            records=got.records,
            facts=got.facts,
            spans=got.spans,
            open=OpenEvents(opened),
            open_ids=open_ids,
            open_facts=got.open_facts,
            settled_last_ts=mark.settled_last_ts,
            settled_first_judged=mark.settled_first_judged,
            seq_seen=mark.seq,
        )
        again = set(mark.reread) | self._marked()
        with self._lock:
            self._part = part
            self.stale = False
            # read again with the tickets of newer events, at the next sync (now), beside
            # those the recompute saved meanwhile
            with self._saved_lock:
                self._saved |= again
            self.loads += 1
        self.sync()
        self.load_seconds = time.perf_counter() - t0
        log.info(
            "KPI view started from %s (events up to %d, %d tickets read again): "
            "%d settled tickets, %d open, in %.1f s",
            path,
            mark.seq,
            self.refreshed,
            part.facts.height,
            len(part.open_ids),
            self.load_seconds,
        )
        return True

    def _check(
        self,
        got: Saved,
        tickets: int,
        store_id: str,
        version: int,
        config: Configuration,
        held: tuple[str, ...],
    ) -> None:
        """Raise :class:`StateError` unless ``got`` is this store's, at a state it has
        reached, under ``version`` and its fields, with no policy version taking effect
        since its settled records were judged (a load would make them open), and with few
        enough of its ``tickets`` changed since that reading them again beats a load."""
        mark = got.mark
        if mark.store_id != store_id:
            raise StateError(
                f"saved for another store ({mark.store_id}, this is {store_id})", warn=True
            )
        if mark.version != version or mark.custom != held:
            raise StateError(
                f"built under configuration version {mark.version} with fields "
                f"{list(mark.custom)}; the view needs version {version} with {list(held)}"
            )
        seq, configs = self._store.change_stamp()
        if seq < mark.seq:
            raise StateError(
                f"the store's events end at {seq}, before the saved {mark.seq}", warn=True
            )
        if configs != mark.config_versions:
            raise StateError("configuration versions were added since it was saved")
        changed = self._store.changed_since(mark.seq - 1)
        if _anchor(changed, mark.seq) != mark.anchor:
            raise StateError(
                f"the store's event {mark.seq} is not the one it was saved after", warn=True
            )
        if version_boundary(config, mark.settled_first_judged, self._clock()):
            raise StateError("a policy version took effect since its records were judged")
        again = len(changed.keys() | set(mark.reread))
        if again > _REREAD_AT_MOST * max(tickets, 1) and again > self._page:
            # the catch-up reads them page by page, as syncs do (see _REREAD_AT_MOST)
            raise StateError(f"{again} of {tickets} tickets changed since: a load is quicker")

    def _failed(self) -> set[str]:
        out: set[str] = set()
        after: str | None = None
        while True:
            page = self._store.failed_tickets(after=after, limit=1_000)
            out.update(f.ticket_id for f in page)
            if len(page) < 1_000:
                return out
            after = page[-1].ticket_id

    def load_tables(
        self,
        version: int,
        config: Configuration,
        custom: Sequence[str],
        events: pa.Table,
        records: pa.Table,
        judged: Instant,
    ) -> None:
        """Build the view from columns: an events table and the batch engine's records table
        of the same tickets judged at ``judged`` under ``version`` (a columnar copy of a store
        in which every ticket was recomputed at ``judged``), without a Python object per
        settled ticket. The current customer is the last one a ``created`` or ``updated``
        event sets (as the ticket summaries read it)."""
        t0 = time.perf_counter()
        part = empty_part(version, config, tuple(dict.fromkeys(custom)), 0)
        tid = pc.cast(events.column("ticket_id"), pa.string())
        ev = pl.DataFrame({"ticket_id": pl.Series(tid), "ts": pl.Series(events.column("ts"))})
        rec = records_frame_of_table(records)
        last = ev.group_by("ticket_id").agg(pl.col("ts").max().alias("last"))
        stopped = rec.group_by("ticket_id").agg(pl.col("stop").is_not_null().all().alias("ok"))
        settled = (
            last.join(stopped, on="ticket_id", how="inner")
            .filter(pl.col("ok") & (pl.col("last") <= judged))
            .get_column("ticket_id")
        )
        got = split_settled(part, events, rec.with_columns(pl.lit(judged).alias("as_of")), settled)
        if got is not None:
            part.records, part.facts, part.spans = got
        part.open_facts = facts_of_open(config, part.custom, part.open.whole())
        with self._lock:
            self._part = part
            self.loads += 1
        self.load_seconds = time.perf_counter() - t0

    def sync(self) -> None:
        """Read again the tickets with events newer than the last look and those the
        recompute saved since."""
        with self._lock:
            part = self._part
            if part is None:
                return
            seq0 = self._store.change_stamp()[0]
            changed = (
                set(self._store.changed_since(part.seq_seen)) if seq0 > part.seq_seen else set()
            )
            ids = sorted(changed | self._take_saved())
            if not ids:
                return
            marked = self._marked()
            for i in range(0, len(ids), self._page):
                chunk = ids[i : i + self._page]
                # read in columns, as a load reads: through an event and a record object
                # each, 1,000 tickets read again cost 2.4 of a sync's 3.8 CPU-s at 1M
                read = self._read_columns(chunk)
                self._drop_records(part, chunk)
                part.facts = drop_tickets(part.facts, chunk)
                part.spans = drop_tickets(part.spans, chunk)
                drop_open(part, chunk)
                got = self._settle_columns(part, chunk, seq0, marked, read)
                if got is not None:
                    text = part.records = concat([part.records, got[0]])
                    if part.enums is not None:
                        part.enums = add_rows(part.enums, got[0], text)
                    part.facts = concat([part.facts, got[1]])
                    part.spans = concat([part.spans, got[2]])
            part.seq_seen = seq0
            self.refreshed += len(ids)

    @staticmethod
    def _drop_records(part: Part, ids: Sequence[str]) -> None:
        """Drop ``ids``' settled records, and their rows of the settled Enums if kept."""
        enums = part.enums if part.enums is not None and part.enums.text is part.records else None
        if enums is None or not part.records.height:
            part.enums = None
            part.records = drop_tickets(part.records, ids)
            return
        gone = pl.Series(ids, dtype=pl.String).implode()
        keep = (~part.records.get_column("ticket_id").is_in(gone)).fill_null(False)
        part.records = part.records.filter(keep)
        part.enums = drop_rows(enums, keep, part.records)

    def _marked(self) -> set[str]:
        """The tickets whose stored records may not count every stored event: marked for a
        recompute, or whose last recompute failed (which clears the mark and leaves the
        records of the last good one, older than an event that may be backdated)."""
        # read before the events and records: a ticket unmarked now has records computed from
        # every event stored now; an event added later has a seq above the stamp read before
        # the marks, and makes its ticket open
        return {tid for tid, _ in self._store.dirty(1_000_000)} | self._failed()

    def _read(self, ids: Sequence[str], seq0: int, marked: set[str]) -> _Read:
        events = self._store.events_of(ids)
        records = self._store.records_of(ids)
        return _Read(events, records, marked, seq0)

    def _settle(
        self, part: Part, read: _Read
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
        """Sort the tickets read into settled ones (returned as frames) and open ones (their
        events added to ``part.open``)."""
        settled: dict[str, list[Event]] = {}
        opened: list[Event] = []
        records: list[MetricRecord] = []
        for tid, evs in read.events.items():
            if not evs:
                continue
            recs = read.records.get(tid, [])
            if self._is_settled(part, tid, evs, recs, read):
                settled[tid] = evs
                records.extend(recs)
                part.settled_last_ts = max(part.settled_last_ts, max(e.ts for e in evs))
                part.settled_first_judged = min(part.settled_first_judged, recs[0].as_of)
            else:
                opened.extend(evs)
        if opened:
            add_open(part, events_to_table(opened))
        if not settled:
            return None
        facts, spans = facts_of(part, settled, FAR)
        return records_text(records_frame(records)), facts, spans

    def _read_columns(self, ids: Sequence[str]) -> tuple[pa.Table, pl.DataFrame]:
        """The tickets' events and stored records, in columns."""
        return self._store.events_table_of(ids), self._store.records_frame_of(ids)

    def _settle_columns(
        self,
        part: Part,
        ids: Sequence[str],
        seq0: int,
        marked: set[str],
        read: tuple[pa.Table, pl.DataFrame] | None = None,
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
        """:meth:`_settle` of :meth:`_read`'s tickets, read (unless ``read`` holds them, from
        :meth:`_read_columns`) and decided in columns (the same decision as
        :meth:`_is_settled`, per ticket)."""
        events, records = read if read is not None else self._read_columns(ids)
        if not events.num_rows:
            return None
        ev = pl.DataFrame(
            {
                "ticket_id": pl.Series(pc.cast(events.column("ticket_id"), pa.string())),
                "ts": pl.Series(events.column("ts")),
                "seq": pl.Series(events.column("seq")),
            }
        )
        per = ev.group_by("ticket_id").agg(
            pl.col("ts").max().alias("last"), pl.col("seq").max().alias("seq")
        )
        judged = records.group_by("ticket_id").agg(
            pl.col("stop").is_not_null().all().alias("stopped"),
            pl.col("as_of").n_unique().alias("instants"),
            pl.col("as_of").first().alias("judged"),
        )
        candidates = per.join(judged, on="ticket_id", how="inner").filter(
            pl.col("stopped")
            & (pl.col("instants") == 1)
            & (pl.col("seq") <= seq0)
            & (pl.col("last") <= pl.col("judged"))
            # the page's marked tickets only: after a new version every ticket may be marked
            & ~pl.col("ticket_id").is_in(
                pl.Series([t for t in ids if t in marked], dtype=pl.String).implode()
            )
        )
        # the version checks, once per judging instant (a page holds a few)
        now = self._clock()
        kept = [
            j
            for j in candidates.get_column("judged").unique().to_list()
            if not version_boundary(part.config, j, now) and self._version_at(j) == part.version
        ]
        settled = candidates.filter(
            pl.col("judged").is_in(pl.Series(kept, dtype=pl.Int64).implode())
        ).get_column("ticket_id")
        return split_settled(part, events, records, settled)

    def _is_settled(
        self, part: Part, tid: str, evs: list[Event], recs: list[MetricRecord], read: _Read
    ) -> bool:
        if tid in read.marked or not recs or max(e.seq for e in evs) > read.seq:
            return False
        judged = recs[0].as_of
        if any(r.stop is None or r.as_of != judged for r in recs):
            return False
        if max(e.ts for e in evs) > judged:
            return False
        if version_boundary(part.config, judged, self._clock()):
            return False  # judged before a policy version now in force
        return self._version_at(judged) == part.version

    # ------------------------------------------------------------------ reads

    def version(self) -> int | None:
        part = self._part  # one attribute read: no need to wait for a sync's lock
        return part.version if part is not None else None

    def _answerable(self, custom: Sequence[str], when: Instant) -> Part | None:
        """The loaded part when it answers exactly at ``when`` for these custom fields, else
        ``None`` (a policy version taking effect since the settled records marks it stale).
        Called with the lock held."""
        part = self._part
        if part is None or any(c not in part.custom for c in custom):
            return None
        if when < part.settled_last_ts:
            return None
        if version_boundary(part.config, part.settled_first_judged, when):
            self.stale = True
            return None
        return part

    def inputs(
        self, when: Instant, custom: Sequence[str], customer: str | None
    ) -> tuple[pl.DataFrame, TicketFacts] | None:
        """What :func:`accord.service.figures.kpi_inputs` gives at ``when`` (``now`` is
        ``when``), or ``None`` when the view cannot answer it exactly (see the module doc)."""
        with self._lock:
            part = self._answerable(custom, when)
            if part is None:
                return None
            records, facts, spans, opened = part.records, part.facts, part.spans, part.open
            config, open_count = part.config, len(part.open_ids)
            memo, prepared = part.open_facts, part.prepared
        if memo is None:
            memo = facts_of_open(config, part.custom, opened.whole())
            with self._lock:
                if part.open is opened:
                    part.open_facts = memo
        if prepared is None and customer is None and open_count:
            # laid out once, then kept in step by the syncs: a read runs the clocks only
            prepared = prepared_open(config, opened.whole())
            with self._lock:
                if part.open is opened:
                    part.prepared = prepared
        open_records, open_facts, open_spans = open_inputs(
            config, part.custom, opened, when, customer, memo, prepared, tickets=open_count
        )
        if customer is not None and facts.width:
            # the tickets whose customer it is at ``when`` and now (the same instant here)
            own = (pl.col("customer") == customer) & (pl.col(OWNER) == customer)
            facts = facts.filter(own)
            records = records.filter(
                pl.col("ticket_id").is_in(facts.get_column("ticket_id").implode())
                & (pl.col("customer") == customer)
                & ~pl.col("metric").str.starts_with(AGREEMENT_PREFIX)
            )
            spans = spans.filter(pl.col("ticket_id").is_in(facts.get_column("ticket_id").implode()))
        keep = [*(c for c in FACT_COLUMNS), *(CUSTOM_PREFIX + c for c in custom)]
        try:
            parts = [f.select(keep) for f in (facts, open_facts) if f.width]
            # in no particular order: the evaluation's answer does not depend on the rows'
            # order (tests pin it), and sorting a million rows costs more than the rest
            tickets = unify(parts).rechunk()
        except Mismatch:
            return None
        # one chunk each, as a frame built at once is: the evaluation's masks over columns
        # of several chunks can come out with the wrong length
        all_spans = pl.concat([spans, open_spans], rechunk=True)
        if customer is not None:  # a customer's records: a filtered copy, cast as a whole
            assert isinstance(open_records, pl.DataFrame)
            frame = records_at_plain(records, open_records, when)
        else:
            kept = part.enums
            enums = kept if kept is not None and kept.text is records else settled_enums(records)
            enums = aligned(enums, open_records)
            if enums is not kept:
                with self._lock:
                    if part.records is records:
                        part.enums = enums
            frame = records_at(records, open_records, when, enums)
        return frame, TicketFacts(tickets=tickets, open_spans=all_spans, as_of=when)

    def warm(self, when: Instant) -> None:
        """Make and keep what the first read of every ticket's values makes for the reads
        after it (the open tickets' facts and timelines, the settled records' Enums): seconds
        with a million tickets, paid after a load in the background rather than by the
        first person to ask (docs/performance.md, "A read without replaying the open
        tickets")."""
        part = self._part
        if part is not None:
            self.inputs(when, part.custom, None)

    def owned(self, when: Instant, custom: Sequence[str], customer: str) -> Owned | None:
        """The tickets whose current customer is ``customer``, as the statements read them
        (:func:`accord.service.figures.customer_data`) at ``when`` (now), split into settled
        and open; ``None`` when the view cannot answer exactly (as :meth:`inputs`)."""
        with self._lock:
            part = self._answerable(custom, when)
            if part is None:
                return None
            records, facts, opened, memo = part.records, part.facts, part.open, part.open_facts
        if memo is None:
            memo = facts_of_open(part.config, part.custom, opened.whole())
        if facts.width:
            facts = facts.filter(pl.col(OWNER) == customer)
            # the clocks a contract counts are its customer's records: the others are left
            # here, before the (larger) filter on the tickets
            records = records.filter(pl.col("customer") == customer)
            records = records.filter(
                pl.col("ticket_id").is_in(facts.get_column("ticket_id").implode())
            )
        open_facts, _, last = memo
        if open_facts.width:
            open_facts = open_facts.filter(pl.col(OWNER) == customer)
        ids = (
            open_facts.get_column("ticket_id")
            if open_facts.width
            else pl.Series([], dtype=pl.String)
        )
        # its tickets' events only: the whole table would filter out the dropped rows first
        mine = opened.of(ids.to_arrow())
        table = mine if mine is not None else EVENTS_SCHEMA.empty_table()
        if when < last and table.num_rows:  # some event lies after ``when``: leave it out
            frame = events_frame_of_table(table, [*policy_fields(part.config), *part.custom])
            open_facts = ticket_facts(frame, part.config, when, fields=list(part.custom)).tickets
        return Owned(part.config, records, facts, table, open_facts)

    def memory_bytes(self) -> int:
        """The view's size in memory, roughly (its frames, the open tickets' events and their
        timelines)."""
        with self._lock:
            p = self._part
            if p is None:
                return 0
            frames = p.records.estimated_size() + p.facts.estimated_size()
            if p.enums is not None:  # the settled records' categorical columns, as Enums
                frames += p.enums.columns.estimated_size()
            laid = p.prepared.nbytes if p.prepared is not None else 0  # the open timelines
            # the open events as held, with the rows of tickets dropped since the last filter
            return int(frames + p.spans.estimated_size() + p.open.held_bytes + laid)

    def stats(self) -> dict[str, int]:
        """The view's counts, for /metrics: read without the view's lock, which a sync holds
        while it reads (minutes after a long stream nobody read), so a scrape never waits
        for one; a sync in progress may show half its change."""
        p = self._part
        if p is None:
            return {"settled": 0, "open": 0, "records": 0}
        return {
            "settled": p.facts.height,
            "open": len(p.open_ids),
            "records": p.records.height,
        }
