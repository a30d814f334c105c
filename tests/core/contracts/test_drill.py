"""The clocks behind an objective's figures: for any clocks, counting rule, exclusions and
period, the drill-down lists exactly as many clocks as the statement counts (denominator,
met, breached, the budget's used) and a per-breach credit is one amount per listed breach."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.contracts.drill import objective_clocks
from accord.core.contracts.statement import build_statement
from accord.core.records import MetricRecord, State
from tests.core.contracts.helpers import DAY, HOUR, MINUTE, clock, contract, t, tickets

MARCH = t("2026-03-01T00:00:00Z")
AS_OF = "2026-04-10T12:00:00Z"


def _objectives() -> dict[str, Any]:
    return {
        "share": {"metric": "first_response", "met_share": "90%",
                  "credit": {"per_breach": "25.00"}},
        "p1_count": {"metric": ["first_response", "resolution"], "priority": "P1",
                     "max_breaches": 1},
        "median": {"metric": "resolution", "statistic": "median", "max": "4h"},
    }  # fmt: skip


@st.composite
def _clocks(draw: st.DrawFn) -> tuple[list[MetricRecord], list[dict[str, Any]]]:
    records = []
    facts = []
    for i in range(draw(st.integers(0, 14))):
        start = MARCH + draw(st.integers(-5 * DAY, 40 * DAY))
        kind = draw(st.sampled_from(["met", "breached", "open", "open_late", "no_target"]))
        metric = draw(st.sampled_from(["first_response", "resolution"]))
        priority = draw(st.sampled_from(["P1", "P2"]))
        kw: dict[str, Any] = {"metric": metric, "priority": priority, "start": start}
        if kind == "met":
            r = clock(f"T{i}", stop=start + 30 * MINUTE, **kw)
        elif kind == "breached":
            r = clock(f"T{i}", stop=start + 2 * HOUR, breached=True, **kw)
        elif kind == "open":
            r = clock(f"T{i}", stop=None, elapsed=10 * MINUTE, **kw)
        elif kind == "open_late":
            r = clock(f"T{i}", stop=None, breached=True, **kw)
        else:
            r = clock(f"T{i}", stop=start + HOUR, target=None, **kw)
        records.append(r)
        facts.append({"ticket_id": f"T{i}", "created": start - draw(st.integers(0, 3 * DAY)),
                      "flag": draw(st.sampled_from([None, None, "yes"]))})  # fmt: skip
    return records, facts


@settings(max_examples=60, deadline=None)
@given(
    data=_clocks(),
    count_by=st.sampled_from(["completed", "decided", "created"]),
    period=st.sampled_from(["2026-03", "2026-04", "current", "previous"]),
)
def test_the_listed_clocks_are_exactly_those_the_statement_counts(
    data: tuple[list[MetricRecord], list[dict[str, Any]]], count_by: str, period: str
) -> None:
    records, facts = data
    spec = contract(objectives=_objectives(), count_by=count_by)
    s = build_statement("acme", spec, records, tickets(facts), t(AS_OF), period)
    for o in s.objectives:
        span, rows = objective_clocks(spec, o.name, records, tickets(facts), t(AS_OF), period)
        assert span.label == s.period
        states = rows.get_column("state").to_list()
        assert len(states) == o.denominator == o.outcome.counted, o.name
        assert states.count(State.BREACHED.value) == o.outcome.breached
        assert states.count(State.MET.value) == o.outcome.met
        if o.budget is not None:
            assert states.count(State.BREACHED.value) == o.budget.used
        breached = rows.filter(rows["state"] == State.BREACHED.value)
        if o.spec.kind != "statistic":  # the statement names a count objective's breaches
            assert sorted(b.ticket_id for b in o.breaches) == sorted(breached["ticket_id"])
        if o.credit is not None and o.credit.scheme == "per_breach":
            assert o.credit.gross == Decimal("25.00") * len(breached)


def test_each_listed_clock_says_when_it_was_counted_and_excluded_tickets_are_not_listed() -> None:
    spec = contract(objectives=_objectives())
    records = [
        clock("A", stop=t("2026-03-03T10:00:00Z")),
        clock("B", stop=t("2026-03-05T10:00:00Z"), breached=True),
        clock("C", stop=t("2026-03-04T10:00:00Z")),  # excluded by its flag
        clock("D", stop=t("2026-04-01T10:00:00Z")),  # April's
    ]
    facts = tickets([{"ticket_id": x} for x in "ABD"] + [{"ticket_id": "C", "flag": "yes"}])
    span, rows = objective_clocks(spec, "share", records, facts, t(AS_OF), "2026-03")
    assert span.label == "2026-03"
    got = rows.select("ticket_id", "state", "counted_at").rows()
    assert got == [("A", "met", t("2026-03-03T10:00:00Z")),
                   ("B", "breached", t("2026-03-05T10:00:00Z"))]  # fmt: skip


def test_an_unknown_objective_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        objective_clocks(contract(objectives=_objectives()), "nope", [], None, t(AS_OF))
