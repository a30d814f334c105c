"""Keeping the stored metric records up to date.

- After each ingest the store marks the touched tickets; :class:`Recomputer` (a background
  thread, or the loop of the recompute process: :mod:`accord.service.recompute_process`) picks
  the marks up within ``recompute_interval`` seconds, recomputes those tickets
  with the reference engine over all their stored events at "now", and stores the records. A
  mark is cleared only if no newer event came in meanwhile, and the marks live in the store, so
  a killed server catches up when it starts again.
- :class:`Jobs` runs a full recompute of every ticket (after a configuration change), with
  progress.
- A pass of at least :data:`BATCH_TICKETS` tickets is computed by the batch engine
  (:mod:`accord.core.engine.batch`), several times quicker per ticket than the reference
  engine, whose figures it equals record for record; its records carry no explanation, which
  no read takes from the store (a ticket's clocks are explained from its events when read).
  Smaller passes, and the tickets of a pass the batch engine fails on, are computed by the
  reference engine one ticket at a time. On a SQL store a batch pass reads the events' rows
  and makes the engine's table and the summaries from them directly
  (:mod:`accord.service.pass_events`), without an Event object per row, and saves the
  records' rows the store makes from the engine's records table, without a record object per
  row (:mod:`accord.service.pass_records`).
- A ticket that cannot be recomputed (its clocks cannot be computed, or the store refuses
  them) is set aside as a failed ticket, with its error, and the others go on: its mark is
  cleared, so neither the loop nor a restart retries it again and again; a new event for it,
  or ``POST /api/v1/recompute/failures/retry``, marks it anew.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from accord.core.config.resolved import Configuration
from accord.core.engine import compute_ticket
from accord.core.engine.batch import compute_partition, events_to_table, records_from_table
from accord.core.events import Event, FieldValue, Kind
from accord.core.ownership import field_text as _text
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant
from accord.errors import AccordError, ConflictError, NotFoundError, StoreError
from accord.io.store import Store, TicketResult, TicketSummary
from accord.io.store.sql.record_columns import TicketValues
from accord.service.pass_events import EventRows, Row, events_of_rows, pass_columns
from accord.service.pass_records import RecordValues, pass_values

log = logging.getLogger("accord.service")

Clock = Callable[[], Instant]
ConfigAt = Callable[[Instant], Configuration | None]
# told of every batch just saved, with each ticket's highest event seq (the records view)
Saved = Callable[[Sequence[TicketResult], Mapping[str, int]], None]

# from this many tickets in a pass, the batch engine computes them: its set-up costs about a
# millisecond, then some 0.2 ms a ticket against the reference engine's 1-2.5 ms
BATCH_TICKETS = 20


def summarize(ticket_id: str, events: Sequence[Event], computed_at: Instant) -> TicketSummary:
    """A ticket's current fields: every field set by its events, replayed in time order."""
    ordered = sorted(events, key=Event.sort_key)
    fields: dict[str, FieldValue] = {}
    for e in ordered:
        if e.kind in (Kind.CREATED, Kind.UPDATED):
            fields.update(e.fields)
    return TicketSummary(
        ticket_id=ticket_id,
        customer=_text(fields.get("customer")),
        team=_text(fields.get("team")),
        priority=_text(fields.get("priority")),
        status=_text(fields.get("status")),
        assignee=_text(fields.get("assignee")),
        first_ts=ordered[0].ts if ordered else 0,
        last_ts=ordered[-1].ts if ordered else 0,
        events=len(ordered),
        computed_at=computed_at,
    )


def compute_result(
    ticket_id: str, events: Sequence[Event], config: Configuration | None, as_of: Instant
) -> TicketResult:
    """A ticket's summary and records at ``as_of`` (no records without a configuration),
    the internal agreements' records among them when the configuration has agreements (the
    store keeps them apart from every read meant for customers: ``internal`` queries)."""
    records: list[MetricRecord] = (
        compute_ticket(ticket_id, events, config, as_of, agreements=bool(config.agreements))
        if config is not None
        else []
    )
    return TicketResult(summarize(ticket_id, events, as_of), records)


@dataclass(frozen=True, slots=True)
class Recomputed:
    """What a recompute of some tickets did: how many it stored, and which failed (ticket id:
    error), recorded as failed tickets in the store."""

    saved: int
    failed: Mapping[str, str]


