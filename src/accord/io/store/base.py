"""The store's interface and the values that cross it.

The service, the CLI and the benchmarks talk to a :class:`Store`; :class:`~.sql.SqlStore` is
the real one (SQLite or PostgreSQL), :class:`~.memory.MemoryStore` the in-memory double for unit
tests. Both pass the same test suite (``tests/io/store``).

Instants are whole seconds since the epoch (UTC), as everywhere in Accord.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

from accord.core.agreements.models import is_internal
from accord.core.alerts.evaluate import Alert
from accord.core.events import Event
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant
from accord.errors import RowProblem

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

# Sorts after every real due instant: open clocks without one (paused) go last in the queue.
NO_DUE = 2**62

# The dimensions compliance can be grouped by (besides the period alone).
COMPLIANCE_DIMENSIONS = ("metric", "priority", "policy", "team", "customer")


class Scope(StrEnum):
    """What a token may do; each scope includes the ones below it."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    def allows(self, needed: Scope) -> bool:
        order = (Scope.READ, Scope.WRITE, Scope.ADMIN)
        return order.index(self) >= order.index(needed)


Outcome = Literal["accepted", "duplicate"]
EventOutcome = Outcome | RowProblem
"""What the store did with one event: kept it, ignored it as a duplicate (same id, same
content), or rejected it because its id is taken by different content (then it is quarantined
and the :class:`RowProblem` says why)."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """One validated event on its way into the store, with where it came from (for the
    quarantine, should its id turn out to be taken by different content)."""

    event: Event
    source: str
    row: int
    raw: Mapping[str, Any] | None = None  # the row as received; ``event.to_dict()`` if None


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """One rejected row as stored: the problem and when it arrived."""

    id: int
    problem: RowProblem
    received_at: Instant


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    """One uploaded configuration: the text of each file, numbered from 1."""

    version: int
    files: Mapping[str, str]
    effective_from: Instant
    uploaded_at: Instant


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token as stored: never the token itself, only the SHA-256 of it."""

    id: str
    secret_hash: str
    scope: Scope
    customer: str | None
    name: str
    created_at: Instant
    revoked_at: Instant | None = None


@dataclass(frozen=True, slots=True)
class TicketSummary:
    """A ticket's current fields, folded from its events."""

    ticket_id: str
    customer: str | None
    team: str | None
    priority: str | None
    status: str | None
    assignee: str | None
    first_ts: Instant
    last_ts: Instant
    events: int
    computed_at: Instant


@dataclass(frozen=True, slots=True)
class TicketMove:
    """One change of a ticket's current customer (:mod:`accord.core.ownership`), numbered
    ``n`` from 1 in commit order: a reader that saw every move up to ``n`` misses none when
    it next asks for those after ``n``."""

    n: int
    ticket_id: str
    from_customer: str | None
    to_customer: str | None
    seq: int  # the event that moved it
    received_at: Instant


@dataclass(frozen=True, slots=True)
class TicketResult:
    """What a recompute of one ticket produced: its summary and every metric record."""

    summary: TicketSummary
    records: Sequence[MetricRecord]


@dataclass(frozen=True, slots=True)
class TicketQuery:
    """Filters of the ticket list. ``customer`` filters the ticket's current customer (as of
    the last event stored, whatever the recompute backlog); the other ticket fields filter the
    values of its last recompute; ``state``,
    ``metric`` and ``due_before`` select tickets that have at least one clock matching all
    three. ``state`` is judged at ``now`` (a running clock past its due instant is breached).
    The clocks matched are the SLA clocks, or with ``internal`` the internal agreements'
    (metric ``ola:<name>``): never both, so that no read meant for customers matches an
    internal clock by default; with ``internal`` only tickets with such a clock are listed."""

    now: Instant
    customer: str | None = None
    team: str | None = None
    priority: str | None = None
    state: State | None = None
    metric: str | None = None
    due_before: Instant | None = None
    internal: bool = False
    after: str | None = None  # keyset cursor: the last ticket id of the previous page
    limit: int = 50
    assignee: str | None = None
    channel: str | None = None  # tickets with a clock on this channel
    search: str | None = None  # a part of the ticket id, any case
    sort: SortKey | None = None  # a key of TICKET_SORTS; None: by ticket id
    offset: int = 0  # rows skipped after ``after`` in the sort order


