"""The alert delivery log: ``GET /api/v1/alerts`` (newest first), one entry, and the two
things people do with an alert: acknowledge it (nothing more is sent) and snooze it (its
delivery waits until an instant).

A customer-scoped token sees its customer's alerts only, decided at read time: an alert about
a ticket belongs to the ticket's current customer (a ticket moved to another customer takes its
alerts along at once, whatever customer they were raised for), any other alert to its own
customer. Any other entry answers 404 as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, model_validator

from accord.core.timeutil import Instant, iso, parse_as_of, parse_duration
from accord.errors import InputError, NotFoundError
from accord.io.store import ALERT_STATES, AlertQuery, Scope, Store, StoredAlert
from accord.io.store.base import alert_owner
from accord.service.auth import Principal, require
from accord.service.plumbing import CONFLICT, NOT_FOUND, READ_ERRORS
from accord.service.views import cursor_error, decode_cursor, encode_cursor

router = APIRouter(prefix="/api/v1", tags=["alerts"])

AlertState = Literal["held", "pending", "sent", "failed", "acknowledged", "snoozed"]
assert set(AlertState.__args__) == set(ALERT_STATES)  # type: ignore[attr-defined]


def alert_json(e: StoredAlert, now: Instant) -> dict[str, Any]:
    a = e.alert
    return {
        "id": e.id,
        "key": a.key,
        "state": e.state_at(now),
        "rule": a.rule,
        "kind": a.kind,
        "subject": a.subject,
        "ticket_id": e.ticket_id,
        "customer": a.customer,
        "metric": a.metric,
        "cycle": a.cycle,
        "threshold": a.threshold,
        "at": iso(a.at),
        "held_until": iso(a.deliver_at) if a.deliver_at > a.at else None,
        "channels": list(a.channels),
        "summary": a.summary,
        "figures": dict(a.figures),
        "link": a.link,
        "next_attempt_at": iso(e.next_attempt_at) if e.state in ("held", "pending") else None,
        "created_at": iso(e.created_at),
        "acknowledged_by": e.acknowledged_by,
        "acknowledged_at": iso(e.acknowledged_at),
        "snoozed_until": iso(e.snoozed_until),
        "attempts": [
            {
                "channel": t.channel,
                "number": t.number,
                "at": iso(t.at),
                "ok": t.ok,
                "error": t.error,
                "finished_at": iso(t.finished_at),
            }
            for t in e.attempts
        ],
    }


def readable(
    store: Store, entries: Sequence[StoredAlert], customer: str | None
) -> list[StoredAlert]:
    """The entries a read restricted to ``customer`` (``None``: none) may show, decided now:
    an alert about a ticket by the ticket's current customer, any other by its own."""
    if customer is None:
        return list(entries)
    owners = store.owners_of({e.ticket_id for e in entries if e.ticket_id is not None})
    return [e for e in entries if alert_owner(e, owners) == customer]


def _visible(request: Request, principal: Principal, alert_id: int) -> StoredAlert:
    store: Store = request.app.state.runtime.store
    entry = store.get_alert(alert_id)
    # another customer's entry answers exactly like a missing one
    if entry is None or not readable(store, [entry], principal.customer):
        raise NotFoundError(f"no alert {alert_id}")
    return entry


@router.get("/alerts", summary="The alert delivery log, newest first", responses=READ_ERRORS)
def list_alerts(
    request: Request,
    principal: Principal = Depends(require(Scope.READ)),
    state: AlertState | None = None,
    rule: str | None = None,
    customer: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    now = runtime.clock()
    if principal.customer is not None:
        if customer is not None and customer != principal.customer:
            return {"items": [], "next_cursor": None}
        customer = principal.customer
    before: int | None = None
    if cursor is not None:
        got = decode_cursor(cursor)
        if not isinstance(got, int) or isinstance(got, bool) or not 0 < got < 2**62:
            raise cursor_error()
        before = got
    query = AlertQuery(
        now=now, state=state, rule=rule, customer=customer, before=before, limit=limit + 1
    )
    found = runtime.store.list_alerts(query)
    page = found[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(found) > limit else None
    # the store filtered on who may read each entry; checked again against the tickets'
    # current customers, so a page never carries another customer's entry
    shown = readable(runtime.store, page, customer)
    return {"items": [alert_json(e, now) for e in shown], "next_cursor": next_cursor}


@router.get(
    "/alerts/{alert_id}",
    summary="One entry of the delivery log, with every attempt",
    responses={**READ_ERRORS, **NOT_FOUND},
)
def get_alert(
    alert_id: int, request: Request, principal: Principal = Depends(require(Scope.READ))
) -> dict[str, Any]:
    return alert_json(_visible(request, principal, alert_id), request.app.state.runtime.clock())


def _by(request: Request, principal: Principal) -> str:
    token = request.app.state.runtime.store.get_token(principal.token_id)
    name = token.name if token is not None and token.name else None
    return f"{name} ({principal.token_id})" if name else principal.token_id


@router.post(
    "/alerts/{alert_id}/acknowledge",
    summary="Acknowledge an alert: nothing more is sent for it (write)",
    responses={**READ_ERRORS, **NOT_FOUND},
)
def acknowledge(
    alert_id: int, request: Request, principal: Principal = Depends(require(Scope.WRITE))
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    _visible(request, principal, alert_id)
    now = runtime.clock()
    entry = runtime.store.acknowledge_alert(alert_id, by=_by(request, principal), at=now)
    if entry is None:
        raise NotFoundError(f"no alert {alert_id}")
    return alert_json(entry, now)


class Snooze(BaseModel):
    """Until an instant, or for a duration from now: exactly one of the two."""

    until: str | None = Field(None, description="An instant with an offset")
    for_: str | int | None = Field(
        None, alias="for", description="A duration such as '30m' or '2h', or seconds"
    )

    @model_validator(mode="after")
    def _one(self) -> Snooze:
        if (self.until is None) == (self.for_ is None):
            raise ValueError("give exactly one of 'until' or 'for'")
        return self


@router.post(
    "/alerts/{alert_id}/snooze",
    summary="Hold an undelivered alert until an instant or for a duration (write)",
    responses={**READ_ERRORS, **NOT_FOUND, **CONFLICT},
)
def snooze(
    alert_id: int,
    body: Snooze,
    request: Request,
    principal: Principal = Depends(require(Scope.WRITE)),
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    _visible(request, principal, alert_id)
    now = runtime.clock()
    try:
        if body.until is not None:
            until = parse_as_of(body.until)
        else:
            until = now + parse_duration(body.for_)
    except (ValueError, OverflowError) as e:
        raise InputError(f"snooze: {e}", details=[{"parameter": "until/for"}]) from None
    if until <= now:
        raise InputError(
            f"snooze: {iso(until)} is not after now ({iso(now)})", details=[{"parameter": "until"}]
        )
    entry = runtime.store.snooze_alert(alert_id, until=until)
    if entry is None:
        raise NotFoundError(f"no alert {alert_id}")
    runtime.alerting.notify()  # its wake-up instant changed
    return alert_json(entry, now)