def _error(stage: str, e: Exception) -> str:
    text = e.message if isinstance(e, AccordError) else f"{type(e).__name__}: {e}"
    return f"{stage}: {text}"


def recompute_tickets(
    store: Store,
    ticket_ids: Collection[str],
    config: Configuration | None,
    now: Instant,
    *,
    clear: Sequence[tuple[str, int]] = (),
    on_saved: Saved | None = None,
) -> Recomputed:
    """Recompute and store these tickets (clearing the marks ``clear`` in the same
    transaction), then tell ``on_saved``.

    A ticket that fails, to be read, computed or stored, does not stop the others: it is
    recorded as a failed ticket with its error and its mark is cleared, so that the recompute
    does not take it up again and again (a new event for it, or an admin's retry, marks it
    anew); the others are stored. Only an unavailable store (:class:`StoreError`) stops the
    batch, whose marks then stay for the next pass."""
    failed: dict[str, str] = {}
    rows = _rows_of(store, ticket_ids)
    computed = _compute_rows(rows, config, now, failed, store) if rows is not None else None
    values: list[TicketValues] | None = None
    if rows is None or computed is None:  # the former way: every event an object
        events = _events_of(store, ticket_ids, failed)
        results = compute_results(events, config, now, failed)
        highest = {tid: max(e.seq for e in evs) for tid, evs in events.items() if evs}
    else:
        results, values = computed
        highest = {tid: got[-1][0] for tid, got in rows.items() if got}  # in arrival order
    marks = dict(clear)
    kept = [(t, m) for t, m in clear if t not in failed]
    saved = _save(store, results, kept, failed, values)
    if failed:
        kept = [(tid, marks[tid]) for tid in failed if tid in marks]
        store.record_failures(failed, at=now, clear=kept)
    if on_saved is not None and saved:
        on_saved(saved, {r.summary.ticket_id: highest[r.summary.ticket_id] for r in saved})
    return Recomputed(len(saved), failed)


def _rows_of(store: Store, ticket_ids: Collection[str]) -> dict[str, list[Row]] | None:
    """The tickets' stored event rows, when the store hands them out (the SQL store); None
    when it does not or cannot read them all (the former read then takes them one by one)."""
    if not isinstance(store, EventRows):
        return None
    try:
        return store.event_rows_of(ticket_ids)
    except StoreError:
        raise
    except Exception:
        log.exception("reading the event rows of %d tickets failed", len(ticket_ids))
        return None


def _compute_rows(
    rows: Mapping[str, Sequence[Row]],
    config: Configuration | None,
    as_of: Instant,
    failed: dict[str, str],
    store: Store,
) -> tuple[list[TicketResult], list[TicketValues] | None] | None:
    """:func:`compute_results` of the tickets of these rows, and the store's rows of their
    records when it makes them (:class:`RecordValues`), else None. A batch pass goes from the
    rows straight to the engine's table (:func:`pass_columns`, no Event made) and, on such a
    store, from the engine's records table straight to its rows (:func:`pass_values`, no
    record made); a small pass, or one whose rows the table refuses, through Event objects,
    as before. None when the rows cannot even be made events: the former read then sets the
    bad tickets aside alone."""
    tickets = {tid: got for tid, got in rows.items() if got}
    if config is not None and len(tickets) >= BATCH_TICKETS:
        try:
            table, summaries = pass_columns(tickets, as_of)
            got = compute_partition(table, config, as_of, agreements=bool(config.agreements))
            if isinstance(store, RecordValues):
                return pass_values(store, got, summaries)
            records = _grouped(records_from_table(got))
        except Exception:  # what the table refuses: the former way, which says why
            pass
        else:
            return [TicketResult(s, records.get(tid, [])) for tid, s in summaries.items()], None
    try:
        events = events_of_rows(tickets)
    except Exception:
        return None
    return compute_results(events, config, as_of, failed), None


