"""Statements end to end, from events through the engine: exclusions (deleted tickets, a flag
field with its reason, tags), the breaches with their tickets, numerators and denominators,
and the JSON and CSV forms."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accord.core.config.loader import check_data_contracts
from accord.core.contracts.statement import Statement, build_statement, find_contract, ticket_fields
from accord.core.engine import compute
from accord.core.events import Actor, Event, FieldValue, Kind
from accord.core.kpi.facts import policy_fields, ticket_facts
from accord.core.kpi.frames import events_frame
from tests.core.contracts.helpers import BASE, t

AS_OF = "2026-11-02T00:00:00Z"


class Log:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self,
        ticket: str,
        ts: str,
        kind: str,
        actor: str,
        public: bool | None = None,
        fields: dict[str, FieldValue] | None = None,
    ) -> None:
        n = len(self.events)
        self.events.append(
            Event(f"e{n}", ticket, t(ts), Kind(kind), Actor(actor), public, fields or {}, seq=n)
        )

    def ticket(
        self, ticket: str, created: str, reply: str | None = None, **fields: FieldValue
    ) -> None:
        given = {"customer": "acme", "status": "new", "priority": "P1", **fields}
        self.add(ticket, created, "created", "customer", fields=given)
        if reply is not None:
            self.add(ticket, reply, "message", "agent", public=True)


def _log() -> Log:
    log = Log()
    log.ticket("T1", "2026-10-05T10:00:00Z", "2026-10-05T10:30:00Z")  # met
    log.ticket("T2", "2026-10-05T11:00:00Z", "2026-10-05T13:00:00Z")  # breached
    log.ticket("T3", "2026-10-06T10:00:00Z", "2026-10-06T12:00:00Z")  # breached, then flagged
    log.add(
        "T3", "2026-10-07T09:00:00Z", "updated", "agent", fields={"sla_exclude": "vendor outage"}
    )
    log.ticket("T4", "2026-10-06T11:00:00Z", "2026-10-06T13:00:00Z", tags=("spam",))  # breached
    log.ticket("T5", "2026-10-07T10:00:00Z")  # deleted after its target: cancelled late
    log.add("T5", "2026-10-07T12:00:00Z", "deleted", "agent")
    log.ticket("T6", "2026-10-07T10:00:00Z", "2026-10-07T10:20:00Z", sla_exclude="false")  # met
    log.ticket("T7", "2026-10-08T10:00:00Z")  # deleted in time: no outcome at all
    log.add("T7", "2026-10-08T10:30:00Z", "deleted", "agent")
    log.ticket("T8", "2026-10-08T11:00:00Z", "2026-10-08T14:00:00Z", sla_exclude=True)
    log.ticket("G1", "2026-10-08T11:00:00Z", "2026-10-08T14:00:00Z", customer="globex")
    return log


def _statement(period: str = "2026-10", **spec: Any) -> Statement:
    body = {
        "policies": ["Gold"],
        "monthly_fee": "20000.00",
        "currency": "USD",
        "exclude": {"tags": ["spam"]},
        "objectives": {
            "p1_first_response": {
                "metric": "first_response",
                "priority": "P1",
                "met_share": "95%",
                "credit": {"per_breach": "100.00"},
            }
        },
        **spec,
    }
    config, contracts, issues = check_data_contracts({**BASE, "contracts": {"acme": body}})
    assert config is not None, [i.render() for i in issues]
    events = _log().events
    as_of = t(AS_OF)
    fields = ticket_fields(contracts.values())
    facts = ticket_facts(
        events_frame(events, [*policy_fields(config), *fields]), config, as_of, fields=fields
    )
    found = find_contract(contracts, "acme")
    assert found is not None
    return build_statement(*found, compute(events, config, as_of), facts.tickets, as_of, period)


def test_excluded_tickets_are_left_out_with_their_reason() -> None:
    s = _statement()
    o = s.objectives[0]
    # counted: T1 (met), T2 (breached), T6 (a flag of "false" excludes nothing)
    assert (o.numerator, o.denominator, o.outcome.breached) == (2, 3, 1)
    assert [(e.ticket_id, e.reason) for e in s.excluded] == [
        ("T3", "field.sla_exclude: vendor outage"),
        ("T4", "tag 'spam'"),
        ("T5", "ticket deleted"),
        ("T8", "flagged in field.sla_exclude"),
    ]


def test_deleted_tickets_count_when_cancelled_tickets_are_not_excluded() -> None:
    s = _statement(exclude={"cancelled": False, "flag": None})
    o = s.objectives[0]
    # now T3 (flag ignored), T5 (cancelled after its target: a breach) and T8 count too;
    # T4 is no longer excluded by tag either, since 'exclude' was replaced as a whole
    assert (o.denominator, o.outcome.breached) == (7, 5)
    assert s.excluded == ()


def test_the_breaches_name_their_tickets_and_the_credit_its_computation() -> None:
    s = _statement()
    o = s.objectives[0]
    assert [(b.ticket_id, b.breached_by, b.open) for b in o.breaches] == [("T2", 3600, False)]
    assert o.describe() == "≥ 95% of first_response (priority P1) clocks met"
    # one breach × 100.00 = 100.00
    assert [(c.amount, c.computation) for c in s.credits] == [
        (Decimal("100.00"), "1 breach × 100.00 USD = 100.00 USD")
    ]


def test_json_has_every_objective_with_numerator_denominator_and_money_as_text() -> None:
    data = _statement().to_json()
    assert (data["customer"], data["period"], data["final"], data["currency"]) == (
        "acme", "2026-10", True, "USD")  # fmt: skip
    o = data["objectives"][0]
    assert (o["numerator"], o["denominator"], o["value_text"], o["status"]) == (
        2, 3, "66.66%", "missed")  # fmt: skip
    assert o["budget"] == {"allowed": 0, "used": 1, "remaining": -1,
                           "basis": "floor((1 − 95%) × 3) = 0"}  # fmt: skip
    assert o["breaches"][0]["ticket_id"] == "T2"
    assert o["credit"]["amount"] == "100.00"
    assert data["totals"] == {"due": "100.00", "pending": "0.00", "waived": "0.00"}


def test_csv_has_a_row_per_objective_and_the_totals() -> None:
    rows = _statement().csv_rows()
    assert [r["objective"] for r in rows] == ["p1_first_response", "total", "total"]
    first = rows[0]
    assert (first["numerator"], first["denominator"], first["breached_tickets"]) == (2, 3, "T2")
    assert (rows[1]["credit"], rows[1]["credit_status"]) == ("100.00", "due")


def test_a_customer_without_a_contract_is_not_found() -> None:
    body = {"policies": ["Gold"], "monthly_fee": "1", "currency": "EUR",
            "objectives": {"x": {"metric": "resolution", "max_breaches": 0}}}  # fmt: skip
    _, contracts, _ = check_data_contracts({**BASE, "contracts": {"acme": body}})
    assert find_contract(contracts, "globex") is None
    assert find_contract(contracts, "acme") is not None


def test_the_contracts_core_never_reads_the_system_clock() -> None:
    # as-of is always an argument: nothing in the package asks the system for the time
    import accord.core.contracts as package

    root = Path(package.__file__).parent
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(now|today|utcnow)\(|time\.time\(|monotonic\(", text), path


@pytest.mark.parametrize("period", ["2026-09", "2026-11"])
def test_periods_without_tickets_state_nothing_owed(period: str) -> None:
    s = _statement(period=period)
    assert s.objectives[0].outcome.status == "no_data"
    assert s.credits == () and s.to_json()["totals"]["due"] == "0.00"
