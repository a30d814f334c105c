"""Shared helpers of the contract tests: a contract built through the configuration loader,
metric records made by hand (so each test states exactly the clocks it judges), ticket facts,
and the statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from accord.core.config.loader import check_data_contracts
from accord.core.contracts.models import ContractSpec
from accord.core.contracts.statement import Statement, build_statement
from accord.core.records import MetricRecord, State, Warning_
from accord.core.timeutil import Instant, parse_as_of

MINUTE = 60
HOUR = 3600
DAY = 86400

BASE: dict[str, Any] = {
    "calendars": {"always": {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}},
    "policies": [
        {
            "name": "Gold",
            "calendar": "always",
            "metrics": {"first_response": "1h", "resolution": "8h"},
        },
        {"name": "Standard", "calendar": "always", "metrics": {"first_response": "4h"}},
    ],
}


def t(text: str) -> Instant:
    return parse_as_of(text)


def contract(**spec: Any) -> ContractSpec:
    """Contract ``acme`` (customer acme, policy Gold, 20,000.00 USD a month) with ``spec``."""
    body = {"policies": ["Gold"], "monthly_fee": "20000.00", "currency": "USD", **spec}
    config, contracts, issues = check_data_contracts({**BASE, "contracts": {"acme": body}})
    assert config is not None and "acme" in contracts, [i.render() for i in issues]
    return contracts["acme"]


def clock(
    ticket: str,
    *,
    stop: Instant | None,
    breached: bool = False,
    metric: str = "first_response",
    start: Instant | None = None,
    target: int | None = HOUR,
    elapsed: int | None = None,
    breached_at: Instant | None = None,
    due: Instant | None = None,
    state: State | None = None,
    priority: str | None = "P1",
    customer: str = "acme",
    policy: str = "Gold",
    cycle: int = 1,
    warning: str | None = None,
    as_of: Instant = 0,
) -> MetricRecord:
    """One clock. By default it stopped at ``stop`` (met, or ``breached``) after 30 minutes,
    or 2 hours when breached; with ``stop=None`` it is still running (or breached if
    ``breached``)."""
    if elapsed is None:
        elapsed = 2 * HOUR if breached else 30 * MINUTE
    end = stop if stop is not None else (breached_at or due or 0)
    if start is None:
        start = end - elapsed
    if state is None and breached:
        state = State.BREACHED
    elif state is None:
        state = State.MET if stop is not None else State.RUNNING
    if breached and breached_at is None and target is not None:
        breached_at = start + target
    return MetricRecord(
        ticket_id=ticket,
        metric=metric,
        cycle=cycle,
        policy=policy,
        policy_version=1,
        calendar="always",
        priority=priority,
        customer=customer,
        team=None,
        assignee=None,
        channel=None,
        target=target,
        start=start,
        stop=stop,
        due=due if due is not None else (start + target if target is not None else None),
        breached_at=breached_at,
        business_elapsed=elapsed,
        paused_business=0,
        calendar_elapsed=elapsed,
        state=state,
        breached_now=breached,
        ever_breached=breached,
        as_of=as_of,
        warnings=(Warning_(warning, end),) if warning is not None else (),
    )


def many(prefix: str, n: int, at: Instant, *, breached: int = 0, **kw: Any) -> list[MetricRecord]:
    """``n`` clocks stopped one minute apart from ``at``, the first ``breached`` of them late."""
    return [
        clock(f"{prefix}{i}", stop=at + i * MINUTE, breached=i < breached, **kw) for i in range(n)
    ]


def tickets(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Ticket facts as the contracts read them: id, creation, deletion, tags, the flag field."""
    return pl.DataFrame(
        {
            "ticket_id": [r["ticket_id"] for r in rows],
            "created": [r.get("created") for r in rows],
            "deleted": [r.get("deleted", False) for r in rows],
            "tags": [list(r.get("tags", [])) for r in rows],
            "field.sla_exclude": [r.get("flag") for r in rows],
        },
        schema={
            "ticket_id": pl.String,
            "created": pl.Int64,
            "deleted": pl.Boolean,
            "tags": pl.List(pl.String),
            "field.sla_exclude": pl.String,
        },
    )


def statement(
    spec: ContractSpec,
    records: Sequence[MetricRecord],
    as_of: str,
    period: str | None = None,
    facts: pl.DataFrame | None = None,
) -> Statement:
    return build_statement("acme", spec, records, facts, t(as_of), period)
