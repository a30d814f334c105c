"""The ``alerts:`` and ``channels:`` configuration sections: a valid set of rules loads; every
mistake is reported at once with its file and line (unknown channel, unknown calendar, bad
threshold, keys that do not belong to the rule's kind, a channel of no known type …)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from accord.core.alerts.models import ChatChannel, EmailChannel, WebhookChannel
from accord.core.config.loader import check_config_alerts
from accord.errors import ConfigIssue

BASE = """\
calendars:
  office: {tz: Europe/Paris, hours: {mon-fri: [["09:00", "17:00"]]}}
policies:
  - name: Gold
    when: {customer: acme}
    calendar: office
    metrics: {first_response: 1h, resolution: 8h}
contracts:
  acme:
    policies: [Gold]
    period: month
    monthly_fee: "1000.00"
    currency: EUR
    objectives:
      p1_first_response: {metric: first_response, priority: P1, met_share: 95%}
"""

VALID = """\
channels:
  ops-hook: {type: webhook, url: "https://hooks.example.com/accord", secret_env: ACCORD_HOOK}
  ops-chat: {type: chat, url: "https://chat.example.com/hooks/abc"}
  managers:
    type: email
    host: smtp.example.com
    port: 587
    username_env: SMTP_USER
    password_env: SMTP_PASSWORD
    from: accord@example.com
    to: [lead@example.com, boss@example.com]
alerts:
  p1-at-risk:
    kind: sla_warning
    share: 75%
    scope: {priority: P1, customer: acme}
    channels: [ops-chat, ops-hook]
    quiet_hours: office
    link: "https://accord.example.com/tickets/{ticket_id}"
  thirty-left:
    kind: sla_warning
    remaining: 30m
    metrics: first_response
    channels: ops-chat
  breached:
    kind: sla_breach
    channels: [managers]
  kpi-red:
    kind: kpi_band
    kpi: first_response_median
    bands: [red]
    channels: ops-chat
  burn:
    kind: budget_burn
    contract: acme
    objective: p1_first_response
    share: 50%
    channels: managers
  forecast:
    kind: forecast_below
    contract: acme
    channels: managers
  silent-source:
    kind: no_data
    source: zendesk
    after: 2h
    calendar: office
    channels: ops-hook
"""

MISTAKES = """\
channels:
  ops-chat: {type: chat, url: "https://chat.example.com/hooks/abc"}
  pager: {type: pagerduty, url: "https://x.example.com"}
  mail: {type: email, host: smtp.example.com, from: "not-an-address", to: [a@example.com]}
alerts:
  early:
    kind: sla_warning
    share: 150%
    channels: [ops-chat]
  routed-nowhere:
    kind: sla_breach
    channels: [ops-chta]
  quiet:
    kind: sla_breach
    channels: ops-chat
    quiet_hours: ofice
  both:
    kind: sla_warning
    share: 50%
    remaining: 1h
    channels: ops-chat
  wrong-key:
    kind: sla_breach
    kpi: backlog
    channels: ops-chat
  burn:
    kind: budget_burn
    contract: acme
    objective: p9
    share: 0.5
    channels: ops-chat
  strange:
    kind: sla_panic
    channels: ops-chat
