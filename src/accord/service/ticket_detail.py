"""The internal part of a ticket's detail (``GET /api/v1/tickets/{id}`` for a token bound to
no customer): its internal agreements' clocks, which of them lie under which SLA cycle, and
where each clock's time went (the attribution by team, assignee and status category).

Never part of a customer-scoped token's answer: the router adds it for the teams only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from accord.core.agreements.links import underpinned
from accord.core.config.resolved import Configuration
from accord.core.engine import attribute
from accord.core.events import Event
from accord.core.timeutil import Instant, iso
from accord.service.business_days import BusinessDays
from accord.service.runtime import Fresh
from accord.service.views import clock_json

log = logging.getLogger("accord.service")

ATTRIBUTION_DIMENSIONS = ("team", "assignee", "status")
"""What the ticket page splits every clock's time by."""


def internal_detail(
    config: Configuration,
    events: Sequence[Event],
    fresh: Fresh,
    as_of: Instant,
    days: BusinessDays,
) -> dict[str, Any]:
    """``agreements`` (the agreements' clocks, explained), ``agreement_links`` (each
    agreement cycle under the SLA cycles it overlaps, for agreements that underpin a metric)
    and ``attribution`` (one row per clock cycle and holder, SLA and agreement clocks)."""
    links = underpinned([*fresh.records, *fresh.agreements], config.agreements)
    out: dict[str, Any] = {
        "agreements": [clock_json(r, days, explain=True) for r in fresh.agreements],
        "agreement_links": [
            {
                "metric": x.metric,
                "cycle": x.cycle,
                "agreement": x.agreement,
                "agreement_cycle": x.agreement_cycle,
                "state": x.state.value,
                "breached_at": iso(x.breached_at) if x.breached_at is not None else None,
            }
            for x in links
        ],
    }
    if fresh.error is not None:  # the clocks could not be computed: nor can their split
        out["attribution"] = {"dimensions": list(ATTRIBUTION_DIMENSIONS), "rows": []}
        return out
    try:
        _, rows = attribute(
            events, config, as_of, ATTRIBUTION_DIMENSIONS, agreements=bool(config.agreements)
        )
    except Exception:  # the same engine just computed these clocks; never fail the page
        log.exception("attributing the time of ticket %r failed", fresh.summary)
        rows = []
    calendars = {(r.metric, r.cycle): r.calendar for r in [*fresh.records, *fresh.agreements]}
    out["attribution"] = {
        "dimensions": list(ATTRIBUTION_DIMENSIONS),
        "rows": [
            {
                "metric": r.metric,
                "cycle": r.cycle,
                **dict(zip(ATTRIBUTION_DIMENSIONS, r.holder, strict=True)),
                "business_elapsed": r.business_elapsed,
                "paused_business": r.paused_business,
                "business_day_seconds": days.of(calendars.get((r.metric, r.cycle))),
            }
            for r in rows
        ],
    }
    return out
