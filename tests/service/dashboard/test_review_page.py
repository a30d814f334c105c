"""The Review page's capacity calculator posts with the sign-in cookie: that one computing POST
accepts it, every other POST still needs the bearer header."""

from __future__ import annotations

from accord.service.auth import COOKIE_NAME
from tests.service.conftest import Api


def test_the_cookie_may_post_the_calculator_but_not_a_what_if(api: Api) -> None:
    cookie = {"Cookie": f"{COOKIE_NAME}={api.tokens['admin']}"}
    body = {"calls": 100, "interval": "30m", "aht": "180s", "answer_within": "20s", "agents": 14}
    res = api.client.post("/api/v1/review/capacity", json=body, headers=cookie)
    assert res.status_code == 200, res.text
    assert round(res.json()["service_level"], 5) == 0.88835
    whatif = api.client.post("/api/v1/review/whatif", json={"overrides": {}}, headers=cookie)
    assert whatif.status_code == 401


def test_the_review_page_has_the_capacity_forms_and_the_report_link(api: Api) -> None:
    page = api.client.get("/review", headers={"Cookie": f"{COOKIE_NAME}={api.tokens['read']}"})
    assert page.status_code == 200
    for anchor in ('id="capacity-form"', 'id="calculator-form"', 'id="report-link"'):
        assert anchor in page.text
