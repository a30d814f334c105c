"""Alerts in the service, driven by an injected clock, against real local receivers (an HTTP
server and an SMTP server): a simulated business day sends each warning and breach once at
its instant; a restart in the middle of the day neither duplicates nor loses an alert; a
failing receiver is retried and every attempt is in the log; quiet hours hold a 22:00 alert
until 09:00 the next business day; the log is readable, acknowledgeable and snoozable through
the API, each customer seeing only its own alerts."""

from __future__ import annotations

import itertools
import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.alerts.evaluate import evaluate
from accord.core.alerts.models import Channel
from accord.core.timeutil import Instant, iso
from accord.errors import ConfigError
from accord.io.notifiers import EmailNotifier, Notifier, notifier_for
from accord.io.store import SqlStore
from accord.service.alerting import (
    BUSY_RATIO,
    GAP_CAP,
    AlertLoop,
    RoundResult,
    open_clock_readings,
    round_gap,
)
from accord.service.app import create_app
from accord.service.runtime import Runtime
from accord.service.settings import Settings
from tests.io.notifiers.conftest import PASSWORD, USER, HttpReceiver, SmtpReceiver
from tests.service.conftest import CONFIG, T0, Api, Client, created, make_api, reply

HOUR = 3600
MINUTE = 60


def alerts_yaml(url: str, *, quiet: bool = False) -> str:
    return (
        "calendars:\n"
        "  office:\n"
        "    tz: Europe/Paris\n"
        '    hours: {mon-fri: [["09:00", "17:00"]]}\n'
        "channels:\n"
        f"  hook: {{type: webhook, url: '{url}/hook'}}\n"
        f"  chat: {{type: chat, url: '{url}/chat'}}\n"
        "alerts:\n"
        "  risk:\n"
        "    kind: sla_warning\n"
        "    share: 75%\n"
        "    metrics: first_response\n"
        "    channels: hook\n" + ("    quiet_hours: office\n" if quiet else "") + "  breach:\n"
        "    kind: sla_breach\n"
        "    metrics: first_response\n"
        "    channels: [hook, chat]\n"
    )


def alert_api(tmp_path: Path, url: str, *, quiet: bool = False) -> Api:
    return make_api(tmp_path, config={**CONFIG, "alerts.yaml": alerts_yaml(url, quiet=quiet)})


@pytest.fixture
def hooked(tmp_path: Path, http_receiver: HttpReceiver) -> Iterator[Api]:
    api = alert_api(tmp_path, http_receiver.url)
    try:
        yield api
    finally:
        api.store.close()


def bodies(receiver: HttpReceiver, path: str = "/hook") -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.requests if r.path == path]


def at(text: str) -> Instant:
    return int(datetime.fromisoformat(text).timestamp())


# events of the simulated day (minutes after T0, Monday 09:00 UTC): acme is Gold (first
# response 1h), globex Standard (4h); T3 is answered in time, before its warning
DAY = [
    (0, created("d1", "T1", 0, status="new", priority="high", customer="acme")),
    (30, created("d3", "T3", 30, status="new", priority="low", customer="acme")),
    (40, reply("d4", "T3", 40)),
    (120, created("d2", "T2", 120, status="new", priority="high", customer="globex")),
]
# what must go out, and when: a warning at 75% of the target, a breach one second after it
EXPECTED = {
    ("risk", "T1"): T0 + 45 * MINUTE,
    ("breach", "T1"): T0 + HOUR + 1,
    ("risk", "T2"): T0 + 2 * HOUR + 3 * HOUR,
    ("breach", "T2"): T0 + 2 * HOUR + 4 * HOUR + 1,
}


def drive(api: Api, start: Instant, end: Instant) -> list[RoundResult]:
    """The service's loop with time in the test's hands: events arrive at their instants (each
    recompute wakes the loop), and between them the loop sleeps until the wake-up its last
    round asked for."""
    loop: AlertLoop = api.runtime.alerting
    now, rounds = start, []
    while now < end:
        api.clock.now = now
        arriving = [e for minutes, e in DAY if T0 + minutes * MINUTE == now]
        if arriving:
            api.send(*arriving)
            api.drain()
        result = loop.run_once()
        rounds.append(result)
        upcoming = [T0 + m * MINUTE for m, _ in DAY if T0 + m * MINUTE > now]
        if result.wake_at is not None:
            upcoming.append(result.wake_at)
        now = min(upcoming, default=end)
    return rounds


