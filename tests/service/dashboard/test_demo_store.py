"""``accord demo serve`` prepares the embedded store: the demo helpdesk's events, its
configuration and every ticket's clocks, ready for the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from accord.cli.demo import prepare_store
from accord.cli.main import app
from accord.core.timeutil import to_instant
from accord.io.store import SqlStore

END = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)


def test_the_demo_store_holds_events_configuration_and_computed_clocks(tmp_path: Path) -> None:
    url = prepare_store(tmp_path, events=1_500, end=END)
    assert (tmp_path / "accord.db").exists()
    store = SqlStore(url)
    try:
        assert store.count_events() > 1_000
        assert store.count_tickets() > 50
        assert store.config_versions()
        assert not store.dirty(1), "every ticket's clocks are computed before serving"
        rows = store.compliance("customer", now=to_instant(END))
        assert sum(r.met + r.breached for r in rows) > 0
    finally:
        store.close()


def test_preparing_the_demo_again_starts_from_a_fresh_store(tmp_path: Path) -> None:
    prepare_store(tmp_path, events=800, end=END)
    # another end instant gives the same event ids other content: an old store would refuse it
    url = prepare_store(tmp_path, events=800, end=END.replace(day=30))
    store = SqlStore(url)
    try:
        assert store.count_quarantine() == 0
    finally:
        store.close()


def test_demo_serve_is_a_command() -> None:
    res = CliRunner().invoke(app, ["demo", "serve", "--help"])
    assert res.exit_code == 0
    assert "--port" in res.output and "--dir" in res.output
