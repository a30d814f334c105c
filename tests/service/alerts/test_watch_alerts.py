"""The rules beyond SLA clocks in the service's alert loop, driven by an injected clock against
a real local HTTP receiver: a KPI band change (each change once, also after a restart), a
contract's budget burn and forecast, a silent source; and the loop's cadence and cut-off."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from accord.core.timeutil import Instant
from accord.errors import InputError
from accord.io.store import SqlStore
from accord.service.alerting import AlertLoop
from accord.service.app import create_app
from accord.service.settings import Settings
from tests.io.notifiers.conftest import HttpReceiver
from tests.service.conftest import CONFIG, T0, Api, created, event, make_api, reply

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR

Schedule = Sequence[tuple[Instant, Sequence[dict[str, Any]]]]


def hook(url: str) -> str:
    return f"channels:\n  hook: {{type: webhook, url: '{url}/hook'}}\n"


def solved(event_id: str, ticket: str, minutes: float) -> dict[str, Any]:
    return event(event_id, ticket, minutes, "updated", actor="agent", fields={"status": "solved"})


def drive(api: Api, schedule: Schedule, start: Instant, end: Instant) -> None:
    """The loop with time in the test's hands: events arrive at their instants (each recompute
    wakes the loop), and between them the loop sleeps until the wake-up its round asked for,
    never longer than its poll."""
    loop: AlertLoop = api.runtime.alerting
    now = start
    while now < end:
        api.clock.now = now
        arriving = [e for t, evs in schedule if t == now for e in evs]
        if arriving:
            api.send(*arriving)
            api.drain()
        result = loop.run_once()
        upcoming = [t for t, _ in schedule if t > now]
        upcoming.append(now + int(loop.poll))
        if result.wake_at is not None and result.wake_at > now:
            upcoming.append(result.wake_at)
        now = min(upcoming)


def sent(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.requests if r.path == "/hook"]


def sent_at(api: Api) -> list[tuple[str, str, Instant]]:
    """(rule, threshold, instant of the successful attempt) of every entry in the log."""
    out = []
    for item in api.get("/api/v1/alerts?limit=500").json()["items"]:
        for a in item["attempts"]:
            if a["ok"]:
                out.append((item["rule"], item["threshold"], _instant(a["at"])))
    return sorted(out, key=lambda x: x[2])


def _instant(text: str) -> Instant:
    from accord.core.timeutil import parse_as_of

    return parse_as_of(text)


# ---------------------------------------------------------------- KPI bands

KPI_RULES = (
    "kpis:\n"
    "  backlog: {bands: {green: 1, amber: 2}}\n"  # lower is better: 1 green, 2 amber, 3 red
    "alerts:\n"
    "  backlog-band: {kind: kpi_band, kpi: backlog, channels: hook}\n"
)
# the backlog goes 1 (green, the baseline), 2 (amber), 3 (red), then 1 again (green)
BACKLOG: Schedule = [
    (T0, [created("k1", "K1", 0, status="new")]),
    (T0 + 10 * MINUTE, [created("k2", "K2", 10, status="new")]),
    (T0 + 20 * MINUTE, [created("k3", "K3", 20, status="new")]),
    (T0 + 30 * MINUTE, [solved("k4", "K2", 30), solved("k5", "K3", 30)]),
]


def kpi_api(tmp_path: Path, url: str, **settings: Any) -> Api:
    config = {**CONFIG, "alerts.yaml": hook(url) + KPI_RULES}
    return make_api(tmp_path, config=config, **settings)


def test_a_kpi_going_green_amber_red_green_alerts_each_change_once_at_its_instant(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    api = kpi_api(tmp_path, http_receiver.url)
    try:
        drive(api, BACKLOG, T0, T0 + 2 * HOUR)
        assert [b["threshold"] for b in sent(http_receiver)] == [
            "green->amber",
            "amber->red",
            "red->green",
        ]
        assert [t for _, _, t in sent_at(api)] == [T0 + 10 * MINUTE, T0 + 20 * MINUTE,
                                                   T0 + 30 * MINUTE]  # fmt: skip
    finally:
        api.store.close()


def test_a_kpi_band_change_is_not_alerted_again_after_a_restart(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    first = kpi_api(tmp_path, http_receiver.url)
    drive(first, BACKLOG[:2], T0, T0 + 15 * MINUTE)  # green, then amber
    assert [b["threshold"] for b in sent(http_receiver)] == ["green->amber"]
    first.store.close()

    # a new process over the same file, whose first round (at 10:20) already sees red: the
    # band it compares with is the stored amber, not a fresh baseline
    store = SqlStore(f"sqlite:///{tmp_path / 'accord.db'}")
    app = create_app(Settings(background=False), store=store, clock=first.clock)
    again = Api(app, first.clock, first.tokens)
    try:
        drive(again, BACKLOG[2:], T0 + 20 * MINUTE, T0 + 2 * HOUR)
        assert [b["threshold"] for b in sent(http_receiver)] == [
            "green->amber",
            "amber->red",
            "red->green",
        ]
    finally:
        store.close()


# ---------------------------------------------------------------- contracts

CONTRACT_RULES = (
    "contracts:\n"
    "  acme:\n"
    "    policies: [Gold]\n"
    '    monthly_fee: "1000.00"\n'
    "    currency: USD\n"
    "    objectives:\n"
    "      first_response: {metric: first_response, met_share: 95%}\n"
    "alerts:\n"
    "  burn: {kind: budget_burn, contract: acme, share: 50%, channels: hook}\n"
    "  outlook: {kind: forecast_below, contract: acme, objective: first_response, "
    "channels: hook}\n"
)
# three acme tickets (Gold: first response within 1 h): at 95% no breach is allowed, so C2's
# breach at 10:30:01 uses the whole budget at once, and the month's forecast falls below
CONTRACT_DAY: Schedule = [
    (T0, [created("c1", "C1", 0, status="new", customer="acme")]),
    (T0 + 20 * MINUTE, [reply("c2", "C1", 20)]),
    (T0 + 30 * MINUTE, [created("c3", "C2", 30, status="new", customer="acme")]),
    (T0 + 40 * MINUTE, [created("c4", "C3", 40, status="new", customer="acme")]),
    (T0 + 50 * MINUTE, [reply("c5", "C3", 50)]),
]
C2_DUE = T0 + 90 * MINUTE  # the engine's breached_at: the clock breaches in the next second
C2_BREACH = C2_DUE + 1


def test_a_single_breach_that_uses_the_whole_budget_fires_budget_burn_and_forecast_once(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = {**CONFIG, "alerts.yaml": hook(http_receiver.url) + CONTRACT_RULES}
    api = make_api(tmp_path, config=config)
    try:
        drive(api, CONTRACT_DAY, T0, T0 + 4 * HOUR)
        got = sent(http_receiver)
        assert [(b["rule"], b["threshold"]) for b in got] == [("burn", "50%"), ("outlook", "below")]
        burn = got[0]
        assert (burn["figures"]["allowed"], burn["figures"]["used"]) == ("0", "1")
        assert burn["key"] == "burn|acme/first_response||2026-03|50%"
        # the threshold instant is that of the breach that used the budget, as sla_breach has it
        assert _instant(burn["at"]) == C2_DUE
        # no new event came: the loop foresaw the breach and recomputed the figures within
        # their cadence (60 s) of it
        assert [C2_BREACH <= t <= C2_BREACH + 60 for _, _, t in sent_at(api)] == [True, True]
    finally:
        api.store.close()


# ---------------------------------------------------------------- no data

SILENCE_RULES = (
    "calendars:\n"
    "  office:\n"
    "    tz: Europe/Paris\n"
    '    hours: {mon-fri: [["09:00", "17:00"]]}\n'
    "alerts:\n"
    "  api-silent: {kind: no_data, source: api, after: 2h, calendar: office, channels: hook}\n"
)
# the last event comes in on Monday at 15:30 in Paris (14:30 UTC): 1 h 30 of business time
# that day, the other 30 min on Tuesday from 09:00, so the silence reaches 2 h at 09:30
LAST_EVENT = T0 + 5 * HOUR + 30 * MINUTE
SILENT_AT = T0 + DAY - 30 * MINUTE  # Tuesday 09:30 Paris = 08:30 UTC


def test_no_data_fires_after_its_business_time_of_silence_and_not_at_night(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = {**CONFIG, "alerts.yaml": hook(http_receiver.url) + SILENCE_RULES}
    api = make_api(tmp_path, config=config)
    schedule: Schedule = [
        (T0 + 4 * HOUR + 30 * MINUTE, [created("s1", "S1", 4 * 60 + 30, status="new")]),
        (LAST_EVENT, [reply("s2", "S1", 5 * 60 + 30)]),
    ]
    try:
        drive(api, schedule, schedule[0][0], SILENT_AT - MINUTE)  # through the night
        assert sent(http_receiver) == []
        # the loop knows when the silence will reach 2 h: it asks to wake then
        api.clock.now = SILENT_AT - MINUTE
        assert api.runtime.alerting.run_once().wake_at == SILENT_AT
        drive(api, (), SILENT_AT - MINUTE, SILENT_AT + 6 * HOUR)
        (body,) = sent(http_receiver)
        assert (body["rule"], body["subject"], body["threshold"]) == ("api-silent", "api", "2h")
        assert sent_at(api) == [("api-silent", "2h", SILENT_AT)]
    finally:
        api.store.close()


# ---------------------------------------------------------------- cadence, cut-off, poll


def test_figures_are_recomputed_at_most_every_setting_seconds_even_when_events_arrive(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    api = kpi_api(tmp_path, http_receiver.url, alert_figures_every=600.0)
    loop = api.runtime.alerting
    try:
        drive(api, BACKLOG[:1], T0, T0 + MINUTE)  # the baseline: green
        api.clock.now = T0 + 2 * MINUTE
        api.send(created("k2", "K2", 2, status="new"))
        api.drain()
        assert loop.run_once().wake_at == T0 + 10 * MINUTE  # too soon: wait for the cadence
        assert sent(http_receiver) == []
        api.clock.now = T0 + 10 * MINUTE
        loop.run_once()
        assert [b["threshold"] for b in sent(http_receiver)] == ["green->amber"]
    finally:
        api.store.close()


def test_the_first_start_over_a_long_history_does_not_send_old_breaches(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    rules = "alerts:\n  breach: {kind: sla_breach, metrics: first_response, channels: hook}\n"
    api = make_api(tmp_path, config={**CONFIG, "alerts.yaml": hook(http_receiver.url) + rules})
    try:
        # at 12:00: a ticket that breached at 10:00 and is still open, and one created at 11:30
        # that breaches at 12:30
        api.clock.now = T0 + 3 * HOUR
        api.send(created("o1", "O1", 0, status="new", customer="acme"))
        api.send(created("o2", "O2", 2 * 60 + 30, status="new", customer="acme"))
        api.drain()
        # the loop first starts at 12:00: O1's breach is older than the 1 h grace
        drive(api, (), T0 + 3 * HOUR, T0 + 6 * HOUR)
        assert [b["subject"] for b in sent(http_receiver)] == ["O2"]
    finally:
        api.store.close()


def test_a_breach_within_the_grace_before_the_first_start_is_still_sent(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    rules = "alerts:\n  breach: {kind: sla_breach, metrics: first_response, channels: hook}\n"
    api = make_api(tmp_path, config={**CONFIG, "alerts.yaml": hook(http_receiver.url) + rules})
    try:
        api.clock.now = T0 + HOUR + 30 * MINUTE
        api.send(created("o1", "O1", 0, status="new", customer="acme"))  # breached at 10:00
        api.drain()
        drive(api, (), T0 + HOUR + 30 * MINUTE, T0 + 2 * HOUR)
        assert [b["subject"] for b in sent(http_receiver)] == ["O1"]
    finally:
        api.store.close()


@pytest.mark.parametrize("poll", [0.0, 30.5, 120.0])
def test_an_alert_poll_above_30_seconds_or_not_above_0_is_refused(poll: float) -> None:
    with pytest.raises(InputError, match="alert_poll"):
        Settings(alert_poll=poll)
    with pytest.raises(InputError, match="alert_poll"):
        Settings.from_env({"ACCORD_ALERT_POLL": str(poll)})
