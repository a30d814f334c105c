"""/metrics in Prometheus format; the docs served without any CDN."""

from __future__ import annotations

import re

from tests.service.conftest import T0, Api, created


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
