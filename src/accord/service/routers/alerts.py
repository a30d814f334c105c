"""The alert delivery log: ``GET /api/v1/alerts`` (newest first), one entry, and the two
things people do with an alert: acknowledge it (nothing more is sent) and snooze it (its
delivery waits until an instant).

A customer-scoped token sees its customer's alerts only, decided at read time: an alert about
a ticket belongs to the ticket's current customer (a ticket moved to another customer takes its
alerts along at once, whatever customer they were raised for), any other alert to its own
customer. Any other entry answers 404 as if it did not exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.core.agreements.models import is_internal
from accord.core.timeutil import Instant, iso, parse_duration
from accord.errors import InputError, NotFoundError
from accord.io.store import ALERT_STATES, AlertQuery, Scope, Store, StoredAlert
from accord.io.store.base import alert_owner
from accord.service import cursors
from accord.service.auth import Principal, require
from accord.service.params import DURATION_PATTERN, INSTANT_SCHEMA
from accord.service.params import instant as instant_param
from accord.service.plumbing import (
    CONFLICT,
    NOT_FOUND,
    READ_ERRORS,
    TOO_LARGE,
    UNSUPPORTED,
    json_body,
)

router = APIRouter(prefix="/api/v1", tags=["alerts"])

# ids are 64-bit integers on every store (SQLite's INTEGER, PostgreSQL's BIGINT)
ALERT_ID = Path(ge=1, le=2**63 - 1, description="The entry's id")

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
    an alert about a ticket by the ticket's current customer, any other by its own; never
    one about an internal agreement's clock (``ola:<name>``), which is the teams' alone."""
    if customer is None:
        return list(entries)
    owners = store.owners_of({e.ticket_id for e in entries if e.ticket_id is not None})
    return [
        e
        for e in entries
        if alert_owner(e, owners) == customer
        and not (e.alert.metric is not None and is_internal(e.alert.metric))
    ]


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
    metric: str | None = Query(
        None, description="Alerts about clocks of this metric (ola:<name>: an agreement's)"
    ),
    customer: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(
        None,
        description="next_cursor of the previous page",
        json_schema_extra=cursors.ALERT_SCHEMA,
    ),
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    now = runtime.clock()
    before = cursors.read_alert_cursor(cursor) if cursor is not None else None  # checked first
    if principal.customer is not None:
        if customer is not None and customer != principal.customer:
            return {"items": [], "next_cursor": None}
        customer = principal.customer
    if principal.customer is not None and metric is not None and is_internal(metric):
        return {"items": [], "next_cursor": None}  # the agreements' alerts are the teams'
    query = AlertQuery(
        now=now,
        state=state,
        rule=rule,
        metric=metric,
        customer=customer,
        before=before,
        limit=limit + 1,
    )
    found = runtime.store.list_alerts(query)
    page = found[:limit]
    next_cursor = cursors.alert_cursor(page[-1].id) if len(found) > limit else None
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
    request: Request, alert_id: int = ALERT_ID, principal: Principal = Depends(require(Scope.READ))
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
    request: Request,
    alert_id: int = ALERT_ID,
    principal: Principal = Depends(require(Scope.WRITE)),
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    _visible(request, principal, alert_id)
    now = runtime.clock()
    entry = runtime.store.acknowledge_alert(alert_id, by=_by(request, principal), at=now)
    if entry is None:
        raise NotFoundError(f"no alert {alert_id}")
    return alert_json(entry, now)


# A snooze holds delivery for at most a year (and a day): long enough for any pause a person
# means, and every instant it yields stays far inside the instants the store and ``iso`` read.
MAX_SNOOZE = 366 * 86_400
_DURATION = re.compile(DURATION_PATTERN)


