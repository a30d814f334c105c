"""Notifiers against real local receivers: the webhook posts the alert as JSON signed with
HMAC-SHA256 of the body; the chat webhook posts Slack's ``{"text": ...}``; e-mail goes through
SMTP with STARTTLS and login; a refusing or unreachable receiver is a DeliveryError; messages
carry the figures that matter and the link."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
from dataclasses import replace
from email import message_from_bytes
from email.message import Message as MailMessage

import pytest

from accord.core.alerts.evaluate import Alert
from accord.core.alerts.models import ChatChannel, EmailChannel, WebhookChannel
from accord.errors import ConfigError
from accord.io.notifiers import (
    ChatNotifier,
    DeliveryError,
    EmailNotifier,
    MemoryNotifier,
    WebhookNotifier,
    notifier_for,
    render,
    sign,
)
from tests.io.notifiers.conftest import PASSWORD, USER, HttpReceiver, SmtpReceiver

AT = 1772445600  # 2026-03-02T10:00:00Z

ALERT = Alert(
    key="risk|T-42|first_response|1|75%",
    rule="risk",
    kind="sla_warning",
    subject="T-42",
    metric="first_response",
    cycle="1",
    threshold="75%",
    at=AT,
    deliver_at=AT,
    channels=("ops",),
    summary="first_response on ticket T-42 at risk (75%); due 2026-03-02T11:00:00Z",
    figures={
        "ticket": "T-42", "metric": "first_response", "target": "4h", "elapsed": "3h",
        "remaining": "1h", "due": "2026-03-02T11:00:00Z", "customer": "acme", "priority": "P1",
        "state": "running", "policy": "-",
    },
    link="https://accord.example.com/tickets/T-42",
    customer="acme",
)  # fmt: skip


def test_message_template_carries_the_figures_and_the_link() -> None:
    m = render(ALERT)
    assert m.subject.startswith("[Accord] SLA at risk: first_response on ticket T-42")
    for line in ("Customer: acme", "Ticket: T-42", "Priority: P1", "Target: 4h",
                 "Remaining (business): 1h", "Due: 2026-03-02T11:00:00Z",
                 "Threshold: 75% reached at 2026-03-02T10:00:00Z",
                 "https://accord.example.com/tickets/T-42"):  # fmt: skip
        assert line in m.text.splitlines()
    assert "Policy" not in m.text  # a figure without a value is left out
    assert m.payload["key"] == ALERT.key and m.payload["figures"]["target"] == "4h"


def test_a_breach_message_says_when_the_clock_breached() -> None:
    breach = replace(
        ALERT,
        kind="sla_breach",
        threshold="breach",
        figures={**ALERT.figures, "elapsed": "4h", "remaining": "0s", "state": "breached",
                 "breached_at": "2026-03-02T11:00:00Z"},
    )  # fmt: skip
    lines = render(breach).text.splitlines()
    assert "Breached at: 2026-03-02T11:00:00Z" in lines
    assert "Elapsed (business): 4h" in lines and "Remaining (business): 0s" in lines


def test_webhook_posts_json_signed_with_hmac_sha256_of_the_body(
    http_receiver: HttpReceiver,
) -> None:
    WebhookNotifier("hook", http_receiver.url + "/accord", b"topsecret").send(ALERT)
    (req,) = http_receiver.requests
    assert req.path == "/accord"
    assert req.headers["Content-Type"] == "application/json"
    expected = hmac.new(b"topsecret", req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Accord-Signature"] == f"sha256={expected}"
    assert sign(b"topsecret", req.body) == f"sha256={expected}"
    body = json.loads(req.body)
    assert body["key"] == ALERT.key and body["link"] == ALERT.link


def test_webhook_without_secret_sends_no_signature(http_receiver: HttpReceiver) -> None:
    WebhookNotifier("hook", http_receiver.url).send(ALERT)
    assert "X-Accord-Signature" not in http_receiver.requests[0].headers


def test_chat_webhook_posts_slack_text(http_receiver: HttpReceiver) -> None:
    ChatNotifier("chat", http_receiver.url + "/hooks/x").send(ALERT)
    (req,) = http_receiver.requests
    body = json.loads(req.body)
    assert list(body) == ["text"]
    assert "T-42" in body["text"] and ALERT.link is not None and ALERT.link in body["text"]


def test_a_receiver_that_answers_an_error_is_a_delivery_error(
    http_receiver: HttpReceiver,
) -> None:
    http_receiver.statuses = [503]
    with pytest.raises(DeliveryError, match="answered 503"):
        ChatNotifier("chat", http_receiver.url).send(ALERT)
    ChatNotifier("chat", http_receiver.url).send(ALERT)  # the next attempt goes through
    assert len(http_receiver.requests) == 2


def test_an_unreachable_receiver_is_a_delivery_error() -> None:
    with pytest.raises(DeliveryError, match="unreachable"):
        WebhookNotifier("hook", "http://127.0.0.1:9/x", timeout=2).send(ALERT)


def _client_context(smtp: SmtpReceiver) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(smtp.cafile))


def test_email_goes_through_smtp_with_starttls_and_login(smtp_receiver: SmtpReceiver) -> None:
    EmailNotifier(
        "mail",
        host=smtp_receiver.host,
        port=smtp_receiver.port,
        sender="accord@example.com",
        to=("lead@example.com", "boss@example.com"),
        username=USER,
        password=PASSWORD,
        tls_context=_client_context(smtp_receiver),
    ).send(ALERT)
    assert smtp_receiver.logins == [USER]
    ((mail_from, rcpt, content),) = smtp_receiver.messages
    assert mail_from == "accord@example.com"
    assert rcpt == ["lead@example.com", "boss@example.com"]
    mail: MailMessage = message_from_bytes(content)
    assert mail["Subject"].startswith("[Accord] SLA at risk")
    assert mail["X-Accord-Alert"] == ALERT.key
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes) and b"Remaining (business): 1h" in payload


def test_email_with_a_wrong_password_is_a_delivery_error(smtp_receiver: SmtpReceiver) -> None:
    notifier = EmailNotifier(
        "mail", host=smtp_receiver.host, port=smtp_receiver.port, sender="a@example.com",
        to=("b@example.com",), username=USER, password="wrong",
        tls_context=_client_context(smtp_receiver),
    )  # fmt: skip
    with pytest.raises(DeliveryError, match="mail"):
        notifier.send(ALERT)
    assert smtp_receiver.messages == []


def test_email_refuses_a_server_certificate_it_cannot_verify(
    smtp_receiver: SmtpReceiver,
) -> None:
    notifier = EmailNotifier(
        "mail", host=smtp_receiver.host, port=smtp_receiver.port, sender="a@example.com",
        to=("b@example.com",), username=USER, password=PASSWORD,
    )  # fmt: skip
    with pytest.raises(DeliveryError):
        notifier.send(ALERT)
    assert smtp_receiver.messages == []


def test_memory_notifier_fails_as_told_then_keeps_what_it_is_sent() -> None:
    n = MemoryNotifier("mem", fail=1)
    with pytest.raises(DeliveryError):
        n.send(ALERT)
    n.send(ALERT)
    assert n.sent == [ALERT] and n.attempts == 2


def test_channels_build_their_notifiers_with_secrets_from_the_environment() -> None:
    hook = WebhookChannel(type="webhook", url="https://h.example.com", secret_env="HOOK")
    built = notifier_for("hook", hook, {"HOOK": "abc"})
    assert isinstance(built, WebhookNotifier) and built.secret == b"abc"
    assert isinstance(notifier_for("c", ChatChannel(type="chat", url="https://c.example.com"), {}),
                      ChatNotifier)  # fmt: skip
    mail = EmailChannel.model_validate({
        "type": "email", "host": "smtp.example.com", "username_env": "U", "password_env": "P",
        "from": "a@example.com", "to": "b@example.com",
    })  # fmt: skip
    built_mail = notifier_for("mail", mail, {"U": "user", "P": "pw"})
    assert isinstance(built_mail, EmailNotifier) and built_mail.username == "user"
    with pytest.raises(ConfigError) as err:
        notifier_for("hook", hook, {})
    assert "HOOK" in err.value.issues[0].message