def compute_results(
    events: Mapping[str, Sequence[Event]],
    config: Configuration | None,
    as_of: Instant,
    failed: dict[str, str],
) -> list[TicketResult]:
    """The summary and records of every ticket of ``events`` that has events, at ``as_of``;
    a ticket the engine cannot compute goes to ``failed`` with why. Many tickets go through
    the batch engine together; if it fails, each ticket is computed alone."""
    tickets = {tid: evs for tid, evs in events.items() if evs}
    if config is not None and len(tickets) >= BATCH_TICKETS:
        try:
            records = _batch_records(tickets, config, as_of)
        except Exception:
            log.exception(
                "the batch engine failed on %d tickets; computing them one by one", len(tickets)
            )
        else:
            return [
                TicketResult(summarize(tid, evs, as_of), records.get(tid, []))
                for tid, evs in tickets.items()
            ]
    results: list[TicketResult] = []
    for tid, evs in tickets.items():
        try:
            results.append(compute_result(tid, evs, config, as_of))
        except Exception as e:  # a ticket the engine cannot compute: set aside, with why
            log.exception("recompute of ticket %r failed", tid)
            failed[tid] = _error("computing its clocks", e)
    return results


def _batch_records(
    tickets: Mapping[str, Sequence[Event]], config: Configuration, as_of: Instant
) -> dict[str, list[MetricRecord]]:
    """The records of these tickets by the batch engine (the agreements' too when the
    configuration has agreements, as :func:`compute_result`), in the reference engine's order."""
    table = events_to_table(e for evs in tickets.values() for e in evs)
    return _table_records(table, config, as_of)


def _table_records(
    table: pa.Table, config: Configuration, as_of: Instant
) -> dict[str, list[MetricRecord]]:
    """The records of an events table's tickets by the batch engine, as :func:`_batch_records`."""
    got = compute_partition(table, config, as_of, agreements=bool(config.agreements))
    return _grouped(records_from_table(got))


def _grouped(records: Sequence[MetricRecord]) -> dict[str, list[MetricRecord]]:
    """Records by ticket, each ticket's in their order."""
    out: dict[str, list[MetricRecord]] = {}
    for r in records:
        out.setdefault(r.ticket_id, []).append(r)
    return out


def _events_of(
    store: Store, ticket_ids: Collection[str], failed: dict[str, str]
) -> dict[str, list[Event]]:
    """The tickets' events; a ticket whose stored events cannot be read goes to ``failed``."""
    try:
        return store.events_of(ticket_ids)
    except StoreError:
        raise
    except Exception:
        log.exception(
            "reading the events of %d tickets failed; reading them one by one", len(ticket_ids)
        )
    out: dict[str, list[Event]] = {}
    for tid in ticket_ids:
        try:
            out.update(store.events_of([tid]))
        except StoreError:
            raise
        except Exception as e:
            failed[tid] = _error("reading its events", e)
    return out


def _save(
    store: Store,
    results: Sequence[TicketResult],
    clear: Sequence[tuple[str, int]],
    failed: dict[str, str],
    values: Sequence[TicketValues] | None = None,
) -> list[TicketResult]:
    """Store ``results`` in one transaction (as the store's rows ``values``, one for each
    result, when given); when the store refuses it, one ticket at a time, each refused one
    going to ``failed``. Returns what was stored."""

    def save(at: slice, marks: Sequence[tuple[str, int]]) -> None:
        if values is not None and isinstance(store, RecordValues):
            store.save_values(values[at], clear=marks)
        else:
            store.save_results(results[at], clear=marks)

    try:
        save(slice(None), clear)
        return list(results)
    except StoreError:
        raise
    except Exception:
        log.exception("storing %d recomputed tickets failed; storing them one by one", len(results))
    marks = dict(clear)
    saved: list[TicketResult] = []
    for k, r in enumerate(results):
        tid = r.summary.ticket_id
        try:
            save(slice(k, k + 1), [(tid, marks.pop(tid))] if tid in marks else [])
            saved.append(r)
        except StoreError:
            raise
        except Exception as e:
            failed[tid] = _error("storing its clocks", e)
    store.clear_dirty([(tid, m) for tid, m in marks.items() if tid not in failed])
    return saved