"""


def _write(tmp_path: Path, *docs: str) -> Path:
    for n, doc in enumerate(docs):
        (tmp_path / f"{n:02d}.yaml").write_text(textwrap.dedent(doc))
    return tmp_path


def _errors(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return [i for i in issues if i.severity == "error"]


def test_valid_rules_and_channels_load(tmp_path: Path) -> None:
    config, alerts, issues = check_config_alerts(_write(tmp_path, BASE, VALID))
    assert _errors(issues) == []
    assert config is not None
    assert set(alerts.rules) == {
        "p1-at-risk", "thirty-left", "breached", "kpi-red", "burn", "forecast", "silent-source"
    }  # fmt: skip
    at_risk = alerts.rules["p1-at-risk"]
    assert at_risk.share == 0.75
    assert at_risk.scope.priority == ("P1",)
    assert at_risk.channels == ("ops-chat", "ops-hook")
    assert alerts.rules["thirty-left"].remaining == 1800
    assert alerts.rules["silent-source"].after == 7200
    assert isinstance(alerts.channels["ops-hook"], WebhookChannel)
    assert isinstance(alerts.channels["ops-chat"], ChatChannel)
    mail = alerts.channels["managers"]
    assert isinstance(mail, EmailChannel)
    assert mail.from_ == "accord@example.com" and mail.starttls


def test_every_mistake_is_reported_with_file_and_line(tmp_path: Path) -> None:
    config, alerts, issues = check_config_alerts(_write(tmp_path, BASE, MISTAKES))
    assert config is None
    errors = _errors(issues)
    by_line = {(i.line, i.message.split(",")[0]) for i in errors}
    f = str(tmp_path / "01.yaml")
    assert all(i.file == f for i in errors)
    lines = {i.line for i in errors}
    text = "\n".join(f"{i.line}: {i.message} | {i.hint}" for i in errors)
    assert 3 in lines and "'pagerduty' is not a channel type" in text  # unknown channel type
    assert 4 in lines and "'not-an-address' is not an e-mail address" in text
    assert 8 in lines and "at most 100%" in text  # bad threshold
    assert (
        12 in lines and "unknown channel 'ops-chta'" in text and "did you mean 'ops-chat'" in text
    )
    assert 16 in lines and "unknown calendar 'ofice'" in text and "did you mean 'office'" in text
    assert "exactly one of 'share' or 'remaining'" in text
    assert "does not take kpi" in text
    assert 29 in lines and "unknown objective 'p9' of contract 'acme'" in text
    assert 33 in lines and "got 'sla_panic'" in text
    assert len(by_line) >= 9
    # no rule with a mistake is kept; the channel without one is
    assert set(alerts.rules) == set()
    assert set(alerts.channels) == {"ops-chat"}


def test_a_rule_defined_in_two_files_is_an_error_naming_the_first(tmp_path: Path) -> None:
    rule = "alerts:\n  r: {kind: sla_breach, channels: c}\n"
    chan = "channels:\n  c: {type: chat, url: 'https://chat.example.com/x'}\n"
    _, _, issues = check_config_alerts(_write(tmp_path, BASE, chan + rule, rule))
    errors = _errors(issues)
    assert len(errors) == 1
    assert "defined twice (first at" in errors[0].message and "00.yaml" not in errors[0].message
    assert errors[0].file.endswith("02.yaml") and errors[0].line == 2


def test_a_no_data_rule_needs_source_duration_and_calendar(tmp_path: Path) -> None:
    chan = "channels:\n  c: {type: chat, url: 'https://chat.example.com/x'}\n"
    rule = "alerts:\n  r: {kind: no_data, source: zendesk, channels: c}\n"
    _, _, issues = check_config_alerts(_write(tmp_path, BASE, chan + rule))
    (err,) = _errors(issues)
    assert "needs 'source', 'after' and 'calendar'" in err.message and err.line == 4


def test_email_login_needs_both_variables_and_valid_names(tmp_path: Path) -> None:
    doc = """\
channels:
  m:
    type: email
    host: smtp.example.com
    username_env: SMTP_USER
    from: a@example.com
    to: b@example.com
  w: {type: webhook, url: "ftp://x", secret_env: "not a name"}
"""
    _, alerts, issues = check_config_alerts(_write(tmp_path, BASE, doc))
    text = "\n".join(f"{i.line}: {i.message}" for i in _errors(issues))
    assert "both 'username_env' and 'password_env'" in text
    assert "'ftp://x' is not an http(s) URL" in text
    assert "'not a name' is not an environment variable name" in text
    assert alerts.channels == {}
