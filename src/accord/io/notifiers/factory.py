"""A notifier for each configured channel, with its secrets read from the environment."""

from __future__ import annotations

from collections.abc import Mapping

from accord.core.alerts.models import Channel, ChatChannel, EmailChannel, WebhookChannel
from accord.errors import ConfigError, ConfigIssue
from accord.io.notifiers.base import Notifier
from accord.io.notifiers.chat import ChatNotifier
from accord.io.notifiers.smtp import EmailNotifier
from accord.io.notifiers.webhook import WebhookNotifier


def notifier_for(name: str, channel: Channel, env: Mapping[str, str]) -> Notifier:
    """The notifier of ``channel``; ``env`` is passed in (usually ``os.environ``) so that a
    missing secret is found at start-up, not at the first alert."""
    if isinstance(channel, WebhookChannel):
        secret = _env(name, channel.secret_env, env) if channel.secret_env else None
        return WebhookNotifier(name, channel.url, secret.encode() if secret else None)
    if isinstance(channel, ChatChannel):
        return ChatNotifier(name, channel.url)
    assert isinstance(channel, EmailChannel)
    username = _env(name, channel.username_env, env) if channel.username_env else None
    password = _env(name, channel.password_env, env) if channel.password_env else None
    return EmailNotifier(
        name,
        host=channel.host,
        port=channel.port,
        sender=channel.from_,
        to=channel.to,
        starttls=channel.starttls,
        username=username,
        password=password,
    )


def _env(channel: str, var: str, env: Mapping[str, str]) -> str:
    value = env.get(var)
    if not value:
        raise ConfigError(
            [
                ConfigIssue(
                    "<environment>",
                    None,
                    f"channel '{channel}' needs the environment variable {var}, which is unset",
                    f"export {var}=... before starting Accord",
                )
            ]
        )
    return value