TICKET_SORTS = ("ticket", "customer", "team", "priority", "status", "assignee", "opened", "updated")
"""What the ticket list sorts by: the ticket id or one of its fields (``opened``: its first
event, ``updated``: its last). Empty values sort last either way; ties go by ticket id."""

CLOCK_SORTS = (
    "due",
    "ticket",
    "metric",
    "priority",
    "policy",
    "team",
    "assignee",
    "customer",
    "channel",
    "start",
)
"""What the at-risk queue sorts by (``due``, its order by default: paused clocks, which have
no due instant, last). Empty values sort last either way; ties go by the queue's own order."""


@dataclass(frozen=True, slots=True)
class SortKey:
    """One column of a list's order, ascending unless ``descending``."""

    key: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ClockCursor:
    """Keyset position in the at-risk queue."""

    due_sort: int
    ticket_id: str
    metric: str
    cycle: int


@dataclass(frozen=True, slots=True)
class ClockQuery:
    """Filters of the at-risk queue: open clocks with a target, by due instant. ``customer``
    filters the ticket's current customer, as :class:`TicketQuery` does; ``internal`` selects
    the internal agreements' clocks instead of the SLA clocks."""

    now: Instant
    customer: str | None = None
    team: str | None = None
    priority: str | None = None
    metric: str | None = None
    policy: str | None = None
    internal: bool = False
    after: ClockCursor | None = None
    limit: int = 50
    assignee: str | None = None
    channel: str | None = None
    state: State | None = None  # judged at ``now``: running, paused or breached (past due)
    due_before: Instant | None = None  # running clocks due before this (breached ones too)
    search: str | None = None  # a part of the ticket id, any case
    sort: SortKey | None = None  # a key of CLOCK_SORTS; None: by due instant
    offset: int = 0  # rows skipped after ``after`` in the sort order


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    """Clock counts of one group and one calendar month (``YYYY-MM`` of the cycle's start)."""

    key: str | None
    month: str
    met: int
    breached: int
    open: int


ComplianceKey = tuple[
    str, str, str | None, str | None, str | None, str | None, str, str, Instant | None
]
"""What compliance reads of one record with a target: ticket_id, metric, priority, policy,
team, the ticket's current customer, start month (``YYYY-MM``), stored state, due."""


@dataclass
class StoreStats:
    """Counts for ``/metrics``: clocks by state, breaches by (policy, priority), tickets
    waiting for a recompute and tickets whose recompute failed."""

    clocks_by_state: dict[str, int] = field(default_factory=dict)
    breaches: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    pending_recompute: int = 0
    failed_tickets: int = 0


@dataclass(frozen=True, slots=True)
class FailedTicket:
    """A ticket whose recompute failed (its clocks could not be computed or stored). It is
    left out of the recompute until a new event arrives for it or an admin retries it, and
    listed until a recompute of it succeeds."""

    ticket_id: str
    error: str  # the last failure's error
    first_failed_at: Instant
    last_failed_at: Instant
    attempts: int  # recomputes that failed since it was first listed


ALERT_STATES = ("held", "pending", "sent", "failed", "acknowledged", "snoozed")
"""How an alert in the delivery log reads: ``held`` (quiet hours), ``pending`` (to send, or
to retry), ``sent`` (every channel took it), ``failed`` (a channel gave up after the last
retry), ``acknowledged`` (someone took it in charge; nothing more is sent), ``snoozed`` (its
delivery waits until ``snoozed_until``). The store keeps the first four; the last two come
from the acknowledge and snooze columns."""


