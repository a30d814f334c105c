"""``accord alerts``: ``run --once`` (for cron) delivers what is due once and exits 0, exits
9 when a channel failed (a later run retries it), ``log`` prints the delivery log and ``check``
validates the rules with file:line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accord.cli.main import app
from accord.core.timeutil import iso
from accord.errors import ConfigError, DeliveryError
from tests.io.notifiers.conftest import HttpReceiver
from tests.service.conftest import CONFIG, T0, created, make_api

runner = CliRunner()
HOUR = 3600


def rules(url: str) -> str:
    return (
        "channels:\n"
        f"  hook: {{type: webhook, url: '{url}/hook'}}\n"
        "alerts:\n"
        "  breach: {kind: sla_breach, metrics: first_response, channels: hook}\n"
    )


def stored(tmp_path: Path, url: str) -> str:
    """A store with one acme ticket (first response due in 1 h) and the rules in force."""
    api = make_api(tmp_path, config={**CONFIG, "alerts.yaml": rules(url)})
    api.send(created("c1", "C1", 0, status="new", customer="acme"))
    api.drain()
    api.store.close()
    return f"sqlite:///{tmp_path / 'accord.db'}"


def run_once(url: str, now: int) -> tuple[int, str]:
    res = runner.invoke(
        app, ["alerts", "run", "--once", "--database-url", url, "--now", iso(now) or ""]
    )
    return res.exit_code, res.output


def test_run_once_delivers_a_due_alert_once_and_exits_0(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    url = stored(tmp_path, http_receiver.url)
    assert run_once(url, T0 + HOUR)[0] == 0  # not breached yet: nothing to send
    assert http_receiver.requests == []
    code, output = run_once(url, T0 + HOUR + 1)
    assert code == 0, output
    assert [json.loads(r.body)["rule"] for r in http_receiver.requests] == ["breach"]
    assert run_once(url, T0 + HOUR + 60)[0] == 0  # cron's next minute: nothing again
    assert len(http_receiver.requests) == 1


def test_run_once_exits_9_when_a_channel_fails_and_a_later_run_retries(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    url = stored(tmp_path, http_receiver.url)
    http_receiver.statuses = [500]
    code, output = run_once(url, T0 + HOUR + 1)
    assert code == DeliveryError.exit_code, output
    assert run_once(url, T0 + HOUR + 30)[0] == 0  # the retry waits for its backoff
    assert len(http_receiver.requests) == 1
    assert run_once(url, T0 + HOUR + 61)[0] == 0
    assert len(http_receiver.requests) == 2
    res = runner.invoke(
        app,
        [
            "alerts",
            "log",
            "--database-url",
            url,
            "--format",
            "json",
            "--now",
            iso(T0 + 2 * HOUR) or "",
        ],
    )
    assert res.exit_code == 0, res.output
    (item,) = json.loads(res.output)["items"]
    assert item["state"] == "sent"
    assert [a["ok"] for a in item["attempts"]] == [False, True]


def test_the_log_prints_a_table_of_the_entries(tmp_path: Path, http_receiver: HttpReceiver) -> None:
    url = stored(tmp_path, http_receiver.url)
    run_once(url, T0 + HOUR + 1)
    res = runner.invoke(app, ["alerts", "log", "--database-url", url, "--state", "sent"])
    assert res.exit_code == 0, res.output
    assert "breach" in res.output and "C1" in res.output


def test_the_log_filters_by_metric(tmp_path: Path, http_receiver: HttpReceiver) -> None:
    url = stored(tmp_path, http_receiver.url)
    run_once(url, T0 + HOUR + 1)
    log = ["alerts", "log", "--database-url", url, "--format", "json", "--metric"]
    every = json.loads(
        runner.invoke(app, ["alerts", "log", "--database-url", url, "--format", "json"]).output
    )
    metrics = {i["metric"] for i in every["items"]}
    assert len(metrics) == 1 and every["items"]
    (metric,) = metrics
    same = runner.invoke(app, [*log, metric])
    assert same.exit_code == 0, same.output
    assert json.loads(same.output) == every
    other = runner.invoke(app, [*log, f"not-{metric}"])
    assert json.loads(other.output)["items"] == []


def test_check_reports_an_unknown_channel_at_its_line_and_exits_3(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        CONFIG["calendars.yaml"]
        + CONFIG["policies.yaml"]
        + "alerts:\n  breach:\n    kind: sla_breach\n    channels: nowhere\n"
    )
    res = runner.invoke(app, ["alerts", "check", str(tmp_path)])
    assert res.exit_code == ConfigError.exit_code
    assert "c.yaml:" in res.output and "nowhere" in res.output
    (tmp_path / "c.yaml").write_text(
        CONFIG["calendars.yaml"] + CONFIG["policies.yaml"] + rules("http://127.0.0.1:9")
    )
    ok = runner.invoke(app, ["alerts", "check", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "1 alert rule(s), 1 channel(s)" in ok.output
