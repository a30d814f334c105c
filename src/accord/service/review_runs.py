"""The service's what-if and recommended targets over its stored events, and the jobs that run
a what-if in the background.

Both read the stored events and the configuration version in force and never write: a
candidate lives in memory for the length of one request. A what-if replays every stored event
twice, which on a large store takes a while, so it runs on a worker thread, one at a time (a
second one while another runs is a conflict), either answered when done or, asked so, started
as a job whose state and result ``GET /api/v1/review/jobs/{id}`` shows. Jobs are kept in memory
(the last :data:`KEEP` of them); a job lost with a restart is simply run again.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch import compute_batch, events_to_table
from accord.core.events import Event
from accord.core.review.candidate import (
    Setup,
    candidate_with_overrides,
    check_setup,
    overrides_source,
    sources_of_files,
)
from accord.core.review.targets import Targets, adoption_overrides, recommend
from accord.core.review.whatif import compare, run_whatif
from accord.core.review.window import Window
from accord.core.timeutil import Instant, iso
from accord.errors import AccordError, ConflictError, InputError, NotFoundError
from accord.io.store import ConfigVersion, Store, TicketQuery
from accord.service.business_days import BusinessDays

KEEP = 20
_PAGE = 1000
log = logging.getLogger("accord.service")


@dataclass
class ReviewJob:
    """One what-if run in the background."""

    id: str
    owner: str  # the token that started it: only it reads the result
    state: str = "queued"  # queued, running, done, failed
    started_at: Instant | None = None
    finished_at: Instant | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "id": self.id,
                "kind": "whatif",
                "state": self.state,
                "started_at": iso(self.started_at),
                "finished_at": iso(self.finished_at),
                "result": self.result,
                "error": self.error,
            }


class ReviewJobs:
    """What-ifs, one running at a time (they replay every stored event twice)."""

    def __init__(self, clock: Callable[[], Instant]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._busy = threading.Lock()
        self._jobs: OrderedDict[str, ReviewJob] = OrderedDict()

    def _claim(self) -> None:
        if not self._busy.acquire(blocking=False):
            running = [j.id for j in self._jobs.values() if j.state in ("queued", "running")]
            raise ConflictError(
                "a what-if is running; try again when it is done",
                details=[{"job": j} for j in running],
            )

    def run(self, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run ``work`` now, on the calling (worker) thread, unless another what-if runs."""
        self._claim()
        try:
            return work()
        finally:
            self._busy.release()

    def start(self, work: Callable[[], dict[str, Any]], owner: str) -> ReviewJob:
        """Start ``work`` on a thread of its own and return its job at once."""
        self._claim()
        job = ReviewJob(uuid.uuid4().hex[:16], owner)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP:
                self._jobs.popitem(last=False)
        threading.Thread(target=self._work, args=(job, work), daemon=True).start()
        return job

    def _work(self, job: ReviewJob, work: Callable[[], dict[str, Any]]) -> None:
        with job.lock:
            job.state, job.started_at = "running", self._clock()
        try:
            result = work()
        except AccordError as exc:
            with job.lock:
                job.state, job.error = "failed", exc.to_json()["error"]
        except Exception:  # a job reports every failure, it never dies unseen
            log.exception("what-if job %s failed", job.id)
            with job.lock:
                job.state = "failed"
                job.error = {
                    "code": "internal",
                    "message": "the what-if failed; see the server log",
                    "details": [],
                }
        else:
            with job.lock:
                job.state, job.result = "done", result
        finally:
            with job.lock:
                job.finished_at = self._clock()
            self._busy.release()

    def get(self, job_id: str, owner: str) -> ReviewJob:
        job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFoundError(f"no what-if job '{job_id}'")
        return job


# ---------------------------------------------------------------- inputs from the store


_SETUPS: OrderedDict[tuple[int, tuple[tuple[str, str], ...]], Setup] = OrderedDict()
_SETUPS_LOCK = threading.Lock()


def current_setup(version: ConfigVersion) -> Setup:
    """The configuration and contracts of a stored version (cached by its number and text:
    building calendars takes a moment, and versions never change)."""
    key = (version.version, tuple(sorted(version.files.items())))
    with _SETUPS_LOCK:
        got = _SETUPS.get(key)
    if got is None:
        sources, problems = sources_of_files(version.files)
        got = check_setup(sources, f"configuration version {version.version}", problems)
        with _SETUPS_LOCK:
            _SETUPS[key] = got
            while len(_SETUPS) > 8:
                _SETUPS.popitem(last=False)
    return got