@dataclass(frozen=True, slots=True)
class AlertAttemptRecord:
    """One try of an alert on one channel; ``ok`` is ``None`` while it is in flight (or when
    the process stopped during it)."""

    channel: str
    number: int
    at: Instant
    ok: bool | None
    error: str | None = None
    finished_at: Instant | None = None


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """One entry of the delivery log: the alert, its delivery state and every attempt."""

    id: int
    alert: Alert
    state: str  # held, pending, sent or failed; see :meth:`state_at`
    next_attempt_at: Instant | None
    created_at: Instant
    acknowledged_by: str | None = None
    acknowledged_at: Instant | None = None
    snoozed_until: Instant | None = None
    attempts: tuple[AlertAttemptRecord, ...] = ()

    @property
    def ticket_id(self) -> str | None:
        return self.alert.subject if self.alert.kind in ("sla_warning", "sla_breach") else None

    def state_at(self, now: Instant) -> str:
        """The state as people read it at ``now`` (one of :data:`ALERT_STATES`)."""
        if self.acknowledged_at is not None:
            return "acknowledged"
        if self.snoozed_until is not None and self.snoozed_until > now:
            return "snoozed"
        if self.state == "held" and self.alert.deliver_at <= now:
            return "pending"  # the quiet hours are over
        return self.state


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Filters of the delivery log, newest first; ``state`` is judged at ``now``; ``customer``
    selects the entries that customer may read (:func:`alert_owner`)."""

    now: Instant
    state: str | None = None
    rule: str | None = None
    metric: str | None = None
    customer: str | None = None
    before: int | None = None  # keyset cursor: the last id of the previous page
    limit: int = 50


def alert_owner(entry: StoredAlert, owners: Mapping[str, str | None]) -> str | None:
    """Who may read an entry: for an alert about a ticket, the ticket's current customer
    (``owners``: ticket -> current customer), whatever customer the alert was raised for;
    otherwise (a KPI band, a contract, a source) the alert's own customer."""
    tid = entry.ticket_id
    return owners.get(tid) if tid is not None else entry.alert.customer


def alert_state_matches(entry: StoredAlert, query: AlertQuery, owner: str | None) -> bool:
    return (
        (query.state is None or entry.state_at(query.now) == query.state)
        and (query.rule is None or entry.alert.rule == query.rule)
        and (query.metric is None or entry.alert.metric == query.metric)
        and (query.customer is None or owner == query.customer)
        and (query.before is None or entry.id < query.before)
    )


def snooze_refusal(entry: StoredAlert) -> str:
    """Why an entry cannot be snoozed: only what is still to be delivered can wait."""
    done = "acknowledged" if entry.acknowledged_at is not None else entry.state
    return f"alert {entry.id} is {done}; only a held or pending alert can be snoozed"


def conflict_problem(item: Incoming) -> RowProblem:
    """The quarantine record of an event whose id is already stored with other content."""
    e = item.event
    return RowProblem(
        source=item.source,
        row=item.row,
        field="event_id",
        reason=f"event_id '{e.event_id}' is already stored with different content",
        raw=dict(item.raw) if item.raw is not None else e.to_dict(),
    )


def internal_matches(metric: str, internal: bool) -> bool:
    """Whether a record of ``metric`` is of the class a query selects: an internal
    agreement's (``ola:<name>``) when ``internal``, an SLA clock's otherwise."""
    return is_internal(metric) is internal


