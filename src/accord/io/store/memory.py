"""The in-memory :class:`~accord.io.store.base.Store` for unit tests: the same behaviour as
:class:`~accord.io.store.sql.SqlStore` (the shared store tests hold them equal), nothing
durable. Thread-safe through one lock, as the service calls it from a thread pool."""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import polars as pl
import pyarrow as pa

from accord.core.alerts.evaluate import Alert
from accord.core.engine.batch.schema import events_to_table
from accord.core.event_validation import content_digest
from accord.core.events import Event
from accord.core.kpi.frames import records_frame
from accord.core.ownership import field_text, sets_customer
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant
from accord.errors import ConflictError, RowProblem
from accord.io.store.base import (
    COMPLIANCE_DIMENSIONS,
    NO_DUE,
    AlertAttemptRecord,
    AlertQuery,
    ClockQuery,
    ComplianceKey,
    ComplianceRow,
    ConfigVersion,
    EventOutcome,
    FailedTicket,
    Incoming,
    QuarantineEntry,
    StoredAlert,
    StoreStats,
    TicketMove,
    TicketQuery,
    TicketResult,
    TicketSummary,
    TokenRecord,
    alert_owner,
    alert_state_matches,
    conflict_problem,
    internal_matches,
    is_queued,
    month_of,
    snooze_refusal,
    state_at,
)
from accord.io.store.memory_failures import FailuresInMemory
from accord.io.store.refusals import keepable, refused_problem, surrogate_field


