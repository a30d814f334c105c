"""How tickets, clocks, events and pages look in JSON and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from accord.core.events import Event
from accord.core.records import MetricRecord
from accord.core.timeutil import iso
from accord.io.records_out import records_to_csv
from accord.io.store import TicketSummary
from accord.service.business_days import BusinessDays

CSV_TYPE = "text/csv"


def clock_json(r: MetricRecord, days: BusinessDays, *, explain: bool) -> dict[str, Any]:
    row = r.to_row(explanation=explain)
    del row["ticket_id"]
    row["business_day_seconds"] = days.of(r.calendar)
    return row


def ticket_json(
    s: TicketSummary,
    clocks: Sequence[MetricRecord],
    days: BusinessDays,
    *,
    explain: bool = False,
    error: str | None = None,
) -> dict[str, Any]:
    """A ticket and its clocks; ``error`` says why its clocks could not be computed (the
    key is present only then)."""
    out = {
        "ticket_id": s.ticket_id,
        "customer": s.customer,
        "team": s.team,
        "priority": s.priority,
        "status": s.status,
        "assignee": s.assignee,
        "first_event": iso(s.first_ts),
        "last_event": iso(s.last_ts),
        "events": s.events,
        "clocks": [clock_json(r, days, explain=explain) for r in clocks],
    }
    if error is not None:
        out["error"] = error
    return out


def event_json(e: Event) -> dict[str, Any]:
    out = e.to_dict()
    out["seq"] = e.seq
    return out


def at_risk_json(r: MetricRecord, days: BusinessDays) -> dict[str, Any]:
    row = r.to_row(explanation=False)
    row["business_day_seconds"] = days.of(r.calendar)
    return row


def records_csv(records: Sequence[MetricRecord]) -> str:
    """One row per clock, the columns of ``accord sla --format csv``."""
    return records_to_csv(records)


def rows_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in rows:
        w.writerow(row)
    return buf.getvalue()