def month_of(t: Instant) -> str:
    """``YYYY-MM`` of an instant, in UTC."""
    return _month_of_day(t // 86_400)


@functools.lru_cache(maxsize=4096)
def _month_of_day(day: int) -> str:
    # by the day, cached: every stored record needs its start's month, and formatting a
    # datetime for each cost the recompute more than a tenth of its store time
    d = _EPOCH_DAY + timedelta(days=day)
    return f"{d.year:04d}-{d.month:02d}"


_EPOCH_DAY = date(1970, 1, 1)


def state_at(record: MetricRecord, now: Instant) -> State:
    """A stored record's state judged at ``now``: a running clock whose due instant has passed
    reads as breached. Exact except while the calendar is closed right after a due instant that
    falls on a closing time (then the clock is still met until business time passes); the
    service recomputes the tickets it returns, so what it shows is always exact."""
    if record.state is State.RUNNING and record.due is not None and record.due < now:
        return State.BREACHED
    return record.state


def is_queued(record: MetricRecord) -> bool:
    """Whether a clock waits in the at-risk queue: it has a target and is still open (running,
    paused, or breached and not stopped yet)."""
    return record.target is not None and record.stop is None and record.state is not State.CANCELLED


class Store(Protocol):
    """Where the service keeps everything. Every write commits before it returns."""

    def close(self) -> None: ...

    # ---- events and the quarantine

    def add_events(
        self,
        items: Sequence[Incoming],
        problems: Sequence[RowProblem] = (),
        *,
        received_at: Instant,
    ) -> list[EventOutcome]:
        """Keep the events of ``items`` (idempotent on ``event_id``) and quarantine
        ``problems``, in one transaction; mark the tickets of new events for recompute, and
        move each ticket whose customer a new event changes (:meth:`owners_of`) in that
        transaction. One outcome per item, in order."""
        ...

    def events_of(self, ticket_ids: Collection[str]) -> dict[str, list[Event]]:
        """The stored events of these tickets in arrival order (``seq`` = arrival number)."""
        ...

    def iter_events(self, batch: int = 10_000) -> Iterator[Event]:
        """Every stored event in arrival order."""
        ...

    def count_events(self) -> int: ...

    def quarantine(self, *, after: int = 0, limit: int = 100) -> list[QuarantineEntry]:
        """Quarantined rows with ``id > after``, oldest first."""
        ...

    def count_quarantine(self) -> int: ...

    # ---- recompute bookkeeping

    def dirty(self, limit: int) -> list[tuple[str, int]]:
        """Up to ``limit`` tickets waiting for a recompute, with their mark, the longest
        waiting first: in the order of the instant each was first marked since its last
        recompute (a later event of the ticket keeps its place; a failed ticket retried and
        not already waiting goes first), then by ticket id."""
        ...

    def clear_dirty(self, marks: Sequence[tuple[str, int]]) -> None:
        """Unmark tickets, each only if its mark is unchanged (no newer event came in)."""
        ...

    def ticket_ids(self, *, after: str | None, limit: int) -> list[str]:
        """Ids of tickets that have events, in order, after ``after``."""
        ...

    def count_tickets(self) -> int:
        """How many tickets have events."""
        ...

    def save_results(
        self, results: Sequence[TicketResult], *, clear: Sequence[tuple[str, int]] = ()
    ) -> None:
        """Replace the summary and every record of each ticket in ``results``, and clear the
        recompute marks ``clear`` (as :meth:`clear_dirty`) in the same transaction. The
        customer stored for isolation is the ticket's current one (:meth:`owners_of`), read
        in that transaction, not the summary's: a move stored since the summary was computed
        is never undone. A saved
        ticket is no longer a failed one."""

        ...

    # ---- tickets whose recompute failed

    def record_failures(
        self, errors: Mapping[str, str], *, at: Instant, clear: Sequence[tuple[str, int]] = ()
    ) -> None:
        """Record each ticket of ``errors`` (ticket id: error) as failed at ``at``: one more
        attempt, the first failure kept. Clear the marks ``clear`` (as :meth:`clear_dirty`)
        in the same transaction, so the recompute does not take them up again."""
        ...

    def failed_tickets(self, *, after: str | None = None, limit: int = 100) -> list[FailedTicket]:
        """Failed tickets by ticket id, after ``after``."""
        ...

    def count_failed_tickets(self) -> int: ...

    def retry_failed(self, ticket_ids: Collection[str] | None = None) -> list[str]:
        """Mark the failed tickets (every one, or those of ``ticket_ids``) for recompute again;
        return their ids, in order. They stay listed until a recompute of them succeeds."""
        ...

    # ---- reads

    def find_tickets(self, query: TicketQuery) -> list[TicketSummary]: ...

    def count_ticket_list(self, query: TicketQuery, *, at_most: int | None = None) -> int:
        """How many tickets match the filters of ``query`` (its position and limit aside);
        with ``at_most``, counting stops there (``at_most`` means "at least that many"), so
        that a broad filter's count costs no more than ``at_most`` rows."""
        ...

    def get_ticket(self, ticket_id: str) -> TicketSummary | None: ...

    def records_of(self, ticket_ids: Collection[str]) -> dict[str, list[MetricRecord]]: ...

    # ---- columnar reads (the KPI view's load)

    def events_table_of(self, ticket_ids: Collection[str]) -> pa.Table:
        """The events of these tickets as an events table
        (:mod:`accord.core.engine.batch.schema`): what ``events_to_table`` makes of
        :meth:`events_of`, grouped by ticket in id order, each ticket's in arrival order."""
        ...

    def records_frame_of(self, ticket_ids: Collection[str]) -> pl.DataFrame:
        """The records of these tickets as a records frame (:mod:`accord.core.kpi.frames`):
        what ``records_frame`` makes of :meth:`records_of`, ordered by ticket, metric and
        cycle (Enums of the values read)."""
        ...

    # ---- current customers (isolation), kept at ingest

    def owners_of(self, ticket_ids: Collection[str]) -> dict[str, str | None]:
        """The current customer (:mod:`accord.core.ownership`) of each of these tickets that
        a stored event gives one to (``None``: emptied since), whatever the recompute backlog;
        tickets no event gives a customer to are left out (they belong to nobody)."""
        ...

    def moves_since(self, n: int, *, limit: int = 10_000) -> list[TicketMove]:
        """Changes of tickets' customers numbered above ``n``, in order, at most ``limit``."""
        ...

    def last_move(self, *, away_from: str | None = None) -> int:
        """The number of the latest move (of a ticket that left ``away_from``, when given);
        0 when there is none. An index look-up."""
        ...

    def open_clocks(self, query: ClockQuery) -> list[MetricRecord]:
        """Open clocks with a target ordered by due instant (paused ones, without a due
        instant, last), then ticket, metric, cycle (or by ``query.sort``, then that order)."""
        ...

    def count_open_clocks(self, query: ClockQuery, *, at_most: int | None = None) -> int:
        """How many open clocks match the filters of ``query`` (its position and limit
        aside), counting no further than ``at_most`` when given (as
        :meth:`count_ticket_list`)."""
        ...

    def compliance(
        self,
        by: str | None,
        *,
        now: Instant,
        customer: str | None = None,
        metric: str | None = None,
        internal: bool = False,
    ) -> list[ComplianceRow]:
        """Met / breached / open clocks with a target per group of ``by`` (one of
        :data:`COMPLIANCE_DIMENSIONS`, or ``None`` for the period alone) and month: of the
        SLA clocks, or with ``internal`` of the internal agreements' clocks."""
        ...

    def stats(self, now: Instant) -> StoreStats: ...

    def backlog(self) -> tuple[int, int]:
        """Tickets waiting for a recompute and tickets whose recompute failed: the counts of
        :meth:`stats` without its scan of every stored clock."""
        ...

    def upkeep_warnings(self) -> list[str]:
        """What in the database's own setup will make this store degrade as it is used (each
        a sentence for the operator's log); empty when nothing is known to."""
        ...

    # ---- change detection and bulk reads for the service's in-memory records view

    def change_stamp(self) -> tuple[int, int]:
        """(highest event ``seq``, highest configuration version), both 0 when none: cheap,
        so a reader can tell whether anything was written since it last looked."""
        ...

    def changed_since(self, seq: int) -> dict[str, tuple[int, int]]:
        """Tickets with events of ``seq`` above ``seq``: each with the lowest and highest."""
        ...

    def compliance_keys(
        self, ticket_ids: Collection[str] | None = None, *, batch: int = 200_000
    ) -> Iterator[list[ComplianceKey]]:
        """:data:`ComplianceKey` of every record with a target (or of these tickets'), in
        batches, without the JSON columns."""
        ...

    # ---- configuration versions

    def add_config_version(
        self, files: Mapping[str, str], *, effective_from: Instant, uploaded_at: Instant
    ) -> ConfigVersion: ...

    def config_versions(self) -> list[ConfigVersion]:
        """Every version, oldest first."""
        ...

    # ---- tokens

    def add_token(self, token: TokenRecord) -> None: ...

    def get_token(self, token_id: str) -> TokenRecord | None: ...

    def list_tokens(self) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: str, *, at: Instant) -> bool:
        """Revoke a token; ``False`` when there is no such token."""
        ...

    # ---- the alert delivery log

    def claim_alert(self, alert: Alert, *, now: Instant) -> StoredAlert | None:
        """Take ``alert`` in charge: add it to the log (``held`` while its delivery instant is
        to come, else ``pending``) unless its key is there already. Atomic: of two callers
        with the same key, exactly one gets the entry, the other ``None``."""
        ...

    def claim_alerts(self, alerts: Sequence[Alert], *, now: Instant) -> list[StoredAlert | None]:
        """:meth:`claim_alert` of each of ``alerts`` in turn (a key twice: the second gets
        ``None``), in few transactions: a round's claims. Each claim is as atomic as one of
        :meth:`claim_alert`; a failure leaves none of the claims of its transaction."""
        ...

    def known_alert_keys(self, keys: Collection[str]) -> set[str]:
        """Which of ``keys`` are in the log."""
        ...

    def last_received(self, sources: Collection[str]) -> dict[str, Instant | None]:
        """When an event of each source was last stored (``received_at``; ``None``: never).
        Events stored before the ``source`` column existed belong to no source."""
        ...

    def get_watch(self, keys: Collection[str]) -> dict[str, str]:
        """The alert loop's remembered values of those ``keys`` that have one."""
        ...

    def set_watch(self, key: str, value: str, *, at: Instant, expected: str | None) -> bool:
        """Compare-and-set: write ``value`` if the key has no value (``expected`` is ``None``)
        or still holds ``expected``; ``False`` when another writer came first."""
        ...

    def alerts_to_deliver(self) -> list[StoredAlert]:
        """Entries still held or pending and not acknowledged (snoozed ones included), oldest
        first, with their attempts."""
        ...

    def claim_attempt(self, alert_id: int, channel: str, number: int, *, at: Instant) -> bool:
        """Record that attempt ``number`` on ``channel`` starts; ``False`` when another caller
        made that attempt already (then this one must not send)."""
        ...

    def finish_attempt(
        self,
        alert_id: int,
        channel: str,
        number: int,
        *,
        ok: bool,
        error: str | None,
        at: Instant,
        state: str,
        next_attempt_at: Instant | None,
    ) -> None:
        """Record an attempt's outcome and the entry's new state, in one transaction."""
        ...

    def list_alerts(self, query: AlertQuery) -> list[StoredAlert]: ...

    def get_alert(self, alert_id: int) -> StoredAlert | None: ...

    def acknowledge_alert(self, alert_id: int, *, by: str, at: Instant) -> StoredAlert | None:
        """Acknowledge an entry (once: a second acknowledgement keeps the first); ``None``
        when there is no such entry."""
        ...

    def snooze_alert(self, alert_id: int, *, until: Instant) -> StoredAlert | None:
        """Hold an undelivered entry until ``until``; ``None`` when there is no such entry,
        :class:`~accord.errors.ConflictError` when it is delivered, failed or acknowledged."""
        ...