class MemoryStore(FailuresInMemory):
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._events: list[Event] = []
        self._by_id: dict[str, tuple[bytes, Event]] = {}
        self._by_ticket: dict[str, list[Event]] = defaultdict(list)
        self._quarantine: list[QuarantineEntry] = []
        self._dirty: dict[str, int] = {}
        self._since: dict[str, int] = {}  # when a marked ticket was first marked (see dirty)
        self._tickets: dict[str, TicketSummary] = {}
        self._records: dict[str, list[MetricRecord]] = {}
        # ticket -> (current customer, sort key of the event that set it); the moves, in order
        self._owners: dict[str, tuple[str | None, tuple[int, int, int]]] = {}
        self._moves: list[TicketMove] = []
        self._configs: list[ConfigVersion] = []
        self._tokens: dict[str, TokenRecord] = {}
        self._seq = itertools.count(1)
        self._qid = itertools.count(1)
        self._alerts: dict[int, StoredAlert] = {}
        self._alert_ids: dict[str, int] = {}  # key -> id
        self._last_received: dict[str, Instant] = {}  # source -> latest received_at
        self._watch: dict[str, str] = {}
        self._failed: dict[str, FailedTicket] = {}

    def close(self) -> None:
        pass

    # ---- events

    def add_events(
        self,
        items: Sequence[Incoming],
        problems: Sequence[RowProblem] = (),
        *,
        received_at: Instant,
    ) -> list[EventOutcome]:
        with self._lock:
            outcomes: list[EventOutcome] = []
            rejected = list(problems)
            touched: set[str] = set()
            for item in items:
                if surrogate_field(item.event) is not None:
                    # what the SQL stores' drivers refuse: text with no UTF-8 form
                    problem = refused_problem(item, "text with no UTF-8 form (a lone surrogate)")
                    rejected.append(problem)
                    outcomes.append(problem)
                    continue
                digest = content_digest(item.event)
                first = self._by_id.get(item.event.event_id)
                if first is None:
                    e = replace(item.event, seq=next(self._seq))
                    self._by_id[e.event_id] = (digest, e)
                    self._events.append(e)
                    self._by_ticket[e.ticket_id].append(e)
                    touched.add(e.ticket_id)
                    outcomes.append("accepted")
                    if sets_customer(e):
                        self._move_owner(e, received_at)
                    last = self._last_received.get(item.source)
                    if last is None or received_at > last:
                        self._last_received[item.source] = received_at
                elif first[0] == digest:
                    outcomes.append("duplicate")
                else:
                    problem = conflict_problem(item)
                    rejected.append(problem)
                    outcomes.append(problem)
            for p in rejected:
                entry = QuarantineEntry(next(self._qid), keepable(p), received_at)
                self._quarantine.append(entry)
            mark = secrets.randbits(62)
            for tid in touched:
                if tid not in self._dirty:
                    self._since[tid] = received_at
                self._dirty[tid] = mark
            return outcomes

    def _move_owner(self, e: Event, received_at: Instant) -> None:
        customer = field_text(e.fields["customer"])
        before = self._owners.get(e.ticket_id)
        if before is not None and e.sort_key() <= before[1]:
            return  # an older event arriving late: the ticket stays where it is
        self._owners[e.ticket_id] = (customer, e.sort_key())
        # a first customer is a move for readers only when the ticket has a summary already
        summary = self._tickets.get(e.ticket_id)
        was = before[0] if before is not None else summary.customer if summary else None
        if was != customer and (before is not None or summary is not None):
            n = len(self._moves) + 1
            self._moves.append(TicketMove(n, e.ticket_id, was, customer, e.seq, received_at))

    def _owner(self, ticket_id: str) -> str | None:
        got = self._owners.get(ticket_id)
        return got[0] if got is not None else None

    def _as_owned(self, s: TicketSummary) -> TicketSummary:
        # the summary as stored, with the ticket's current customer (what the SQL store keeps)
        if s.ticket_id not in self._owners:
            return s
        return replace(s, customer=self._owner(s.ticket_id))

    def events_of(self, ticket_ids: Collection[str]) -> dict[str, list[Event]]:
        with self._lock:
            return {tid: list(self._by_ticket.get(tid, ())) for tid in ticket_ids}

    def iter_events(self, batch: int = 10_000) -> Iterator[Event]:
        with self._lock:
            snapshot = list(self._events)
        return iter(snapshot)

    def count_events(self) -> int:
        return len(self._events)

    def quarantine(self, *, after: int = 0, limit: int = 100) -> list[QuarantineEntry]:
        with self._lock:
            return [q for q in self._quarantine if q.id > after][:limit]

    def count_quarantine(self) -> int:
        return len(self._quarantine)

    # ---- recompute bookkeeping

    def dirty(self, limit: int) -> list[tuple[str, int]]:
        with self._lock:
            # the longest waiting first (the SQL store's ``since``)
            ordered = sorted(self._dirty.items(), key=lambda m: (self._since.get(m[0], 0), m[0]))
            return ordered[:limit]

    def clear_dirty(self, marks: Sequence[tuple[str, int]]) -> None:
        with self._lock:
            for tid, mark in marks:
                if self._dirty.get(tid) == mark:
                    del self._dirty[tid]

    def ticket_ids(self, *, after: str | None, limit: int) -> list[str]:
        with self._lock:
            ids = sorted(self._by_ticket)
        return [i for i in ids if after is None or i > after][:limit]

    def count_tickets(self) -> int:
        return len(self._by_ticket)

    def save_results(
        self, results: Sequence[TicketResult], *, clear: Sequence[tuple[str, int]] = ()
    ) -> None:
        with self._lock:
            for r in results:
                tid = r.summary.ticket_id
                self._tickets[tid] = r.summary
                self._records[tid] = sorted(r.records, key=lambda x: (x.metric, x.cycle))
                self._failed.pop(tid, None)
            self.clear_dirty(clear)

    # ---- reads

    def _ticket_matches(self, s: TicketSummary, query: TicketQuery) -> bool:
        if any(
            want is not None and have != want
            for want, have in (
                (query.customer, self._as_owned(s).customer),
                (query.team, s.team),
                (query.priority, s.priority),
                (query.assignee, s.assignee),
            )
        ):
            return False
        if query.search and query.search.lower() not in s.ticket_id.lower():
            return False
        by_clock = (query.state, query.metric, query.due_before, query.channel)
        # the internal agreements' list holds only tickets with such a clock
        return (by_clock == (None, None, None, None) and not query.internal) or any(
            self._clock_matches(r, query) for r in self._records.get(s.ticket_id, ())
        )

    def _ticket_list(self, query: TicketQuery) -> list[TicketSummary]:
        with self._lock:
            return [
                self._as_owned(s)
                for tid in sorted(self._tickets)
                if self._ticket_matches(s := self._tickets[tid], query)
            ]

    def find_tickets(self, query: TicketQuery) -> list[TicketSummary]:
        found = self._ticket_list(query)
        if query.after is not None:
            found = [s for s in found if s.ticket_id > query.after]
        if query.sort is not None:
            attr = _TICKET_ATTRS[query.sort.key]
            found = _sorted(found, lambda s: getattr(s, attr), query.sort.descending)
        return found[query.offset : query.offset + query.limit]

    def count_ticket_list(self, query: TicketQuery, *, at_most: int | None = None) -> int:
        n = len(self._ticket_list(query))
        return n if at_most is None else min(n, at_most)

    @staticmethod
    def _clock_matches(r: MetricRecord, q: TicketQuery) -> bool:
        if not internal_matches(r.metric, q.internal):
            return False
        if q.state is not None and state_at(r, q.now) is not q.state:
            return False
        if q.metric is not None and r.metric != q.metric:
            return False
        if q.channel is not None and r.channel != q.channel:
            return False
        return not (q.due_before is not None and (r.due is None or r.due >= q.due_before))

    def get_ticket(self, ticket_id: str) -> TicketSummary | None:
        with self._lock:
            s = self._tickets.get(ticket_id)
            return self._as_owned(s) if s is not None else None

    def records_of(self, ticket_ids: Collection[str]) -> dict[str, list[MetricRecord]]:
        with self._lock:
            return {tid: list(self._records.get(tid, ())) for tid in ticket_ids}

    def events_table_of(self, ticket_ids: Collection[str]) -> pa.Table:
        got = self.events_of(sorted(set(ticket_ids)))
        return events_to_table(e for evs in got.values() for e in evs)

    def records_frame_of(self, ticket_ids: Collection[str]) -> pl.DataFrame:
        got = self.records_of(sorted(set(ticket_ids)))
        recs = sorted(
            (r for rs in got.values() for r in rs), key=lambda r: (r.ticket_id, r.metric, r.cycle)
        )
        return records_frame(recs)

    # ---- current customers

    def owners_of(self, ticket_ids: Collection[str]) -> dict[str, str | None]:
        with self._lock:
            return {tid: self._owner(tid) for tid in ticket_ids if tid in self._owners}

    def moves_since(self, n: int, *, limit: int = 10_000) -> list[TicketMove]:
        with self._lock:
            return self._moves[max(n, 0) : max(n, 0) + limit]

    def last_move(self, *, away_from: str | None = None) -> int:
        with self._lock:
            if away_from is None:
                return len(self._moves)
            return max((m.n for m in self._moves if m.from_customer == away_from), default=0)

    def _queue(
        self, query: ClockQuery
    ) -> list[tuple[tuple[int, str, str, int], str | None, MetricRecord]]:
        # (queue position, the ticket's current customer, the clock)
        rows: list[tuple[tuple[int, str, str, int], str | None, MetricRecord]] = []
        with self._lock:
            for tid, recs in self._records.items():
                customer = self._as_owned(self._tickets[tid]).customer
                if query.customer is not None and customer != query.customer:
                    continue
                if query.search and query.search.lower() not in tid.lower():
                    continue
                for r in recs:
                    if not is_queued(r) or not internal_matches(r.metric, query.internal):
                        continue
                    if any(
                        want is not None and have != want
                        for want, have in (
                            (query.team, r.team),
                            (query.priority, r.priority),
                            (query.metric, r.metric),
                            (query.policy, r.policy),
                            (query.assignee, r.assignee),
                            (query.channel, r.channel),
                        )
                    ):
                        continue
                    if query.state is not None and state_at(r, query.now) is not query.state:
                        continue
                    key = (r.due if r.due is not None else NO_DUE, r.ticket_id, r.metric, r.cycle)
                    if query.due_before is not None and key[0] >= query.due_before:
                        continue
                    rows.append((key, customer, r))
        rows.sort(key=lambda x: x[0])
        return rows

    def open_clocks(self, query: ClockQuery) -> list[MetricRecord]:
        rows = self._queue(query)
        a = query.after
        if a is not None:
            rows = [x for x in rows if x[0] > (a.due_sort, a.ticket_id, a.metric, a.cycle)]
        if query.sort is not None:
            if query.sort.key == "customer":
                rows = _sorted(rows, lambda x: x[1], query.sort.descending)
            else:
                attr = _CLOCK_ATTRS[query.sort.key]
                rows = _sorted(rows, lambda x: getattr(x[2], attr), query.sort.descending)
        return [r for _, _, r in rows[query.offset : query.offset + query.limit]]

    def count_open_clocks(self, query: ClockQuery, *, at_most: int | None = None) -> int:
        n = len(self._queue(query))
        return n if at_most is None else min(n, at_most)

    def compliance(
        self,
        by: str | None,
        *,
        now: Instant,
        customer: str | None = None,
        metric: str | None = None,
        internal: bool = False,
    ) -> list[ComplianceRow]:
        if by is not None and by not in COMPLIANCE_DIMENSIONS:
            raise ValueError(f"cannot group compliance by '{by}'")
        counts: dict[tuple[str | None, str], list[int]] = {}
        with self._lock:
            for tid, recs in self._records.items():
                ticket_customer = self._as_owned(self._tickets[tid]).customer
                if customer is not None and ticket_customer != customer:
                    continue
                for r in recs:
                    if r.target is None or (metric is not None and r.metric != metric):
                        continue
                    if not internal_matches(r.metric, internal):
                        continue
                    key: str | None = None
                    if by == "customer":
                        key = ticket_customer
                    elif by is not None:
                        key = getattr(r, by)
                    c = counts.setdefault((key, month_of(r.start)), [0, 0, 0])
                    st = state_at(r, now)
                    if st is State.MET:
                        c[0] += 1
                    elif st is State.BREACHED:
                        c[1] += 1
                    elif st in (State.RUNNING, State.PAUSED):
                        c[2] += 1
        return [ComplianceRow(k, m, *c) for (k, m), c in counts.items()]

    def stats(self, now: Instant) -> StoreStats:
        out = StoreStats()
        with self._lock:
            for recs in self._records.values():
                for r in recs:
                    if not internal_matches(r.metric, False):  # the SLA clocks only
                        continue
                    st = state_at(r, now).value
                    out.clocks_by_state[st] = out.clocks_by_state.get(st, 0) + 1
                    if st == State.BREACHED.value:
                        key = (r.policy, r.priority)
                        out.breaches[key] = out.breaches.get(key, 0) + 1
            out.pending_recompute = len(self._dirty)
            out.failed_tickets = len(self._failed)
        return out

    def backlog(self) -> tuple[int, int]:
        with self._lock:
            return len(self._dirty), len(self._failed)

    def upkeep_warnings(self) -> list[str]:
        return []  # nothing outlives the process

    # ---- records view

    def change_stamp(self) -> tuple[int, int]:
        with self._lock:
            seq = max((e.seq for e in self._events), default=0)
            return seq, max((c.version for c in self._configs), default=0)

    def changed_since(self, seq: int) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        with self._lock:
            for e in self._events:
                if e.seq > seq:
                    lo, hi = out.get(e.ticket_id, (e.seq, e.seq))
                    out[e.ticket_id] = (min(lo, e.seq), max(hi, e.seq))
        return out

    def compliance_keys(
        self, ticket_ids: Collection[str] | None = None, *, batch: int = 200_000
    ) -> Iterator[list[ComplianceKey]]:
        with self._lock:
            ids = sorted(self._records if ticket_ids is None else set(ticket_ids))
            rows: list[ComplianceKey] = [
                (r.ticket_id, r.metric, r.priority, r.policy, r.team,
                 self._as_owned(self._tickets[tid]).customer, month_of(r.start), r.state.value,
                 r.due)
                for tid in ids
                for r in self._records.get(tid, ())
                if r.target is not None
            ]  # fmt: skip
        for i in range(0, len(rows), batch):
            yield rows[i : i + batch]

    # ---- configuration

    def add_config_version(
        self, files: Mapping[str, str], *, effective_from: Instant, uploaded_at: Instant
    ) -> ConfigVersion:
        with self._lock:
            v = ConfigVersion(len(self._configs) + 1, dict(files), effective_from, uploaded_at)
            self._configs.append(v)
            return v

    def config_versions(self) -> list[ConfigVersion]:
        return list(self._configs)

    # ---- tokens

    def add_token(self, token: TokenRecord) -> None:
        with self._lock:
            self._tokens[token.id] = token

    def get_token(self, token_id: str) -> TokenRecord | None:
        return self._tokens.get(token_id)

    def list_tokens(self) -> list[TokenRecord]:
        return sorted(self._tokens.values(), key=lambda x: (x.created_at, x.id))

    def revoke_token(self, token_id: str, *, at: Instant) -> bool:
        with self._lock:
            tok = self._tokens.get(token_id)
            if tok is None:
                return False
            if tok.revoked_at is None:
                self._tokens[token_id] = replace(tok, revoked_at=at)
            return True

    # ---- the alert delivery log

    def claim_alert(self, alert: Alert, *, now: Instant) -> StoredAlert | None:
        with self._lock:
            if alert.key in self._alert_ids:
                return None
            state = "held" if alert.deliver_at > now else "pending"
            entry = StoredAlert(len(self._alerts) + 1, alert, state, alert.deliver_at, now)
            self._alerts[entry.id] = entry
            self._alert_ids[alert.key] = entry.id
            return entry

    def claim_alerts(self, alerts: Sequence[Alert], *, now: Instant) -> list[StoredAlert | None]:
        with self._lock:
            return [self.claim_alert(a, now=now) for a in alerts]

    def known_alert_keys(self, keys: Collection[str]) -> set[str]:
        with self._lock:
            return {k for k in keys if k in self._alert_ids}

    def last_received(self, sources: Collection[str]) -> dict[str, Instant | None]:
        with self._lock:
            return {s: self._last_received.get(s) for s in sources}

    def get_watch(self, keys: Collection[str]) -> dict[str, str]:
        with self._lock:
            return {k: self._watch[k] for k in keys if k in self._watch}

    def set_watch(self, key: str, value: str, *, at: Instant, expected: str | None) -> bool:
        with self._lock:
            if self._watch.get(key) != expected:
                return False
            self._watch[key] = value
            return True

    def alerts_to_deliver(self) -> list[StoredAlert]:
        with self._lock:
            return [
                a
                for a in self._alerts.values()
                if a.state in ("held", "pending") and a.acknowledged_at is None
            ]

    def claim_attempt(self, alert_id: int, channel: str, number: int, *, at: Instant) -> bool:
        with self._lock:
            entry = self._alerts[alert_id]
            if any(t.channel == channel and t.number == number for t in entry.attempts):
                return False
            attempt = AlertAttemptRecord(channel, number, at, None)
            attempts = sorted((*entry.attempts, attempt), key=lambda t: (t.at, t.channel, t.number))
            self._alerts[alert_id] = replace(entry, attempts=tuple(attempts))
            return True

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
        with self._lock:
            entry = self._alerts[alert_id]
            attempts = tuple(
                replace(t, ok=ok, error=error, finished_at=at)
                if t.channel == channel and t.number == number
                else t
                for t in entry.attempts
            )
            self._alerts[alert_id] = replace(
                entry, attempts=attempts, state=state, next_attempt_at=next_attempt_at
            )

    def list_alerts(self, query: AlertQuery) -> list[StoredAlert]:
        with self._lock:
            found = [
                a
                for a in reversed(self._alerts.values())
                if alert_state_matches(a, query, self._alert_owner(a))
            ]
        return found[: query.limit]

    def _alert_owner(self, entry: StoredAlert) -> str | None:
        tid = entry.ticket_id
        return alert_owner(entry, {tid: self._owner(tid)} if tid is not None else {})

    def get_alert(self, alert_id: int) -> StoredAlert | None:
        with self._lock:
            return self._alerts.get(alert_id)

    def acknowledge_alert(self, alert_id: int, *, by: str, at: Instant) -> StoredAlert | None:
        with self._lock:
            entry = self._alerts.get(alert_id)
            if entry is None:
                return None
            if entry.acknowledged_at is None:
                entry = replace(entry, acknowledged_by=by, acknowledged_at=at)
                self._alerts[alert_id] = entry
            return entry

    def snooze_alert(self, alert_id: int, *, until: Instant) -> StoredAlert | None:
        with self._lock:
            entry = self._alerts.get(alert_id)
            if entry is None:
                return None
            if entry.acknowledged_at is not None or entry.state not in ("held", "pending"):
                raise ConflictError(snooze_refusal(entry))
            entry = replace(entry, snoozed_until=until)
            self._alerts[alert_id] = entry
            return entry


_TICKET_ATTRS = {
    "ticket": "ticket_id",
    "customer": "customer",
    "team": "team",
    "priority": "priority",
    "status": "status",
    "assignee": "assignee",
    "opened": "first_ts",
    "updated": "last_ts",
}
_CLOCK_ATTRS = {
    "due": "due",
    "ticket": "ticket_id",
    "metric": "metric",
    "priority": "priority",
    "policy": "policy",
    "team": "team",
    "assignee": "assignee",
    "channel": "channel",
    "start": "start",
}

_T = TypeVar("_T")


def _sorted(items: list[_T], value: Callable[[_T], Any], descending: bool) -> list[_T]:
    """A stable sort by ``value``, empty values last either way (as the SQL store sorts);
    ties keep the list's own order."""
    present = [x for x in items if value(x) is not None]
    present.sort(key=value, reverse=descending)  # Python's sort is stable, reversed too
    return present + [x for x in items if value(x) is None]