def candidate_setup(
    version: ConfigVersion,
    overrides: str | Mapping[str, Any] | None,
    files: Mapping[str, str] | None,
) -> Setup:
    """The candidate of a request: overrides of the version in force, or whole files."""
    if (overrides is None) == (files is None):
        raise InputError(
            "give the candidate either as 'overrides' (dotted paths to values, or their YAML "
            "text) or as 'files' (a whole configuration: file name to YAML text)"
        )
    if files is not None:
        sources, problems = sources_of_files(files)
        return check_setup(sources, "candidate", problems)
    assert overrides is not None
    sources, problems = sources_of_files(version.files)
    return candidate_with_overrides(
        sources,
        f"configuration version {version.version}",
        overrides_source(overrides, "overrides.yaml"),
        problems,
    )


def stored_events(store: Store, customer: str | None, now: Instant) -> pa.Table:
    """The stored events as an events table: every ticket's, or the tickets of ``customer``
    (its tickets now, as every read of a customer-scoped token)."""
    events: list[Event] = []
    if customer is None:
        events = list(store.iter_events())
    else:
        after: str | None = None
        while True:
            page = store.find_tickets(
                TicketQuery(now=now, customer=customer, after=after, limit=_PAGE)
            )
            for evs in store.events_of([s.ticket_id for s in page]).values():
                events.extend(evs)
            if len(page) < _PAGE:
                break
            after = page[-1].ticket_id
    return events_to_table(events)


def whatif_json(
    store: Store,
    version: ConfigVersion,
    candidate: Setup,
    as_of: Instant,
    *,
    window: Window,
    by: Sequence[str],
    explain: int,
    tickets: Sequence[str] | None,
    now: Instant,
) -> dict[str, Any]:
    current = current_setup(version)
    events = stored_events(store, None, now)
    result = run_whatif(
        events, current, candidate, as_of, window=window, by=by, explain=explain, tickets=tickets
    )
    got = result.to_json()
    with_business_days(got, current, candidate, as_of)
    return {**got, "config_version": version.version, "computed_at": iso(now)}


def with_business_days(got: dict[str, Any], current: Setup, candidate: Setup, at: Instant) -> None:
    """Each changed clock's side gets the business day of its calendar under that side's
    configuration (``business_day_seconds``), so the page reads its target and elapsed time
    in business days; a candidate may change a calendar's hours, hence one lookup per side."""
    days = {
        "current": BusinessDays(current.config, at),
        "candidate": BusinessDays(candidate.config, at),
    }
    for group in got.get("groups", []):
        for changed in group.get("changed", []):
            for side, lookup in days.items():
                clock = changed.get(side)
                if clock is not None:
                    clock["business_day_seconds"] = lookup.of(clock.get("calendar"))


def _own(records: pa.Table, customer: str | None) -> pa.Table:
    """Only the records of ``customer`` (all without one): a record carries the customer of
    its cycle's end, which may predate a ticket's move to the caller's customer."""
    if customer is None:
        return records
    col = records.column("customer").cast(pa.string())
    return records.filter(pc.fill_null(pc.equal(col, customer), False))


def targets_of_store(
    store: Store,
    version: ConfigVersion,
    as_of: Instant,
    now: Instant,
    customer: str | None,
    *,
    credits: bool,
    **options: Any,
) -> Targets:
    """The recommended targets of the stored clocks (of ``customer``'s tickets only, and of
    its records only, for a customer-scoped caller), with the credits of adopting them."""
    current = current_setup(version)
    events = stored_events(store, customer, now)
    records = _own(compute_batch(events, current.config, as_of), customer)
    result = recommend(records, as_of, **options)
    if not credits or not result.groups:
        return result
    overrides, note = adoption_overrides(result)
    if overrides is None:
        return replace(result, adoption_note=note)
    cand = candidate_setup(version, overrides, None)
    b = _own(compute_batch(events, cand.config, as_of), customer)
    window = Window(result.start, None, f"{result.labels[0]} to {result.labels[-1]}", result.tz)
    what = compare(events, records, b, current, cand, as_of, window=window, explain=0)
    if customer is not None:
        what = replace(what, contracts=tuple(c for c in what.contracts if c.customer == customer))
    return replace(result, adoption=what, adoption_overrides=overrides, adoption_note=note)
