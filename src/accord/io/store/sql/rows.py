"""Conversions between the core's values and the SQL store's rows."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from accord.core.alerts.evaluate import Alert
from accord.core.events import Actor, Event, FieldValue, Kind
from accord.core.records import MetricRecord, State, Step, Warning_
from accord.core.timeutil import Instant
from accord.errors import RowProblem
from accord.io.store import schema as t
from accord.io.store.base import (
    NO_DUE,
    AlertAttemptRecord,
    Scope,
    StoredAlert,
    TicketSummary,
    TokenRecord,
    is_queued,
    month_of,
)
from accord.io.store.refusals import keepable
from accord.io.store.sql.changed import _json_text


def _state_expr(now: Instant) -> sa.ColumnElement[str]:
    """The stored state judged at ``now`` (see :func:`~accord.io.store.base.state_at`)."""
    rc = t.records.c
    return sa.case(
        (
            sa.and_(
                rc.state == State.RUNNING.value,
                rc.due.is_not(None),
                rc.due < now,
            ),
            sa.literal(State.BREACHED.value),
        ),
        else_=rc.state,
    )


def _fields_json(fields: Mapping[str, FieldValue]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


def _fields_from_json(data: Mapping[str, Any]) -> dict[str, FieldValue]:
    # only tags are lists, and the core keeps them as tuples
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def _event_row(
    e: Event, digest: bytes, received_at: Instant, source: str | None = None
) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "ticket_id": e.ticket_id,
        "ts": e.ts,
        "ts_us": e.ts_us,
        "kind": e.kind.value,
        "actor": e.actor.value if e.actor is not None else None,
        "public": e.public,
        "fields": _fields_json(e.fields),
        "digest": digest,
        "received_at": received_at,
        "source": source,
    }


def _event_from_row(row: Any) -> Event:
    return Event(
        event_id=row.event_id,
        ticket_id=row.ticket_id,
        ts=row.ts,
        kind=Kind(row.kind),
        actor=Actor(row.actor) if row.actor is not None else None,
        public=row.public,
        fields=_fields_from_json(row.fields),
        seq=row.seq,
        ts_us=row.ts_us,
    )


def _event_from_values(row: Sequence[Any]) -> Event:
    """The event of a driver's row of ``seq, event_id, ticket_id, ts, ts_us, kind, actor,
    public, fields`` (the JSON text); the same event as :func:`_event_from_row`."""
    seq, event_id, ticket_id, ts, ts_us, kind, actor, public, fields = row
    return Event(
        event_id=event_id,
        ticket_id=ticket_id,
        ts=ts,
        kind=Kind(kind),
        actor=Actor(actor) if actor is not None else None,
        public=bool(public) if public is not None else None,  # SQLite keeps 0 and 1
        fields=_fields_from_json(json.loads(fields)),
        seq=seq,
        ts_us=ts_us,
    )


def _problem_row(p: RowProblem, received_at: Instant) -> dict[str, Any]:
    p = keepable(p)  # NUL and lone surrogates as their JSON escapes (docs/events.md)
    return {
        "source": p.source[:255],
        "row": p.row,
        "field": p.field[:255],
        "reason": p.reason,
        "raw": p.raw,
        "received_at": received_at,
    }


def _ticket_row(s: TicketSummary, records_as_of: Instant | None = None) -> dict[str, Any]:
    """``records_as_of``: the instant its records were computed at (:func:`shared_as_of`)."""
    return {
        "ticket_id": s.ticket_id,
        "customer": s.customer,
        "team": s.team,
        "priority": s.priority,
        "status": s.status,
        "assignee": s.assignee,
        "first_ts": s.first_ts,
        "last_ts": s.last_ts,
        "events": s.events,
        "computed_at": s.computed_at,
        "records_as_of": records_as_of,
    }


def _ticket_values(
    s: TicketSummary, customer: str | None, records_as_of: Instant | None
) -> tuple[Any, ...]:
    """:func:`_ticket_row` of ``s`` with ``customer`` as the recompute's writes take it
    (``changed.py``): the tickets table's columns in order, made with no dict or copy of the
    summary between (this runs for every ticket recomputed)."""
    return (
        s.ticket_id,
        customer,
        s.team,
        s.priority,
        s.status,
        s.assignee,
        s.first_ts,
        s.last_ts,
        s.events,
        s.computed_at,
        records_as_of,
    )


# _ticket_values's order, held to the table's (a column added must be added there too)
assert tuple(c.name for c in t.tickets.columns) == (
    "ticket_id", "customer", "team", "priority", "status", "assignee", "first_ts", "last_ts",
    "events", "computed_at", "records_as_of",
)  # fmt: skip


def _summary_from_row(row: Any) -> TicketSummary:
    return TicketSummary(
        ticket_id=row.ticket_id,
        customer=row.customer,
        team=row.team,
        priority=row.priority,
        status=row.status,
        assignee=row.assignee,
        first_ts=row.first_ts,
        last_ts=row.last_ts,
        events=row.events,
        computed_at=row.computed_at,
    )


def shared_as_of(records: Sequence[MetricRecord]) -> Instant | None:
    """The instant a ticket's records are stored with, once, in its ticket row: the first
    record's (a recompute computes them all at one instant; None without records)."""
    return records[0].as_of if records else None


