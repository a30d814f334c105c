"""What the probe runs against: the demo configuration plus alert rules (so the alert log has
entries to leak), tokens for every scope and for two customers, and the server's environment
(webhook secrets, a fast alert loop)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from accord.cli.demo import copy_demo_config
from accord.io.store import Scope, SqlStore
from accord.service.auth import create_token

from .server import Server, store

ZENDESK_SECRET = "probe-zendesk-secret"
JIRA_SECRET = "probe-jira-secret"
# The two customers whose tokens read (both have a contract in the demo configuration), and a
# third whose tickets neither may see.
CUSTOMERS = ("acme", "globex")
THIRD = "initech"

# Alerts go to a webhook nobody listens on: delivery fails and is retried, which is all the
# probe needs (entries in the alert log, each about a ticket of some customer).
ALERTS_YAML = """\
channels:
  nowhere:
    type: webhook
    url: http://127.0.0.1:9/accord
    secret_env: ACCORD_PROBE_HOOK_SECRET
alerts:
  breached:
    kind: sla_breach
    channels: [nowhere]
  at-risk:
    kind: sla_warning
    share: 50%
    channels: [nowhere]
"""


@dataclass
class Deployment:
    server: Server
    tokens: dict[str, str]  # admin, write, read, and one per customer of CUSTOMERS

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def config_dir(folder: Path) -> Path:
    path = copy_demo_config(folder / "config")
    (path / "alerts.yaml").write_text(ALERTS_YAML)
    return path


def make_tokens(database_url: str) -> dict[str, str]:
    seed = SqlStore(database_url)  # opening it creates and migrates the schema
    try:
        tokens: dict[str, str] = {}
        for who, scope, customer in (
            ("admin", Scope.ADMIN, None),
            ("write", Scope.WRITE, None),
            ("read", Scope.READ, None),
            *((c, Scope.READ, c) for c in CUSTOMERS),
        ):
            tokens[who], _ = create_token(seed, scope=scope, customer=customer, name=who, now=0)
        return tokens
    finally:
        seed.close()


@contextmanager
def deployment(kind: str, folder: Path) -> Iterator[Deployment]:
    """A started server over a fresh store of ``kind``; stopped (and the store dropped) after."""
    folder.mkdir(parents=True, exist_ok=True)
    with store(kind, folder) as url:
        env = {
            "ACCORD_ZENDESK_SECRET": ZENDESK_SECRET,
            "ACCORD_JIRA_SECRET": JIRA_SECRET,
            "ACCORD_PROBE_HOOK_SECRET": "probe-hook-secret",
            "ACCORD_ALERT_POLL": "1",
            "ACCORD_ALERT_FIGURES_EVERY": "5",
        }
        server = Server(url, config_dir(folder), folder / f"server-{kind}.log", env=env)
        tokens = make_tokens(url)
        server.start()
        try:
            yield Deployment(server, tokens)
        finally:
            server.stop()
