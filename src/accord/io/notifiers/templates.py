"""Message templates: the same alert as a subject line, a plain text with the figures that
matter and a link, and a JSON payload for machines. An SLA alert's figures are those of its
threshold instant (:mod:`accord.core.alerts.sla`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.core.alerts.evaluate import Alert
from accord.core.timeutil import iso

# the figures worth a line, in reading order, with the words people use for them
_LABELS: tuple[tuple[str, str], ...] = (
    ("customer", "Customer"),
    ("ticket", "Ticket"),
    ("priority", "Priority"),
    ("metric", "Metric"),
    ("policy", "Policy"),
    ("target", "Target"),
    ("elapsed", "Elapsed (business)"),
    ("remaining", "Remaining (business)"),
    ("due", "Due"),
    ("breached_at", "Breached at"),
    ("state", "State"),
    ("kpi", "KPI"),
    ("group", "Group"),
    ("band", "Band"),
    ("value", "Value"),
    ("objective", "Objective"),
    ("period", "Period"),
    ("used", "Breaches used"),
    ("allowed", "Breaches allowed"),
    ("forecast", "Forecast"),
    ("source", "Source"),
    ("last_event", "Last event"),
    ("after", "Silent for"),
)

_TITLES = {
    "sla_warning": "SLA at risk",
    "sla_breach": "SLA breached",
    "kpi_band": "KPI band change",
    "budget_burn": "Error budget burn",
    "forecast_below": "Forecast below objective",
    "no_data": "No data",
}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    payload: dict[str, Any]


def render(alert: Alert) -> Message:
    """The alert as people and machines read it."""
    title = _TITLES.get(alert.kind, alert.kind)
    subject = f"[Accord] {title}: {alert.summary}"
    lines = [f"{title}: {alert.summary}", ""]
    for key, label in _LABELS:
        value = alert.figures.get(key)
        if value is not None and value != "-":
            lines.append(f"{label}: {value}")
    lines.append(f"Threshold: {alert.threshold} reached at {iso(alert.at)}")
    if alert.link:
        lines += ["", alert.link]
    payload: dict[str, Any] = {
        "key": alert.key,
        "rule": alert.rule,
        "kind": alert.kind,
        "subject": alert.subject,
        "metric": alert.metric,
        "cycle": alert.cycle,
        "threshold": alert.threshold,
        "at": iso(alert.at),
        "summary": alert.summary,
        "figures": dict(alert.figures),
        "link": alert.link,
        "customer": alert.customer,
    }
    return Message(subject, "\n".join(lines), payload)
