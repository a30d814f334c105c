"""SLA alerts carry the clock's figures at the threshold instant, not those of the record the
round read: whatever instant the record was computed at (before the threshold, long after it,
after a pause) and whenever the round runs (late, after a restart, held by quiet hours).

Records come from the reference engine, so the figures are checked against the engine's own
instants (its recorded warnings and ``breached_at``) and its own ``due``."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.alerts.evaluate import Alert, Readings, evaluate, next_wakeup
from accord.core.alerts.models import AlertRule
from accord.core.calendar import BusinessCalendar
from accord.core.config.loader import build_config
from accord.core.config.resolved import Configuration
from accord.core.engine import compute
from accord.core.events import Event
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant, format_duration, iso
from tests.core.engine.helpers import at, created, status

HOUR = 3600
MINUTE = 60
DAY = 24 * HOUR
T0 = at("2026-03-02T09:00:00Z")  # a Monday
FAR = T0 + 400 * DAY  # a round run very late: every threshold is long past

CALENDARS = {
    "always": {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}},
    "office": {"tz": "UTC", "hours": {"mon-fri": [["09:00", "17:00"]]}},
}


def config(target: str | int, calendar: str = "always", **warnings: Any) -> Configuration:
    metric = {"targets": {"default": target}, "pause": ["pending"]}
    policy: dict[str, Any] = {
        "name": "Gold",
        "calendar": calendar,
        "metrics": {"resolution": metric},
    }
    if warnings:
        policy["warnings"] = warnings
    return build_config({"calendars": CALENDARS, "policies": [policy]})


def calendars(cfg: Configuration) -> dict[str, BusinessCalendar]:
    return {k: v for k, v in cfg.calendars.items() if isinstance(v, BusinessCalendar)}


def record(cfg: Configuration, events: list[Event], as_of: Instant) -> MetricRecord:
    (rec,) = [r for r in compute(events, cfg, as_of) if r.metric == "resolution"]
    return rec


def rule(**kw: object) -> AlertRule:
    return AlertRule.model_validate({"channels": ["ops"], **kw})


def one(rules: dict[str, AlertRule], rec: MetricRecord, cfg: Configuration, now: Instant) -> Alert:
    (alert,) = evaluate(rules, Readings(records=[rec]), calendars(cfg), set(), now)
    return alert


def test_a_75_percent_warning_on_a_3d8h_target_says_elapsed_2d12h() -> None:
    # the case measured from outside: the record was computed at 2d11h29m of business time and
    # the round sent the warning at the crossing it foresaw, with the record's figures
    cfg = config("3d8h")
    events = [created("2026-03-02T09:00:00Z")]
    rec = record(cfg, events, T0 + 2 * DAY + 11 * HOUR + 29 * MINUTE)
    rules = {"risk": rule(kind="sla_warning", share="75%")}
    crossing = T0 + 2 * DAY + 12 * HOUR
    assert next_wakeup(rules, Readings(records=[rec]), calendars(cfg), set(), rec.as_of) == crossing
    alert = one(rules, rec, cfg, crossing)
    assert alert.at == crossing
    f = alert.figures
    assert (f["target"], f["elapsed"], f["remaining"]) == ("3d8h", "2d12h", "20h")
    assert f["due"] == iso(T0 + 3 * DAY + 8 * HOUR) == iso(rec.due)
    assert f["state"] == "running"


@pytest.mark.parametrize("recorded", [True, False], ids=["engine-warning", "replayed"])
def test_a_remaining_threshold_reports_exactly_that_much_left_at_its_instant(
    recorded: bool,
) -> None:
    # 8h target; paused 1h..3h; "2h left" is reached at 6h of business time, at T0+8h. The
    # record is computed an hour later, when 1h is left; the policy records that warning or not
    cfg = config("8h", **({"remaining": ["2h"]} if recorded else {}))
    events = [
        created("2026-03-02T09:00:00Z"),
        status("2026-03-02T10:00:00Z", "pending"),
        status("2026-03-02T12:00:00Z", "open"),
    ]
    rec = record(cfg, events, T0 + 9 * HOUR)
    assert rec.business_elapsed == 7 * HOUR and bool(rec.warnings) is recorded
    alert = one({"left": rule(kind="sla_warning", remaining="2h")}, rec, cfg, FAR)
    assert alert.threshold == "2h left" and alert.at == T0 + 8 * HOUR
    f = alert.figures
    assert (f["elapsed"], f["remaining"], f["state"]) == ("6h", "2h", "running")
    assert f["due"] == iso(T0 + 10 * HOUR) == iso(rec.due)


def test_a_breach_alert_computed_long_after_the_breach_reports_the_breach_instant() -> None:
    cfg = config("4h", calendar="office")
    rec = record(cfg, [created("2026-03-02T09:00:00Z")], T0 + 10 * DAY)
    assert rec.state is State.BREACHED and rec.business_elapsed == 64 * HOUR
    alert = one({"breach": rule(kind="sla_breach")}, rec, cfg, FAR)
    f = alert.figures
    assert (f["elapsed"], f["remaining"], f["state"]) == ("4h", "0s", "breached")
    assert f["breached_at"] == f["due"] == iso(T0 + 4 * HOUR) == iso(rec.breached_at)


def test_a_breach_foreseen_from_an_early_record_reports_the_breach_instant() -> None:
    cfg = config("4h", calendar="office")
    rec = record(cfg, [created("2026-03-02T09:00:00Z")], T0 + HOUR)
    alert = one({"breach": rule(kind="sla_breach")}, rec, cfg, FAR)
    assert alert.at == T0 + 4 * HOUR + 1  # one business second past the target
    f = alert.figures
    assert (f["elapsed"], f["remaining"], f["state"]) == ("4h", "0s", "breached")
    assert f["breached_at"] == f["due"] == iso(T0 + 4 * HOUR)


def test_a_round_run_late_or_held_by_quiet_hours_reports_the_figures_at_the_threshold() -> None:
    # a 24x7 clock from Friday 20:00: 50% of 4h falls at 22:00, outside office hours
    cfg = config("4h")
    friday_20 = at("2026-03-06T20:00:00Z")
    rec = record(cfg, [created("2026-03-06T20:00:00Z")], friday_20)
    expected = {"elapsed": "2h", "remaining": "2h", "due": iso(friday_20 + 4 * HOUR)}
    for rules, now in (
        ({"risk": rule(kind="sla_warning", share="50%")}, friday_20 + 5 * DAY),
        ({"risk": rule(kind="sla_warning", share="50%", quiet_hours="office")},
         at("2026-03-09T09:00:00Z")),
    ):  # fmt: skip
        alert = one(rules, rec, cfg, now)
        assert alert.at == friday_20 + 2 * HOUR and alert.deliver_at <= now
        assert {k: alert.figures[k] for k in expected} == expected


def test_a_warning_read_from_a_paused_record_says_what_was_due_at_the_threshold() -> None:
    # 50% of 4h at 11:00; paused from 12:00: the record knows no due, the alert says 13:00
    cfg = config("4h")
    events = [created("2026-03-02T09:00:00Z"), status("2026-03-02T12:00:00Z", "pending")]
    rec = record(cfg, events, T0 + 5 * HOUR)
    assert rec.state is State.PAUSED and rec.due is None
    alert = one({"risk": rule(kind="sla_warning", share="50%")}, rec, cfg, FAR)
    f = alert.figures
    assert (alert.at, f["elapsed"], f["state"]) == (T0 + 2 * HOUR, "2h", "running")
    assert f["due"] == iso(T0 + 4 * HOUR)


@settings(max_examples=80, deadline=None)
@given(
    target=st.integers(min_value=1, max_value=5 * 8 * HOUR),
    share=st.floats(min_value=0.01, max_value=0.99),
    computed_after=st.integers(min_value=0, max_value=30 * DAY),
    recorded=st.booleans(),
)
def test_reported_elapsed_is_share_times_target_and_due_the_records(
    target: int, share: float, computed_after: int, recorded: bool
) -> None:
    cfg = config(target, calendar="office", **({"shares": [share]} if recorded else {}))
    events = [created("2026-03-02T09:00:00Z")]
    rec = record(cfg, events, T0 + computed_after)
    rules = {"risk": rule(kind="sla_warning", share=share), "breach": rule(kind="sla_breach")}
    got = {a.rule: a for a in evaluate(rules, Readings(records=[rec]), calendars(cfg), set(), FAR)}
    threshold = math.ceil(share * target)  # the engine's rounding of the threshold
    risk, breach = got["risk"], got["breach"]
    assert risk.figures["elapsed"] == format_duration(threshold)
    assert risk.figures["remaining"] == format_duration(target - threshold)
    assert risk.figures["due"] == iso(rec.due)
    # the instant is the engine's, as a record computed after every threshold tells it
    final = record(config(target, calendar="office", shares=[share]), events, FAR)
    (engine_warning,) = final.warnings
    assert risk.at == engine_warning.at
    assert breach.figures["elapsed"] == format_duration(target)
    assert breach.figures["remaining"] == "0s"
    assert breach.figures["breached_at"] == breach.figures["due"] == iso(final.breached_at)
    assert breach.figures["due"] == iso(rec.due)
