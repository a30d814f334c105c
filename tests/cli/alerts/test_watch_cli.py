"""``accord alerts run --once`` (for cron) over the rules beyond SLA clocks: a KPI band change,
a contract's budget burn and forecast, and a silent source each go out once, at the first run
at or after their instant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from accord.cli.main import app
from accord.core.timeutil import iso
from tests.io.notifiers.conftest import HttpReceiver
from tests.service.alerts.test_watch_alerts import (
    BACKLOG,
    C2_BREACH,
    C2_DUE,
    CONTRACT_DAY,
    CONTRACT_RULES,
    KPI_RULES,
    LAST_EVENT,
    SILENCE_RULES,
    SILENT_AT,
    Schedule,
    hook,
)
from tests.service.conftest import CONFIG, T0, Api, created, make_api, reply

runner = CliRunner()
MINUTE = 60
HOUR = 3600


def run_once(url: str, now: int, *args: str) -> tuple[int, str]:
    res = runner.invoke(
        app, ["alerts", "run", "--once", "--database-url", url, "--now", iso(now) or "", *args]
    )
    return res.exit_code, res.output


def url_of(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'accord.db'}"


def arrive(api: Api, schedule: Schedule, at: int) -> None:
    """The events of ``schedule`` at ``at`` come in through the API and are recomputed."""
    api.clock.now = at
    events = [e for t, evs in schedule if t == at for e in evs]
    if events:
        api.send(*events)
        api.drain()


def sent(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.requests if r.path == "/hook"]


def test_run_once_alerts_each_kpi_band_change_once(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    api = make_api(tmp_path, config={**CONFIG, "alerts.yaml": hook(http_receiver.url) + KPI_RULES})
    url = url_of(tmp_path)
    try:
        for at, _ in BACKLOG:
            arrive(api, BACKLOG, at)
            assert run_once(url, at)[0] == 0
            assert run_once(url, at + MINUTE)[0] == 0  # cron's next minute: nothing again
        assert [b["threshold"] for b in sent(http_receiver)] == [
            "green->amber",
            "amber->red",
            "red->green",
        ]
    finally:
        api.store.close()


def test_run_once_sends_budget_burn_and_forecast_at_the_breach_once(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = {**CONFIG, "alerts.yaml": hook(http_receiver.url) + CONTRACT_RULES}
    api = make_api(tmp_path, config=config)
    url = url_of(tmp_path)
    try:
        for at, _ in CONTRACT_DAY:
            arrive(api, CONTRACT_DAY, at)
            assert run_once(url, at)[0] == 0
        assert run_once(url, C2_DUE)[0] == 0  # at the target, not over it yet
        assert sent(http_receiver) == []
        code, output = run_once(url, C2_BREACH)
        assert code == 0, output
        assert [(b["rule"], b["threshold"]) for b in sent(http_receiver)] == [
            ("burn", "50%"),
            ("outlook", "below"),
        ]
        assert run_once(url, C2_BREACH + MINUTE)[0] == 0
        assert len(sent(http_receiver)) == 2
    finally:
        api.store.close()


def test_run_once_sends_no_data_after_its_business_time_and_not_at_night(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = {**CONFIG, "alerts.yaml": hook(http_receiver.url) + SILENCE_RULES}
    api = make_api(tmp_path, config=config)
    url = url_of(tmp_path)
    try:
        api.clock.now = LAST_EVENT - HOUR
        api.send(created("s1", "S1", 4 * 60 + 30, status="new"))
        api.clock.now = LAST_EVENT
        api.send(reply("s2", "S1", 5 * 60 + 30))
        api.drain()
        for night in (LAST_EVENT + 3 * HOUR, LAST_EVENT + 10 * HOUR, SILENT_AT - 1):
            assert run_once(url, night)[0] == 0
        assert sent(http_receiver) == []
        assert run_once(url, SILENT_AT)[0] == 0
        assert run_once(url, SILENT_AT + MINUTE)[0] == 0
        assert [(b["rule"], b["figures"]["last_event"]) for b in sent(http_receiver)] == [
            ("api-silent", iso(LAST_EVENT))
        ]
    finally:
        api.store.close()


def test_run_once_refuses_a_poll_above_30_seconds(tmp_path: Path) -> None:
    code, output = run_once(url_of(tmp_path), T0, "--poll", "45")
    assert code == 2
    assert "--poll" in output


def test_run_once_since_leaves_out_older_thresholds(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    rules = "alerts:\n  breach: {kind: sla_breach, metrics: first_response, channels: hook}\n"
    api = make_api(tmp_path, config={**CONFIG, "alerts.yaml": hook(http_receiver.url) + rules})
    url = url_of(tmp_path)
    try:
        api.send(created("o1", "O1", 0, status="new", customer="acme"))  # breaches at 10:00
        api.drain()
        assert run_once(url, T0 + 2 * HOUR, "--since", iso(T0 + 90 * MINUTE) or "")[0] == 0
        assert sent(http_receiver) == []
        assert run_once(url, T0 + 2 * HOUR)[0] == 0  # the first round's grace of 1 h covers it
        assert [b["subject"] for b in sent(http_receiver)] == ["O1"]
    finally:
        api.store.close()
