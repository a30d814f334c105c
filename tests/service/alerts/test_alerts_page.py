"""The dashboard's delivery-log page: a shell with labelled filters, filled by app.js from
``GET /api/v1/alerts`` (which the sign-in cookie may read), linked from the navigation."""

from __future__ import annotations

import re
from pathlib import Path

from accord.service.auth import COOKIE_NAME
from tests.service.conftest import CONFIG, Api, make_api


def test_the_alerts_page_renders_with_labelled_filters_and_a_nav_link(api: Api) -> None:
    signed = api.client.post("/signin", data={"token": api.tokens["acme"]}, follow_redirects=False)
    cookies = {"Cookie": f"{COOKIE_NAME}={signed.cookies[COOKIE_NAME]}"}
    res = api.client.get("/alerts", headers=cookies)
    assert res.status_code == 200
    assert 'data-page="alerts"' in res.text and "/static/dashboard/app.js" in res.text
    assert '<label for="alert-state">' in res.text and 'id="alert-state"' in res.text
    assert '<a href="/alerts" aria-current="page">Alerts</a>' in res.text
    assert "http://" not in res.text.replace("http://www.w3.org", "")  # nothing from elsewhere
    # the page's data: the API answers the cookie, scoped to the token's customer
    assert api.client.get("/api/v1/alerts", headers=cookies).json() == {
        "items": [],
        "next_cursor": None,
    }
    assert "alerts: () => alertPage()" in api.client.get("/static/dashboard/app.js").text
    assert "async function alertPage()" in api.client.get("/static/dashboard/alerts.js").text


def test_the_alerts_page_sends_a_signed_out_visitor_to_signin(api: Api) -> None:
    res = api.client.get("/alerts", follow_redirects=False)
    assert res.status_code in (302, 303, 307) and res.headers["location"].endswith("/signin")


def _page_for(api: Api, who: str) -> str:
    signed = api.client.post("/signin", data={"token": api.tokens[who]}, follow_redirects=False)
    cookies = {"Cookie": f"{COOKIE_NAME}={signed.cookies[COOKIE_NAME]}"}
    return api.client.get("/alerts", headers=cookies).text


def test_the_metric_filter_offers_the_configurations_metrics_and_the_agreements_to_teams(
    tmp_path: Path,
) -> None:
    agreements = (
        "agreements:\n  platform-fix:\n    while: {team: platform}\n    calendar: always\n"
        "    targets: 8h\n"
    )
    api = make_api(tmp_path, config={**CONFIG, "agreements.yaml": agreements})
    try:
        team = _page_for(api, "read")
        assert (
            '<label for="alert-metric">' in team
            and '<select id="alert-metric" name="metric">' in team
        )
        options = re.findall(
            r'<option value="([^"]*)">', team.split('id="alert-metric"')[1].split("</select>")[0]
        )
        assert options == ["", "first_response", "resolution", "ola:platform-fix"]
        # an agreement's alerts are the teams': a customer's page does not offer them
        assert "ola:platform-fix" not in _page_for(api, "acme")
        assert 'value="first_response"' in _page_for(api, "acme")
    finally:
        api.store.close()
