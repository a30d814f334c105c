"""/metrics in Prometheus format; the docs served without any CDN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.service.conftest import T0, Api, created, make_api
from tests.service.stores import STORES, api_over


def sample(text: str, name: str, **labels: str) -> float:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name + ("{" + inner + "}" if labels else "")) + r" ([0-9.e+]+)"
    m = re.search(pattern, text)
    assert m, f"{name} {labels} not in metrics"
    return float(m.group(1))


def test_metrics_count_ingest_clocks_and_breaches(populated: Api) -> None:
    same = created("e1", "T1", 0, status="new", priority="high", customer="acme", team="support")
    populated.send(same, {"ticket_id": "x"})
    populated.clock.now = T0 + 2 * 3600  # T2's first response (due at +70 min) is breached
    res = populated.get("/metrics")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/plain")
    text = res.text
    assert sample(text, "accord_events_ingested_total", source="api") == 4
    assert sample(text, "accord_events_duplicate_total", source="api") == 1
    assert sample(text, "accord_events_rejected_total", source="api") == 1
    assert sample(text, "accord_clocks", state="met") == 1
    assert sample(text, "accord_clocks", state="breached") == 1
    assert sample(text, "accord_clocks", state="running") == 4
    assert sample(text, "accord_breaches", policy="Gold", priority="low") == 1
    assert sample(text, "accord_recompute_pending") == 0


def test_the_docs_load_their_assets_from_this_server(api: Api) -> None:
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = api.client.get(page).text
        assert f"/static/docs/{asset}" in html
        assert "cdn" not in html.lower() and "googleapis" not in html
        assert api.client.get(f"/static/docs/{asset}").status_code == 200
    schema = api.client.get("/openapi.json").json()
    assert schema["info"]["title"] == "Accord"
    assert "/api/v1/events" in schema["paths"]


def _clock_gauges(text: str) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(("accord_clocks{", "accord_breaches{"))
    }


def _populate(api: Api) -> None:
    api.send(
        created("e1", "T1", 0, status="new", priority="high", customer="acme"),
        created("e3", "T2", 10, status="new", priority="low", customer="acme"),
    )
    api.clock.now = T0 + 40 * 60
    api.drain()


def test_the_clock_gauges_are_judged_again_at_most_every_so_often_the_backlog_always(
    tmp_path: Path,
) -> None:
    api = make_api(tmp_path, metrics_clocks_every=3600.0)
    try:
        _populate(api)
        first = api.get("/metrics").text
        api.clock.now = T0 + 10 * 3600  # every first response now breached
        api.send(created("e9", "T9", 30, status="new", priority="high", customer="globex"))
        second = api.get("/metrics").text
        # the backlog at once; the clocks as judged by the first scrape, within the hour
        assert sample(first, "accord_recompute_pending") == 0
        assert sample(second, "accord_recompute_pending") == 1
        assert _clock_gauges(second) == _clock_gauges(first)
    finally:
        api.store.close()


def test_with_no_interval_the_clock_gauges_are_judged_at_every_scrape(tmp_path: Path) -> None:
    api = make_api(tmp_path, metrics_clocks_every=0.0)
    try:
        _populate(api)
        first = api.get("/metrics").text
        api.clock.now = T0 + 10 * 3600
        second = api.get("/metrics").text
        assert sample(first, "accord_clocks", state="breached") == 0
        assert sample(second, "accord_clocks", state="breached") == 4  # both clocks, both tickets
    finally:
        api.store.close()


@pytest.mark.parametrize("kind", STORES)
def test_the_backlog_counts_equal_the_full_stats(kind: str, tmp_path: Path) -> None:
    with api_over(kind, tmp_path) as api:
        _populate(api)
        api.send(created("e9", "T9", 30, status="new", priority="high", customer="globex"))
        stats = api.store.stats(api.clock.now)
        assert api.store.backlog() == (stats.pending_recompute, stats.failed_tickets) == (1, 0)