class Recomputer:
    """Drains the store's recompute marks, in a background thread or on demand."""

    def __init__(self, store: Store, config_at: ConfigAt, clock: Clock, *, batch: int) -> None:
        self._store = store
        self._config_at = config_at
        self._clock = clock
        self._batch = batch
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one drain at a time
        self._thread: threading.Thread | None = None
        self.recomputed = 0
        self.failed = 0  # tickets set aside as failed by this process
        self.on_drained: Callable[[], None] | None = None  # told after new records are stored
        self.on_saved: Saved | None = None

    def drain(self, progress: Callable[[int], None] | None = None) -> int:
        """Recompute every marked ticket; return how many were recomputed. ``progress``
        hears the number recomputed so far, a batch at a time."""
        done = 0
        with self._lock:
            while True:
                marks = self._store.dirty(self._batch)
                if not marks:
                    if done and self.on_drained is not None:
                        self.on_drained()
                    return done
                now = self._clock()
                ids = [tid for tid, _ in marks]
                config = self._config_at(now)
                got = recompute_tickets(
                    self._store, ids, config, now, clear=marks, on_saved=self.on_saved
                )
                done += len(marks)
                self.recomputed += len(marks)
                self.failed += len(got.failed)
                if progress is not None:
                    progress(done)

    def notify(self) -> None:
        self._wake.set()

    def start(self, interval: float) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self._wake.wait(interval)
                # let the ingests of the next moment join this pass: one recompute and one
                # commit for many requests, instead of one each
                self._stop.wait(interval)
                self._wake.clear()
                if self._stop.is_set():
                    return
                try:
                    self.drain()
                except Exception:  # keep the thread alive; the marks stay for the next pass
                    log.exception("recompute of touched tickets failed")
                    self._stop.wait(1.0)

        self._thread = threading.Thread(target=loop, name="accord-recompute", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


@dataclass
class Job:
    """A recompute of every ticket."""

    id: str
    state: str = "queued"  # queued, running, done, failed
    total: int = 0
    done: int = 0
    failed: int = 0  # tickets that could not be recomputed (see /api/v1/recompute/failures)
    config_version: int | None = None
    started_at: Instant | None = None
    finished_at: Instant | None = None
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_json(self) -> dict[str, object]:
        with self.lock:
            return {
                "id": self.id,
                "kind": "recompute",
                "state": self.state,
                "total": self.total,
                "done": self.done,
                "failed": self.failed,
                "progress": round(self.done / self.total, 4) if self.total else None,
                "config_version": self.config_version,
                "started_at": self.started_at,
                "finished_at": self.finished_at,
                "error": self.error,
            }


class Jobs:
    """Recompute jobs, one at a time, each in its own thread; their state lives in memory (a
    job lost with a restart is simply started again)."""

    def __init__(
        self,
        store: Store,
        config_at: Callable[[Instant], tuple[int, Configuration] | None],
        clock: Clock,
        *,
        batch: int = 500,
    ) -> None:
        self._store = store
        self._config_at = config_at
        self._clock = clock
        self._batch = batch
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.on_saved: Saved | None = None

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no job '{job_id}'")
        return job

    def start(self, *, background: bool = True) -> Job:
        with self._lock:
            for other in self._jobs.values():
                if other.state in ("queued", "running"):
                    raise ConflictError(
                        f"recompute job {other.id} is still running",
                        details=[{"job": other.id}],
                    )
            job = Job(id=uuid.uuid4().hex[:16])
            self._jobs[job.id] = job
        if background:
            thread = threading.Thread(target=self._run, args=(job,), daemon=True)
            self._threads.append(thread)
            thread.start()
        else:
            self._run(job)
        return job

    def _run(self, job: Job) -> None:
        try:
            now = self._clock()
            current = self._config_at(now)
            with job.lock:
                job.state = "running"
                job.started_at = now
                job.config_version = current[0] if current else None
            total = self._store.count_tickets()  # outside the lock: progress stays readable
            with job.lock:
                job.total = total
            after: str | None = None
            while True:
                ids = self._store.ticket_ids(after=after, limit=self._batch)
                if not ids:
                    break
                now = self._clock()
                config = current[1] if current else None
                got = recompute_tickets(self._store, ids, config, now, on_saved=self.on_saved)
                after = ids[-1]
                with job.lock:
                    job.done += len(ids)
                    job.failed += len(got.failed)
                    job.total = max(job.total, job.done)
            with job.lock:
                job.state = "done"
                job.finished_at = self._clock()
        except Exception as e:
            log.exception("recompute job %s failed", job.id)
            with job.lock:
                job.state = "failed"
                job.error = str(e)
                job.finished_at = self._clock()

    def wait(self, timeout: float | None = None) -> None:
        for t in list(self._threads):
            t.join(timeout)
