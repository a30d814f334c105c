"""The exclusion facts a what-if reads from an events table equal the full ticket facts."""

from __future__ import annotations

import pytest

from accord.core.config.loader import build_config
from accord.core.contracts.assignment import ticket_info
from accord.core.contracts.models import ContractSpec
from accord.core.engine.batch import events_to_table
from accord.core.events import Actor, Event, FieldValue, Kind
from accord.core.kpi.facts import ticket_facts
from accord.core.kpi.frames import events_frame
from accord.core.review.facts import exclusion_facts
from accord.core.timeutil import parse_as_of

CONFIG = build_config(
    {
        "calendars": {"C": {"tz": "UTC", "hours": {"mon-sun": [["00:00", "24:00"]]}}},
        "policies": [{"name": "P", "calendar": "C", "metrics": {"first_response": "1h"}}],
    }
)


def _events() -> list[Event]:
    rows: list[tuple[str, str, str, dict[str, FieldValue]]] = [
        ("A", "2026-01-01T10:00:00Z", "created", {"tags": ("vip",), "sla_exclude": "outage"}),
        ("A", "2026-01-01T11:00:00Z", "updated", {"tags": None}),  # tags cleared
        ("B", "2026-01-01T10:00:00Z", "created", {"tags": ("spam",)}),
        ("B", "2026-01-01T12:00:00Z", "deleted", {}),
        ("B", "2026-01-01T13:00:00Z", "updated", {"tags": ("late",), "sla_exclude": True}),
        ("C", "2026-01-01T09:00:00Z", "updated", {"sla_exclude": 0}),  # no 'created' event
        ("C", "2026-01-01T10:00:00Z", "updated", {"sla_exclude": None}),
        ("D", "2026-01-01T10:00:00Z", "created", {"sla_exclude": True}),
        ("D", "2026-01-09T10:00:00Z", "updated", {"sla_exclude": False}),  # after as-of
        ("E", "2026-01-01T10:00:00Z", "created", {"sla_exclude": 1.5}),
        ("E", "2026-01-01T10:00:00Z", "updated", {"sla_exclude": "same second, later"}),
    ]
    return [
        Event(f"e{n}", t, parse_as_of(ts), Kind(kind), Actor.AGENT, None, fields, seq=n)
        for n, (t, ts, kind, fields) in enumerate(rows)
    ]


CONTRACT = ContractSpec.model_validate(
    {
        "customer": "acme",
        "policies": ["P"],
        "monthly_fee": "100",
        "currency": "USD",
        "exclude": {"tags": ["spam", "vip"]},
        "objectives": {"fr": {"metric": "first_response", "met_share": "90%"}},
    }
)


@pytest.mark.parametrize("created", [False, True])
def test_exclusion_facts_exclude_what_the_ticket_facts_exclude(created: bool) -> None:
    events = _events()
    as_of = parse_as_of("2026-01-05T00:00:00Z")
    want = ticket_facts(
        events_frame(events, ["sla_exclude"]), CONFIG, as_of, fields=["sla_exclude"]
    )
    got = exclusion_facts(events_to_table(events), ["sla_exclude"], as_of, created=created)
    want_info = ticket_info(CONTRACT, want.tickets).sort("ticket_id")
    got_info = ticket_info(CONTRACT, got).sort("ticket_id")
    if not created:  # the creation is read only when a contract counts by it
        want_info = want_info.drop("created")
        got_info = got_info.drop("created")
    assert got_info.to_dicts() == want_info.to_dicts()
    reasons = dict(got_info.select("ticket_id", "excluded").iter_rows())
    assert reasons == {
        "A": "field.sla_exclude: outage",  # the tag vip was cleared
        "B": "ticket deleted",  # nothing after the deletion counts
        "C": None,  # the flag was cleared
        "D": "flagged in field.sla_exclude",  # unflagged only after as-of
        "E": "field.sla_exclude: same second, later",  # ties by arrival
    }