def sent_instants(api: Api) -> dict[tuple[str, str], list[Instant]]:
    got: dict[tuple[str, str], list[Instant]] = {}
    items = api.get("/api/v1/alerts?limit=500").json()["items"]
    for item in items:
        for attempt in item["attempts"]:
            if attempt["ok"] and attempt["channel"] == "hook":
                key = (item["rule"], item["subject"])
                got.setdefault(key, []).append(at(attempt["at"]))
    return got


def test_a_simulated_day_sends_each_warning_and_breach_once_at_its_instant(
    hooked: Api, http_receiver: HttpReceiver
) -> None:
    drive(hooked, T0, T0 + 12 * HOUR)
    hook = bodies(http_receiver)
    assert Counter((b["rule"], b["subject"]) for b in hook) == Counter(list(EXPECTED))
    assert len(bodies(http_receiver, "/chat")) == 2  # the breaches also go to the chat
    # each went out at its threshold instant (well within the promised 60 s)
    assert sent_instants(hooked) == {k: [v] for k, v in EXPECTED.items()}
    # more rounds later in the day send nothing again
    hooked.clock.now = T0 + 13 * HOUR
    assert hooked.runtime.alerting.run_once().attempts == ()
    assert len(http_receiver.requests) == 6


def test_a_restart_in_the_middle_of_the_day_neither_duplicates_nor_loses_an_alert(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    first = alert_api(tmp_path, http_receiver.url)
    drive(first, T0, T0 + 3 * HOUR)
    assert len(bodies(http_receiver)) == 2  # T1's warning and breach
    first.store.close()

    # a new process over the same SQLite file: the stored log is all it knows
    store = SqlStore(f"sqlite:///{tmp_path / 'accord.db'}")
    app = create_app(Settings(background=False), store=store, clock=first.clock)
    again = Api(app, first.clock, first.tokens)
    try:
        drive(again, T0 + 3 * HOUR, T0 + 12 * HOUR)
        hook = bodies(http_receiver)
        assert Counter((b["rule"], b["subject"]) for b in hook) == Counter(list(EXPECTED))
        assert sent_instants(again) == {k: [v] for k, v in EXPECTED.items()}
    finally:
        store.close()


def test_an_alert_claimed_before_a_crash_is_delivered_after_the_restart(
    hooked: Api, http_receiver: HttpReceiver
) -> None:
    drive(hooked, T0, T0 + 30 * MINUTE)
    hooked.clock.now = T0 + 45 * MINUTE
    # the process took T1's warning in charge, then died before sending it
    setup = hooked.runtime.alerting.setup_at(hooked.clock.now)
    assert setup is not None
    readings = open_clock_readings(hooked.store, hooked.clock.now)
    (warning,) = evaluate(setup.rules, readings, setup.calendars, (), hooked.clock.now)
    assert hooked.store.claim_alert(warning, now=hooked.clock.now) is not None
    assert http_receiver.requests == []

    restarted = Runtime(Settings(background=False), hooked.store, hooked.clock)
    restarted.alerting.run_once()
    assert [(b["rule"], b["subject"]) for b in bodies(http_receiver)] == [("risk", "T1")]


def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_is_logged(
    hooked: Api, http_receiver: HttpReceiver
) -> None:
    http_receiver.statuses = [500, 503]  # then 204
    drive(hooked, T0, T0 + 50 * MINUTE)
    (entry,) = hooked.get("/api/v1/alerts?rule=risk").json()["items"]
    assert entry["state"] == "sent"
    attempts = [(at(a["at"]), a["ok"], a["error"] is not None) for a in entry["attempts"]]
    warning = T0 + 45 * MINUTE
    # 60 s after the first failure, then 120 s after the second
    assert attempts == [(warning, False, True), (warning + 60, False, True),
                        (warning + 180, True, False)]  # fmt: skip
    assert "500" in entry["attempts"][0]["error"]
    assert len(bodies(http_receiver)) == 3


def test_quiet_hours_hold_a_22_00_alert_until_09_00_the_next_business_day(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    api = alert_api(tmp_path, http_receiver.url, quiet=True)
    try:
        friday_2115 = at("2026-03-06T21:15:00+01:00")  # Gold: 75% of 1h falls at 22:00
        api.clock.now = friday_2115
        api.send({**created("q1", "Q1", 0, status="new", customer="acme"), "ts": iso(friday_2115)})
        api.drain()
        api.runtime.alerting.run_once()
        api.clock.now = at("2026-03-06T22:00:00+01:00")
        result = api.runtime.alerting.run_once()
        (entry,) = api.get("/api/v1/alerts?rule=risk").json()["items"]
        monday_0900 = at("2026-03-09T09:00:00+01:00")
        assert entry["state"] == "held" and at(entry["held_until"]) == monday_0900
        assert bodies(http_receiver) == []
        assert result.wake_at is not None and result.wake_at <= monday_0900
        # the breach has no quiet hours: it goes out on Friday night; the warning waits
        api.clock.now = at("2026-03-06T22:15:01+01:00")
        api.runtime.alerting.run_once()
        api.clock.now = monday_0900 - 1
        api.runtime.alerting.run_once()
        assert [b["rule"] for b in bodies(http_receiver)] == ["breach"]
        api.clock.now = monday_0900
        api.runtime.alerting.run_once()
        assert [b["rule"] for b in bodies(http_receiver)] == ["breach", "risk"]
    finally:
        api.store.close()


def test_an_alert_reaches_a_real_smtp_server_with_starttls_and_login(
    tmp_path: Path, smtp_receiver: SmtpReceiver
) -> None:
    config = {
        **CONFIG,
        "alerts.yaml": (
            "channels:\n"
            "  mail:\n"
            "    type: email\n"
            f"    host: {smtp_receiver.host}\n"
            f"    port: {smtp_receiver.port}\n"
            "    username_env: T_SMTP_USER\n"
            "    password_env: T_SMTP_PASSWORD\n"
            "    from: accord@example.com\n"
            "    to: lead@example.com\n"
            "alerts:\n"
            "  breach: {kind: sla_breach, channels: mail}\n"
        ),
    }
    api = make_api(tmp_path, config=config)
    env = {"T_SMTP_USER": USER, "T_SMTP_PASSWORD": PASSWORD}
    context = ssl.create_default_context(cafile=str(smtp_receiver.cafile))

    def factory(name: str, channel: Channel) -> Notifier:
        notifier = notifier_for(name, channel, env)
        assert isinstance(notifier, EmailNotifier)
        notifier.tls_context = context  # trust the test server's own certificate
        return notifier

    try:
        runtime = Runtime(Settings(background=False), api.store, api.clock, notifiers=factory)
        api.send(created("m1", "M1", 0, status="new", customer="acme"))
        api.drain()
        api.clock.now = T0 + HOUR + 1
        result = runtime.alerting.run_once()
        assert [a.ok for a in result.attempts] == [True]  # first response breached
        assert smtp_receiver.logins == [USER]
        assert {m[1][0] for m in smtp_receiver.messages} == {"lead@example.com"}
        assert b"X-Accord-Alert: breach|M1|first_response" in b"".join(
            m[2] for m in smtp_receiver.messages
        )
    finally:
        api.store.close()


def test_a_channel_secret_that_is_unset_stops_the_start_not_the_first_alert(
    tmp_path: Path,
) -> None:
    config = {
        **CONFIG,
        "alerts.yaml": (
            "channels:\n"
            "  hook: {type: webhook, url: 'http://127.0.0.1:9/x', secret_env: T_UNSET_SECRET}\n"
            "alerts:\n"
            "  breach: {kind: sla_breach, channels: hook}\n"
        ),
    }
    api = make_api(tmp_path, config=config)
    runtime = Runtime(Settings(background=True, alert_poll=0.01), api.store, api.clock)
    try:
        with pytest.raises(ConfigError) as raised:
            runtime.start()
        assert "T_UNSET_SECRET" in raised.value.issues[0].message
    finally:
        runtime.stop()
        api.store.close()


def test_the_background_loop_delivers_without_being_called(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    api = alert_api(tmp_path, http_receiver.url)
    api.send(created("b1", "B1", 0, status="new", customer="acme"))
    api.drain()
    api.clock.now = T0 + HOUR + 1
    delivered = threading.Event()
    loop = api.runtime.alerting
    loop.poll = 0.05
    original = loop.run_once

    def watched() -> RoundResult:
        result = original()
        if result.attempts:
            delivered.set()
        return result

    loop.run_once = watched  # type: ignore[method-assign]
    try:
        loop.start()
        assert delivered.wait(timeout=30), "the loop never delivered"
    finally:
        loop.stop()
        api.store.close()
    assert {b["rule"] for b in bodies(http_receiver)} == {"risk", "breach"}


# ---------------------------------------------------------------- the API


@pytest.fixture
def logged(hooked: Api) -> Api:
    """The simulated day up to noon: T1's warning and breach (acme) are sent; then globex's
    T2 warning is claimed and waits."""
    drive(hooked, T0, T0 + 3 * HOUR)
    return hooked


def test_the_log_lists_newest_first_with_filters_and_pages(logged: Api) -> None:
    items = logged.get("/api/v1/alerts").json()["items"]
    assert [(i["rule"], i["subject"], i["state"]) for i in items] == [
        ("breach", "T1", "sent"),
        ("risk", "T1", "sent"),
    ]
    first = logged.get("/api/v1/alerts?limit=1").json()
    assert [i["rule"] for i in first["items"]] == ["breach"]
    rest = logged.get(f"/api/v1/alerts?limit=1&cursor={first['next_cursor']}").json()
    assert [i["rule"] for i in rest["items"]] == ["risk"] and rest["next_cursor"] is None
    assert logged.get("/api/v1/alerts?state=failed").json()["items"] == []
    assert len(logged.get("/api/v1/alerts?rule=risk&customer=acme").json()["items"]) == 1
    bad = logged.get("/api/v1/alerts?cursor=nonsense")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "input_invalid"


def test_the_log_filters_by_metric_with_the_other_filters(logged: Api) -> None:
    every = logged.get("/api/v1/alerts").json()["items"]
    assert every and {i["metric"] for i in every} == {"first_response"}
    same = logged.get("/api/v1/alerts?metric=first_response").json()["items"]
    assert [i["id"] for i in same] == [i["id"] for i in every]
    risk = logged.get("/api/v1/alerts?metric=first_response&rule=risk").json()["items"]
    assert [i["rule"] for i in risk] == ["risk"]
    assert logged.get("/api/v1/alerts?metric=resolution").json()["items"] == []
    # an agreement's alerts are the teams': a customer's token asking for them gets none
    internal = logged.get("/api/v1/alerts?metric=ola:platform-fix", who="acme").json()
    assert internal == {"items": [], "next_cursor": None}


def test_a_customer_token_sees_only_its_customers_alerts(logged: Api) -> None:
    logged.clock.now = T0 + 5 * HOUR
    logged.runtime.alerting.run_once()  # globex's T2 warning
    acme = logged.get("/api/v1/alerts", who="acme").json()["items"]
    globex = logged.get("/api/v1/alerts", who="globex").json()["items"]
    assert {i["customer"] for i in acme} == {"acme"} and len(acme) == 2
    assert [i["subject"] for i in globex] == ["T2"]
    assert logged.get("/api/v1/alerts?customer=acme", who="globex").json()["items"] == []
    hidden = logged.get(f"/api/v1/alerts/{acme[0]['id']}", who="globex")
    missing = logged.get("/api/v1/alerts/999", who="globex")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == {**missing.json(), "error": {**missing.json()["error"],
                             "message": hidden.json()["error"]["message"]}}  # fmt: skip


def test_acknowledging_needs_write_and_stops_further_delivery(
    logged: Api, http_receiver: HttpReceiver
) -> None:
    http_receiver.statuses = [500]
    logged.clock.now = T0 + 5 * HOUR
    logged.runtime.alerting.run_once()  # T2's warning fails once, a retry is due at +60 s
    (entry,) = logged.get("/api/v1/alerts?state=pending").json()["items"]
    refused = logged.post(f"/api/v1/alerts/{entry['id']}/acknowledge", who="read")
    assert refused.status_code == 403
    done = logged.post(f"/api/v1/alerts/{entry['id']}/acknowledge")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["state"] == "acknowledged" and body["acknowledged_by"].startswith("write")
    logged.clock.now = T0 + 5 * HOUR + 60
    assert logged.runtime.alerting.run_once().attempts == ()
    assert logged.post("/api/v1/alerts/999/acknowledge").status_code == 404


def test_a_snooze_holds_delivery_until_its_instant_and_refuses_a_sent_alert(
    logged: Api, http_receiver: HttpReceiver
) -> None:
    http_receiver.statuses = [500]
    logged.clock.now = T0 + 5 * HOUR
    logged.runtime.alerting.run_once()
    (entry,) = logged.get("/api/v1/alerts?state=pending").json()["items"]
    res = logged.post(f"/api/v1/alerts/{entry['id']}/snooze", json={"for": "30m"})
    assert res.status_code == 200, res.text
    assert res.json()["state"] == "snoozed"
    assert at(res.json()["snoozed_until"]) == T0 + 5 * HOUR + 30 * MINUTE
    logged.clock.now = T0 + 5 * HOUR + 29 * MINUTE
    assert logged.runtime.alerting.run_once().attempts == ()
    logged.clock.now = T0 + 5 * HOUR + 30 * MINUTE
    assert [a.ok for a in logged.runtime.alerting.run_once().attempts] == [True]
    sent = logged.get(f"/api/v1/alerts/{entry['id']}").json()
    assert sent["state"] == "sent"
    conflict = logged.post(
        f"/api/v1/alerts/{entry['id']}/snooze", json={"until": "2026-03-03T09:00:00Z"}
    )
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"


def test_a_snooze_needs_exactly_one_of_until_or_for(logged: Api) -> None:
    (entry, *_) = logged.get("/api/v1/alerts").json()["items"]
    both = logged.post(
        f"/api/v1/alerts/{entry['id']}/snooze", json={"until": "2026-03-03T09:00:00Z", "for": 60}
    )
    assert both.status_code == 422 and both.json()["error"]["code"] == "request_invalid"
    past = logged.post(
        f"/api/v1/alerts/{entry['id']}/snooze", json={"until": "2020-01-01T00:00:00Z"}
    )
    assert past.status_code == 400


def test_the_log_needs_a_token(logged: Api) -> None:
    res = Client(logged.app).get("/api/v1/alerts")
    assert res.status_code == 401 and res.json()["error"]["code"] == "unauthenticated"


@settings(max_examples=200, deadline=None)
@given(a=st.floats(0, 1e6), b=st.floats(0, 1e6))
def test_the_pause_after_a_round_grows_with_its_duration_up_to_its_cap(a: float, b: float) -> None:
    short, long = sorted((a, b))
    assert 0 <= round_gap(short) <= round_gap(long) <= GAP_CAP
    assert round_gap(short) == min(GAP_CAP, BUSY_RATIO * short)


def test_recomputes_waking_the_loop_back_to_back_never_bring_its_rounds_closer_than_the_pause(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    api = alert_api(tmp_path, http_receiver.url)
    loop = api.runtime.alerting
    rounds: list[tuple[float, float]] = []
    original = loop.run_once

    def timed() -> RoundResult:
        start = time.monotonic()
        result = original()
        time.sleep(0.02)  # a round that takes a while
        rounds.append((start, time.monotonic()))
        return result

    loop.run_once = timed  # type: ignore[method-assign]
    try:
        loop.start()
        until = time.monotonic() + 1.5
        while time.monotonic() < until:  # a recompute drained every millisecond
            loop.notify()
            time.sleep(0.001)
    finally:
        loop.stop()
        api.store.close()
    assert len(rounds) >= 2
    for (s0, e0), (s1, _) in itertools.pairwise(rounds):
        assert s1 - e0 >= round_gap(e0 - s0)