class Snooze(BaseModel):
    """Until an instant, or for a duration from now: exactly one of the two."""

    model_config = ConfigDict(strict=True)  # no true for 1, no "60" for 60

    until: str | None = Field(
        None,
        description="An instant with an offset, after now and at most 366 days ahead",
        json_schema_extra=INSTANT_SCHEMA,
    )
    # a JSON number with a zero fraction (60.0) is an integer too: checked in _snooze_until
    for_: Annotated[int, Field(ge=1, le=MAX_SNOOZE)] | float | str | None = Field(
        None,
        alias="for",
        description="A duration such as '30m', '2h' or '1d 4h', or seconds; 1 s to 366 days",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        # a key given a null is neither of the two: leave it out instead
        if isinstance(data, dict):
            for key in ("until", "for"):
                if key in data and data[key] is None:
                    raise ValueError(f"'{key}' cannot be null; leave it out")
        return data

    @model_validator(mode="after")
    def _one(self) -> Snooze:
        if (self.until is None) == (self.for_ is None):
            raise ValueError("give exactly one of 'until' or 'for'")
        return self


def _snooze_schema() -> dict[str, Any]:
    """The body's schema, saying what the validators do: no nulls, exactly one of the two."""
    schema = Snooze.model_json_schema(by_alias=True)
    until, for_ = schema["properties"]["until"], schema["properties"]["for"]
    until.pop("anyOf", None)
    until.pop("default", None)
    until["type"] = "string"
    for_.pop("default", None)
    for_["anyOf"] = [
        {"type": "integer", "minimum": 1, "maximum": MAX_SNOOZE},
        {"type": "string", "pattern": DURATION_PATTERN},
    ]
    schema["oneOf"] = [{"required": ["until"]}, {"required": ["for"]}]
    return schema


def _snooze_until(body: Snooze, now: Instant) -> Instant:
    if body.until is not None:
        until = instant_param(body.until, "until")
        assert until is not None
        if until <= now:
            raise InputError(
                f"snooze: {iso(until)} is not after now ({iso(now)})",
                details=[{"parameter": "until"}],
            )
    elif isinstance(body.for_, int | float):
        if not (float(body.for_).is_integer() and 1 <= body.for_ <= MAX_SNOOZE):
            raise InputError(
                f"snooze: for {body.for_} is not a whole number of seconds from 1 to {MAX_SNOOZE}",
                details=[{"parameter": "for"}],
            )
        until = now + int(body.for_)
    else:
        text = body.for_ or ""
        if not _DURATION.fullmatch(text):
            raise InputError(
                f"snooze: {text[:64]!r} is not a duration such as '30m', '2h' or '1d 4h'",
                details=[{"parameter": "for"}],
            )
        seconds = parse_duration(text)  # the pattern is its grammar: it reads it
        if not 1 <= seconds <= MAX_SNOOZE:
            raise InputError(
                f"snooze: for {text[:64]!r} is not between 1 s and 366 days",
                details=[{"parameter": "for"}],
            )
        until = now + seconds
    if until - now > MAX_SNOOZE:
        raise InputError(
            f"snooze: {iso(until)} is more than 366 days ahead", details=[{"parameter": "until"}]
        )
    return until


@router.post(
    "/alerts/{alert_id}/snooze",
    summary="Hold an undelivered alert until an instant or for a duration (write)",
    responses={**READ_ERRORS, **NOT_FOUND, **CONFLICT, **TOO_LARGE, **UNSUPPORTED},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _snooze_schema()}},
        }
    },
)
async def snooze(
    request: Request,
    alert_id: int = ALERT_ID,
    principal: Principal = Depends(require(Scope.WRITE)),
) -> dict[str, Any]:
    body = await json_body(request, Snooze)
    return await run_in_threadpool(_snooze, request, principal, alert_id, body)


def _snooze(request: Request, principal: Principal, alert_id: int, body: Snooze) -> dict[str, Any]:
    runtime = request.app.state.runtime
    _visible(request, principal, alert_id)
    now = runtime.clock()
    until = _snooze_until(body, now)
    entry = runtime.store.snooze_alert(alert_id, until=until)
    if entry is None:
        raise NotFoundError(f"no alert {alert_id}")
    runtime.alerting.notify()  # its wake-up instant changed
    return alert_json(entry, now)
