"""What an alert is (:class:`Alert`), its identity (:func:`dedupe_key`) and its link."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from accord.core.alerts.models import AlertRule
from accord.core.timeutil import Instant

__all__ = ["Alert", "dedupe_key", "link_for"]


@dataclass(frozen=True)
class Alert:
    """One alert: what crossed which threshold at ``at``, to be delivered at ``deliver_at``
    (later than ``at`` only when quiet hours hold it). ``figures`` describe the subject at
    ``at`` (an SLA clock's figures at its threshold instant), as people read them."""

    key: str
    rule: str
    kind: str
    subject: str
    metric: str | None
    cycle: str
    threshold: str
    at: Instant
    deliver_at: Instant
    channels: tuple[str, ...]
    summary: str
    figures: Mapping[str, str] = field(default_factory=dict)
    link: str | None = None
    customer: str | None = None


def dedupe_key(rule: str, subject: str, metric: str | None, cycle: str, threshold: str) -> str:
    """The identity of an alert: one rule, subject, metric, cycle and threshold, ever."""
    return "|".join((rule, subject, metric or "", cycle, threshold))


def link_for(
    rule: AlertRule, ticket_id: str | None = None, customer: str | None = None
) -> str | None:
    if rule.link is None:
        return None
    # unknown placeholders stay as written rather than failing the alert
    values = {"ticket_id": ticket_id or "", "customer": customer or ""}
    out = rule.link
    for k, v in values.items():
        out = out.replace("{" + k + "}", v)
    return out
