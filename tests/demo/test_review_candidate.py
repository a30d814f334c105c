"""The demo's review candidate: it validates against the demo configuration, it changes the
outcome of clocks of the demo helpdesk (so the Review page's what-if has something to show),
and ``accord demo serve``'s app fills it into the what-if form."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from accord.cli.demo import demo_app, prepare_store
from accord.core.engine.batch import events_to_table
from accord.core.review.candidate import load_candidate, load_setup
from accord.core.review.whatif import run_whatif
from accord.core.timeutil import to_instant
from accord.demo import CANDIDATE, CONFIG_DIR, generate_events
from accord.io.store import Scope, SqlStore
from accord.service.auth import COOKIE_NAME, create_token

END = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)


def test_the_demo_candidate_changes_outcomes_both_ways() -> None:
    table = events_to_table(list(generate_events(seed=7, end=END, days=90, tickets=600)))
    current = load_setup(CONFIG_DIR)
    candidate = load_candidate(CONFIG_DIR, CANDIDATE)
    assert [a.override.key for a in candidate.overrides] == [
        "policies.Gold.metrics.first_response.high",
        "policies.Silver.metrics.resolution.normal",
    ]
    w = run_whatif(table, current, candidate, to_instant(END), by=("metric",), explain=0)
    changed = [c for g in w.groups for c in g.changed]
    assert changed, "the demo candidate must change at least one clock's outcome"
    moves = {(c.current.state, c.candidate.state) for c in changed if c.current and c.candidate}
    # the looser Gold first response turns breaches into met clocks, the tighter Silver
    # resolution the other way round
    assert ("breached", "met") in moves and ("met", "breached") in moves


def test_the_demo_server_fills_the_candidate_into_the_what_if_form(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    url = prepare_store(tmp_path, events=800, end=END)
    store = SqlStore(url)
    try:
        token, _ = create_token(store, scope=Scope.READ, customer=None, name="t", now=0)
    finally:
        store.close()
    app = demo_app(url, tmp_path)
    assert (tmp_path / "candidate.yaml").read_text() == CANDIDATE.read_text()
    with TestClient(app) as client:
        client.cookies.set(COOKIE_NAME, token)
        page = client.get("/review").text
    assert "policies.Gold.metrics.first_response.high: 2h\npolicies.Silver" in page
    assert "# The demo" not in page
