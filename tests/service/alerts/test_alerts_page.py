"""The dashboard's delivery-log page: a shell with labelled filters, filled by app.js from
``GET /api/v1/alerts`` (which the sign-in cookie may read), linked from the navigation."""

from __future__ import annotations

from accord.service.auth import COOKIE_NAME
from tests.service.conftest import Api


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
