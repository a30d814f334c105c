"""Pure alert evaluation with an injected clock: an alert is due at its threshold instant and
not before; the next wake-up is known in advance; never twice for the same key; quiet hours
hold a 22:00 alert until 09:00 the next business day; budgets, KPI bands, forecasts and silent
sources each alert once per cycle and threshold."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.alerts.evaluate import (
    BandChange,
    BudgetReading,
    ForecastReading,
    Readings,
    SourceActivity,
    evaluate,
    next_wakeup,
)
from accord.core.alerts.models import AlertRule
from accord.core.calendar import BusinessCalendar
from accord.core.records import MetricRecord, State, Warning_
from accord.core.timeutil import Instant

HOUR = 3600
MINUTE = 60

ALWAYS = BusinessCalendar.from_dict(
    "always", {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}
)
OFFICE = BusinessCalendar.from_dict(
    "office", {"tz": "Europe/Paris", "hours": {"mon-fri": [["09:00", "17:00"]]}}
)
CALENDARS = {"always": ALWAYS, "office": OFFICE}


def at(text: str) -> Instant:
    return int(datetime.fromisoformat(text).timestamp())


def record(
    ticket: str = "T1",
    *,
    start: Instant,
    as_of: Instant,
    target: int = 4 * HOUR,
    elapsed: int | None = None,
    state: State = State.RUNNING,
    stop: Instant | None = None,
    breached_at: Instant | None = None,
    customer: str = "acme",
    priority: str = "P1",
    metric: str = "first_response",
    warnings: tuple[Warning_, ...] = (),
) -> MetricRecord:
    # on the 24x7 calendar business elapsed is wall time, which keeps the figures readable
    business = (as_of if stop is None else stop) - start if elapsed is None else elapsed
    return MetricRecord(
        ticket_id=ticket,
        metric=metric,
        cycle=1,
        policy="Gold",
        policy_version=1,
        calendar="always",
        priority=priority,
        customer=customer,
        team="support",
        assignee=None,
        channel=None,
        target=target,
        start=start,
        stop=stop,
        due=start + target,
        breached_at=breached_at,
        business_elapsed=business,
        paused_business=0,
        calendar_elapsed=business,
        state=state,
        breached_now=breached_at is not None,
        ever_breached=breached_at is not None,
        as_of=as_of,
        warnings=warnings,
    )


def rule(**kw: object) -> AlertRule:
    return AlertRule.model_validate({"channels": ["ops"], **kw})


T0 = at("2026-03-02T10:00:00+00:00")  # a Monday


def test_sla_warning_is_due_at_its_share_instant_and_not_before() -> None:
    rules = {"risk": rule(kind="sla_warning", share="75%")}
    readings = Readings(records=[record(start=T0, as_of=T0)])
    crossing = T0 + 3 * HOUR
    assert evaluate(rules, readings, CALENDARS, set(), crossing - 1) == []
    assert next_wakeup(rules, readings, CALENDARS, set(), T0) == crossing
    (alert,) = evaluate(rules, readings, CALENDARS, set(), crossing)
    assert alert.at == alert.deliver_at == crossing
    assert alert.key == "risk|T1|first_response|1|75%"
    assert alert.figures["target"] == "4h" and alert.figures["customer"] == "acme"


def test_sla_warning_on_remaining_time_uses_the_engines_warning_instant() -> None:
    rules = {"left": rule(kind="sla_warning", remaining="30m")}
    recorded = T0 + 3 * HOUR + 40 * MINUTE  # differs from the projection: a pause happened
    rec = record(
        start=T0, as_of=T0 + 4 * HOUR, elapsed=3 * HOUR + 45 * MINUTE,
        warnings=(Warning_("30m left", recorded),),
    )  # fmt: skip
    (alert,) = evaluate(rules, Readings(records=[rec]), CALENDARS, set(), T0 + 4 * HOUR)
    assert alert.at == recorded and alert.threshold == "30m left"


def test_sla_breach_is_due_one_second_past_the_target() -> None:
    rules = {"breach": rule(kind="sla_breach")}
    readings = Readings(records=[record(start=T0, as_of=T0 + HOUR)])
    assert next_wakeup(rules, readings, CALENDARS, set(), T0 + HOUR) == T0 + 4 * HOUR + 1
    assert evaluate(rules, readings, CALENDARS, set(), T0 + 4 * HOUR) == []
    (alert,) = evaluate(rules, readings, CALENDARS, set(), T0 + 4 * HOUR + 1)
    assert alert.threshold == "breach"


def test_sla_breach_of_a_closed_late_ticket_uses_its_breach_instant() -> None:
    stop = T0 + 5 * HOUR
    rec = record(
        start=T0, as_of=stop, stop=stop, state=State.BREACHED, breached_at=T0 + 4 * HOUR + 1
    )
    (alert,) = evaluate(
        {"b": rule(kind="sla_breach")}, Readings(records=[rec]), CALENDARS, set(), stop
    )
    assert alert.at == T0 + 4 * HOUR + 1


def test_no_warning_for_a_clock_stopped_before_its_threshold() -> None:
    stop = T0 + HOUR
    rec = record(start=T0, as_of=stop, stop=stop, state=State.MET)
    rules = {"risk": rule(kind="sla_warning", share="50%")}
    assert evaluate(rules, Readings(records=[rec]), CALENDARS, set(), T0 + 10 * HOUR) == []
    assert next_wakeup(rules, Readings(records=[rec]), CALENDARS, set(), stop) is None


def test_a_paused_clock_foresees_no_crossing() -> None:
    rec = record(start=T0, as_of=T0 + HOUR, state=State.PAUSED)
    rules = {"risk": rule(kind="sla_warning", share="50%")}
    assert next_wakeup(rules, Readings(records=[rec]), CALENDARS, set(), T0 + HOUR) is None


def test_scope_and_metric_filters_select_the_records() -> None:
    rules = {"p1-acme": rule(kind="sla_breach", scope={"customer": "acme", "priority": "P1"},
                             metrics="resolution")}  # fmt: skip
    late = T0 + 5 * HOUR
    recs = [
        record("A", start=T0, as_of=late, metric="resolution"),
        record("B", start=T0, as_of=late, metric="first_response"),
        record("C", start=T0, as_of=late, metric="resolution", customer="globex"),
        record("D", start=T0, as_of=late, metric="resolution", priority="P2"),
    ]
    got = evaluate(rules, Readings(records=recs), CALENDARS, set(), late)
    assert [a.subject for a in got] == ["A"]


def test_never_twice_for_the_same_rule_ticket_cycle_and_threshold() -> None:
    rules = {"risk": rule(kind="sla_warning", share="50%"), "breach": rule(kind="sla_breach")}
    readings = Readings(records=[record(start=T0, as_of=T0)])
    first = evaluate(rules, readings, CALENDARS, set(), T0 + 6 * HOUR)
    assert {a.threshold for a in first} == {"50%", "breach"}
    sent = {a.key for a in first}
    assert evaluate(rules, readings, CALENDARS, sent, T0 + 7 * HOUR) == []
    assert next_wakeup(rules, readings, CALENDARS, sent, T0 + 7 * HOUR) is None


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.integers(min_value=0, max_value=3 * HOUR), min_size=1, max_size=12),
    starts=st.lists(st.integers(min_value=0, max_value=8 * HOUR), min_size=1, max_size=5),
)
def test_a_day_driven_by_the_injected_clock_sends_each_key_once_and_loses_none(
    steps: list[int], starts: list[int]
) -> None:
    rules = {
        "risk": rule(kind="sla_warning", share="50%"),
        "left": rule(kind="sla_warning", remaining="1h"),
        "breach": rule(kind="sla_breach", quiet_hours="office"),
    }
    readings = Readings(
        records=[record(f"T{n}", start=T0 + s, as_of=T0 + s) for n, s in enumerate(starts)]
    )
    sent: list[str] = []
    now = T0
    for step in steps:  # the clock jumps arbitrarily, as after a restart or a slow cycle
        now += step
        sent.extend(a.key for a in evaluate(rules, readings, CALENDARS, set(sent), now))
    assert len(sent) == len(set(sent))
    end = now + 7 * 24 * HOUR
    sent.extend(a.key for a in evaluate(rules, readings, CALENDARS, set(sent), end))
    everything = {a.key for a in evaluate(rules, readings, CALENDARS, set(), end)}
    assert sorted(sent) == sorted(everything)
    assert len(everything) == 3 * len(starts)


def test_quiet_hours_hold_a_22_00_alert_until_09_00_the_next_business_day() -> None:
    # Friday 19:00 Paris + 3h (75% of 4h on a 24x7 clock) = Friday 22:00 Paris
    start = at("2026-03-06T19:00:00+01:00")
    rules = {"risk": rule(kind="sla_warning", share="75%", quiet_hours="office")}
    readings = Readings(records=[record(start=start, as_of=start)])
    friday_22 = at("2026-03-06T22:00:00+01:00")
    monday_09 = at("2026-03-09T09:00:00+01:00")
    assert evaluate(rules, readings, CALENDARS, set(), friday_22) == []
    assert next_wakeup(rules, readings, CALENDARS, set(), friday_22) == monday_09
    assert evaluate(rules, readings, CALENDARS, set(), monday_09 - 1) == []
    (alert,) = evaluate(rules, readings, CALENDARS, set(), monday_09)
    assert alert.at == friday_22 and alert.deliver_at == monday_09


def test_quiet_hours_let_an_alert_in_business_hours_through_at_once() -> None:
    start = at("2026-03-03T09:00:00+01:00")
    rules = {"risk": rule(kind="sla_warning", share="75%", quiet_hours="office")}
    (alert,) = evaluate(rules, Readings(records=[record(start=start, as_of=start)]), CALENDARS,
                        set(), start + 3 * HOUR)  # fmt: skip
    assert alert.deliver_at == alert.at == start + 3 * HOUR


def test_since_skips_thresholds_crossed_before_it() -> None:
    rules = {"breach": rule(kind="sla_breach")}
    old = record(start=T0 - 48 * HOUR, as_of=T0, breached_at=T0 - 44 * HOUR, state=State.BREACHED)
    assert evaluate(rules, Readings(records=[old]), CALENDARS, set(), T0, since=T0 - HOUR) == []
    assert len(evaluate(rules, Readings(records=[old]), CALENDARS, set(), T0)) == 1


def test_link_template_names_the_ticket() -> None:
    rules = {"b": rule(kind="sla_breach", link="https://accord.example.com/t/{ticket_id}")}
    (alert,) = evaluate(rules, Readings(records=[record(start=T0, as_of=T0)]), CALENDARS, set(),
                        T0 + 5 * HOUR)  # fmt: skip
    assert alert.link == "https://accord.example.com/t/T1"


def budget(used: int, allowed: int, period: str = "2026-03") -> BudgetReading:
    return BudgetReading("acme", "p1_fr", "acme", period, allowed, used, T0)


def test_budget_burn_alerts_when_the_used_share_reaches_the_threshold() -> None:
    rules = {"burn": rule(kind="budget_burn", contract="acme", share="50%")}
    assert evaluate(rules, Readings(budgets=[budget(1, 4)]), CALENDARS, set(), T0) == []
    (alert,) = evaluate(rules, Readings(budgets=[budget(2, 4)]), CALENDARS, set(), T0)
    assert alert.key == "burn|acme/p1_fr||2026-03|50%"
    assert alert.figures["used"] == "2" and alert.figures["allowed"] == "4"
    # the next period has its own budget, and its own alert
    (again,) = evaluate(rules, Readings(budgets=[budget(2, 4, "2026-04")]), CALENDARS,
                        {alert.key}, T0)  # fmt: skip
    assert again.cycle == "2026-04"


def test_budget_burn_a_single_breach_that_uses_the_whole_budget_alerts() -> None:
    rules = {"all": rule(kind="budget_burn", contract="acme", share="100%")}
    assert evaluate(rules, Readings(budgets=[budget(0, 0)]), CALENDARS, set(), T0) == []
    (alert,) = evaluate(rules, Readings(budgets=[budget(1, 0)]), CALENDARS, set(), T0)
    assert alert.threshold == "100%"


def test_kpi_band_alerts_on_each_change_into_a_watched_band() -> None:
    rules = {"red": rule(kind="kpi_band", kpi="frt", bands=["red"])}
    changes = [
        BandChange("frt", "team=billing", "green", "amber", 12.0, T0),
        BandChange("frt", "team=billing", "amber", "red", 20.0, T0 + HOUR),
        BandChange("frt", "team=billing", "red", "green", 5.0, T0 + 2 * HOUR),
        BandChange("frt", "team=billing", "green", "red", 21.0, T0 + 3 * HOUR),
        BandChange("other", "", "green", "red", 1.0, T0),
    ]
    got = evaluate(rules, Readings(bands=changes), CALENDARS, set(), T0 + 4 * HOUR)
    assert [(a.subject, a.threshold, a.at) for a in got] == [
        ("frt[team=billing]", "amber->red", T0 + HOUR),
        ("frt[team=billing]", "green->red", T0 + 3 * HOUR),
    ]


def test_forecast_below_alerts_once_per_period() -> None:
    rules = {"fc": rule(kind="forecast_below", contract="acme", objective="p1_fr")}
    below = ForecastReading("acme", "p1_fr", "acme", "2026-03", True, "93.5%", "95%", T0)
    fine = replace(below, objective="p1_fr", below=False, period="2026-04")
    got = evaluate(rules, Readings(forecasts=[below, fine]), CALENDARS, set(), T0)
    assert [a.cycle for a in got] == ["2026-03"]
    assert "93.5%" in got[0].summary and "95%" in got[0].summary
    later = replace(below, at=T0 + HOUR, forecast="92%")
    assert evaluate(rules, Readings(forecasts=[later]), CALENDARS, {got[0].key}, T0 + HOUR) == []


def test_no_data_counts_only_business_hours_of_the_rules_calendar() -> None:
    rules = {"quiet": rule(kind="no_data", source="zendesk", after="2h", calendar="office")}
    friday_16 = at("2026-03-06T16:00:00+01:00")
    readings = Readings(sources=[SourceActivity("zendesk", friday_16)])
    monday_10 = at("2026-03-09T10:00:00+01:00")  # one business hour on Friday, one on Monday
    assert next_wakeup(rules, readings, CALENDARS, set(), friday_16) == monday_10
    (alert,) = evaluate(rules, readings, CALENDARS, set(), monday_10)
    assert alert.subject == "zendesk" and alert.at == monday_10
    # a new event starts a new silence
    fresh = Readings(sources=[SourceActivity("zendesk", monday_10)])
    assert evaluate(rules, fresh, CALENDARS, {alert.key}, monday_10 + HOUR) == []
    assert evaluate(rules, Readings(sources=[SourceActivity("zendesk", None)]), CALENDARS, set(),
                    monday_10) == []  # fmt: skip