def _record_row(
    r: MetricRecord, ticket_customer: str | None, ticket_as_of: Instant | None = None
) -> dict[str, Any]:
    """The record's row; ``ticket_as_of``: its ticket's ``records_as_of``, which the row
    leaves out when the record's ``as_of`` is the same (the common case)."""
    return {
        "ticket_id": r.ticket_id,
        "metric": r.metric,
        "cycle": r.cycle,
        "policy": r.policy,
        "policy_version": r.policy_version,
        "calendar": r.calendar,
        "priority": r.priority,
        "customer": r.customer,
        "team": r.team,
        "assignee": r.assignee,
        "channel": r.channel,
        "target": r.target,
        "start": r.start,
        "stop": r.stop,
        "due": r.due,
        "breached_at": r.breached_at,
        "business_elapsed": r.business_elapsed,
        "paused_business": r.paused_business,
        "calendar_elapsed": r.calendar_elapsed,
        "state": r.state.value,
        "breached_now": r.breached_now,
        "ever_breached": r.ever_breached,
        "warnings": [[w.threshold, w.at] for w in r.warnings],
        "explanation": [[s.at, s.what, s.detail, s.event_id] for s in r.explanation],
        "ticket_customer": ticket_customer,
        "queued": is_queued(r),
        "due_sort": r.due if r.due is not None else NO_DUE,
        "start_month": month_of(r.start),
        "as_of_apart": None if r.as_of == ticket_as_of else r.as_of,
    }


_STATE_TEXT = {s: s.value for s in State}


def _record_values(
    r: MetricRecord, ticket_customer: str | None, ticket_as_of: Instant | None = None
) -> tuple[Any, ...]:
    """:func:`_record_row` as the recompute's writes take it (``changed.py``): the values in
    the records table's column order, the JSON columns as the store's JSON text; made
    straight from the record, with no dict between (this runs for every record recomputed)."""
    return (
        r.ticket_id,
        r.metric,
        r.cycle,
        r.policy,
        r.policy_version,
        r.calendar,
        r.priority,
        r.customer,
        r.team,
        r.assignee,
        r.channel,
        r.target,
        r.start,
        r.stop,
        r.due,
        r.breached_at,
        r.business_elapsed,
        r.paused_business,
        r.calendar_elapsed,
        _STATE_TEXT[r.state],  # an enum's .value is a Python property: a dict is quicker
        r.breached_now,
        r.ever_breached,
        _json_text([[w.threshold, w.at] for w in r.warnings]) if r.warnings else "[]",
        _json_text([[s.at, s.what, s.detail, s.event_id] for s in r.explanation])
        if r.explanation
        else "[]",
        ticket_customer,
        is_queued(r),
        r.due if r.due is not None else NO_DUE,
        month_of(r.start),
        None if r.as_of == ticket_as_of else r.as_of,
    )


# _record_values's order, held to the table's (a column added must be added there too)
assert tuple(c.name for c in t.records.columns) == (
    "ticket_id", "metric", "cycle", "policy", "policy_version", "calendar", "priority",
    "customer", "team", "assignee", "channel", "target", "start", "stop", "due", "breached_at",
    "business_elapsed", "paused_business", "calendar_elapsed", "state", "breached_now",
    "ever_breached", "warnings", "explanation", "ticket_customer", "queued", "due_sort",
    "start_month", "as_of_apart",
)  # fmt: skip


