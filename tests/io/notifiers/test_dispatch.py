"""Delivery rounds driven by an injected clock: a simulated business day sends every alert
once; a restart in the middle of the day (a new process reading the same log) neither
duplicates nor loses an alert; a failing receiver is retried with backoff and every attempt is
in the log; quiet hours hold delivery."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from accord.core.alerts.delivery import Backoff
from accord.core.alerts.evaluate import Readings
from accord.core.alerts.models import AlertRule
from accord.core.calendar import BusinessCalendar
from accord.core.records import MetricRecord, State
from accord.core.timeutil import Instant
from accord.io.notifiers import ChatNotifier, MemoryNotifier, Notifier
from accord.io.notifiers.dispatch import MemoryDeliveryLog, run_once
from tests.io.notifiers.conftest import HttpReceiver

HOUR = 3600
ALWAYS = BusinessCalendar.from_dict(
    "always", {"tz": "UTC", "hours": {"daily": [["00:00", "24:00"]]}}
)
OFFICE = BusinessCalendar.from_dict(
    "office", {"tz": "Europe/Paris", "hours": {"mon-fri": [["09:00", "17:00"]]}}
)
CALENDARS = {"always": ALWAYS, "office": OFFICE}


def at(text: str) -> Instant:
    return int(datetime.fromisoformat(text).timestamp())


MORNING = at("2026-03-03T08:00:00+01:00")  # a Tuesday


def clock(ticket: str, start: Instant, target: int = 4 * HOUR) -> MetricRecord:
    return MetricRecord(
        ticket_id=ticket, metric="first_response", cycle=1, policy="Gold", policy_version=1,
        calendar="always", priority="P1", customer="acme", team=None, assignee=None,
        channel=None, target=target, start=start, stop=None, due=start + target,
        breached_at=None, business_elapsed=0, paused_business=0, calendar_elapsed=0,
        state=State.RUNNING, breached_now=False, ever_breached=False, as_of=start,
    )  # fmt: skip


RULES = {
    "risk": AlertRule.model_validate({"kind": "sla_warning", "share": "75%", "channels": ["ops"]}),
    "breach": AlertRule.model_validate(
        {"kind": "sla_breach", "channels": ["ops", "mgr"], "quiet_hours": "office"}
    ),
}
READINGS = Readings(records=[clock(f"T{n}", MORNING + n * 2 * HOUR) for n in range(6)])


def run_day(
    log: MemoryDeliveryLog, notifiers: dict[str, Notifier], start: Instant, end: Instant
) -> Instant:
    """Rounds from ``start``, each at the wake-up the previous one asked for, until ``end``."""
    now = start
    while now < end:
        r = run_once(RULES, READINGS, CALENDARS, notifiers, log, now)
        if r.wake_at is None or r.wake_at > end:
            return end
        now = r.wake_at
    return now


def test_a_simulated_day_sends_every_alert_once_at_its_instant() -> None:
    ops, mgr = MemoryNotifier("ops"), MemoryNotifier("mgr")
    log = MemoryDeliveryLog()
    end = MORNING + 7 * 24 * HOUR
    run_day(log, {"ops": ops, "mgr": mgr}, MORNING, end)
    assert sum(not a.ok for a in log.attempts()) == 0
    assert len(ops.sent) == 12 and len(mgr.sent) == 6  # 6 warnings + 6 breaches; 6 breaches
    assert len({a.key for a in ops.sent}) == 12
    for attempt in log.attempts():
        # each attempt happens at the instant the alert became deliverable, not later
        assert attempt.at == attempt.alert.deliver_at
    late = [a for a in mgr.sent if a.deliver_at != a.at]
    # breaches after 17:00 wait for the next morning's opening
    assert late and all(OFFICE.is_open(a.deliver_at) for a in late)


def test_a_restart_in_the_middle_of_the_day_neither_duplicates_nor_loses_an_alert() -> None:
    log = MemoryDeliveryLog()
    first = {"ops": MemoryNotifier("ops"), "mgr": MemoryNotifier("mgr")}
    noon = MORNING + 5 * HOUR
    run_day(log, dict[str, Notifier](first), MORNING, noon)
    # the new process has new notifiers and only the log; it starts a little after the stop
    second = {"ops": MemoryNotifier("ops"), "mgr": MemoryNotifier("mgr")}
    run_day(log, dict[str, Notifier](second), noon + 17 * 60, MORNING + 7 * 24 * HOUR)
    sent = [(a.key, ch) for ch, n in (*first.items(), *second.items()) for a in n.sent]
    assert Counter(sent).most_common(1)[0][1] == 1
    assert len(sent) == 18


def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_is_logged(
    http_receiver: HttpReceiver,
) -> None:
    http_receiver.statuses = [500, 503]
    rules = {"breach": AlertRule.model_validate({"kind": "sla_breach", "channels": "chat"})}
    readings = Readings(records=[clock("T1", MORNING)])
    log = MemoryDeliveryLog()
    chat = ChatNotifier("chat", http_receiver.url, timeout=5)
    backoff = Backoff(base=60)
    now = MORNING
    for _ in range(10):
        r = run_once(rules, readings, CALENDARS, {"chat": chat}, log, now, backoff=backoff)
        if r.wake_at is None:
            break
        now = r.wake_at
    attempts = log.attempts()
    breach = MORNING + 4 * HOUR + 1
    assert [(a.number, a.at, a.ok) for a in attempts] == [
        (1, breach, False),
        (2, breach + 60, False),
        (3, breach + 180, True),
    ]
    assert "500" in (attempts[0].error or "") and "503" in (attempts[1].error or "")
    assert len(http_receiver.requests) == 3


def test_a_channel_without_notifier_is_logged_as_failed() -> None:
    rules = {"breach": AlertRule.model_validate({"kind": "sla_breach", "channels": "gone"})}
    log = MemoryDeliveryLog()
    r = run_once(rules, Readings(records=[clock("T1", MORNING)]), CALENDARS, {}, log,
                 MORNING + 5 * HOUR)  # fmt: skip
    (a,) = r.attempts
    assert not a.ok and a.error == "no notifier for channel 'gone'"
