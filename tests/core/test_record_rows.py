"""A record's JSON row (``MetricRecord.to_row``): every field in the record's order, instants as
ISO 8601, the derived figures, and the explanation only when asked for; and a clock's
start-stops comparison, made once when the clock is built."""

from __future__ import annotations

from dataclasses import fields

from accord.core.engine.clocks import BUILTIN_CLOCKS
from accord.core.records import MetricRecord, State, Step, Warning_
from accord.core.timeutil import iso

T0 = 1_700_000_000


def _record() -> MetricRecord:
    return MetricRecord(
        ticket_id="T1",
        metric="first_response",
        cycle=1,
        policy="standard",
        policy_version=2,
        calendar="support",
        priority="high",
        customer="acme",
        team="support",
        assignee=None,
        channel="email",
        target=3600,
        start=T0,
        stop=None,
        due=T0 + 3600,
        breached_at=None,
        business_elapsed=4000,
        paused_business=60,
        calendar_elapsed=4100,
        state=State.BREACHED,
        breached_now=True,
        ever_breached=True,
        as_of=T0 + 4100,
        warnings=(Warning_("80%", T0 + 2880),),
        explanation=(Step(T0, "start", "created", "e1"),),
    )


def test_a_row_holds_every_field_in_order_then_the_derived_figures() -> None:
    r = _record()
    row = r.to_row()
    names = [f.name for f in fields(MetricRecord)]
    assert list(row)[: len(names)] == names
    assert list(row)[len(names) :] == ["breached_by", "remaining", "share_of_target"]
    assert row["start"] == iso(T0) and row["stop"] is None and row["as_of"] == iso(T0 + 4100)
    assert row["state"] == "breached" and type(row["state"]) is str
    assert (row["breached_by"], row["remaining"]) == (400, -400)
    assert row["warnings"] == [{"threshold": "80%", "at": iso(T0 + 2880)}]
    assert row["explanation"] == [
        {"at": iso(T0), "what": "start", "detail": "created", "event_id": "e1"}
    ]


def test_a_row_without_its_explanation_is_the_row_less_that_key() -> None:
    r = _record()
    full = r.to_row()
    del full["explanation"]
    assert r.to_row(explanation=False) == full
    assert list(r.to_row(explanation=False)) == list(full)


def test_a_row_is_a_copy_changing_it_leaves_the_record_alone() -> None:
    r = _record()
    row = r.to_row()
    row["warnings"].append("x")
    row["explanation"].clear()
    assert r.to_row() == _record().to_row()


def test_a_clock_knows_whether_its_start_event_differs_from_its_stop() -> None:
    for clock in BUILTIN_CLOCKS.values():
        assert clock.stop_differs == (clock.stop != clock.start), clock.name
    assert not BUILTIN_CLOCKS["periodic_update"].stop_differs  # each reply stops and starts
    assert BUILTIN_CLOCKS["first_response"].stop_differs