def _record_from_row(row: Any) -> MetricRecord:
    """The record of ``row``, read with :data:`TICKET_AS_OF`."""
    as_of = row.as_of_apart if row.as_of_apart is not None else row.ticket_as_of
    if as_of is None:  # neither the record nor its ticket row holds it: a broken store
        raise ValueError(f"the stored record {row.ticket_id}/{row.metric} has no as_of")
    return MetricRecord(
        ticket_id=row.ticket_id,
        metric=row.metric,
        cycle=row.cycle,
        policy=row.policy,
        policy_version=row.policy_version,
        calendar=row.calendar,
        priority=row.priority,
        customer=row.customer,
        team=row.team,
        assignee=row.assignee,
        channel=row.channel,
        target=row.target,
        start=row.start,
        stop=row.stop,
        due=row.due,
        breached_at=row.breached_at,
        business_elapsed=row.business_elapsed,
        paused_business=row.paused_business,
        calendar_elapsed=row.calendar_elapsed,
        state=State(row.state),
        breached_now=row.breached_now,
        ever_breached=row.ever_breached,
        as_of=as_of,
        warnings=tuple(Warning_(w[0], w[1]) for w in row.warnings),
        explanation=tuple(Step(s[0], s[1], s[2], s[3]) for s in row.explanation),
    )


def _token_from_row(row: Any) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        secret_hash=row.secret_hash,
        scope=Scope(row.scope),
        customer=row.customer,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _alert_state_expr(now: Instant) -> sa.ColumnElement[str]:
    """An entry's state judged at ``now`` (see ``StoredAlert.state_at``)."""
    a = t.alerts.c
    return sa.case(
        (a.acknowledged_at.is_not(None), sa.literal("acknowledged")),
        (sa.and_(a.snoozed_until.is_not(None), a.snoozed_until > now), sa.literal("snoozed")),
        (sa.and_(a.state == "held", a.deliver_at <= now), sa.literal("pending")),
        else_=a.state,
    )


def _alert_row(alert: Alert, now: Instant) -> dict[str, Any]:
    return {
        "key": alert.key,
        "rule": alert.rule,
        "kind": alert.kind,
        "subject": alert.subject,
        "ticket_id": alert.subject if alert.kind in ("sla_warning", "sla_breach") else None,
        "customer": alert.customer,
        "metric": alert.metric,
        "cycle": alert.cycle,
        "threshold": alert.threshold,
        "at": alert.at,
        "deliver_at": alert.deliver_at,
        "channels": list(alert.channels),
        "summary": alert.summary,
        "figures": dict(alert.figures),
        "link": alert.link,
        "state": "held" if alert.deliver_at > now else "pending",
        "next_attempt_at": alert.deliver_at,
        "created_at": now,
        "owner": alert.customer,  # a ticket's alert: its current customer (claim_alert)
    }


def _stored_alert_from_row(row: Any, attempts: Sequence[AlertAttemptRecord]) -> StoredAlert:
    alert = Alert(
        key=row.key,
        rule=row.rule,
        kind=row.kind,
        subject=row.subject,
        metric=row.metric,
        cycle=row.cycle,
        threshold=row.threshold,
        at=row.at,
        deliver_at=row.deliver_at,
        channels=tuple(row.channels),
        summary=row.summary,
        figures=dict(row.figures),
        link=row.link,
        customer=row.customer,
    )
    return StoredAlert(
        id=row.id,
        alert=alert,
        state=row.state,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        snoozed_until=row.snoozed_until,
        attempts=tuple(attempts),
    )


# a record's ticket's ``records_as_of``, in the select list of a read of records: looked up
# for the rows read only (a join could change how a list's query walks its index), and in
# the same statement as the record, so the two are of one saved state
TICKET_AS_OF = (
    sa.select(t.tickets.c.records_as_of)
    .where(t.tickets.c.ticket_id == t.records.c.ticket_id)
    .scalar_subquery()
    .label("ticket_as_of")
)
