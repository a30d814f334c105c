"""The dashboard's page of tickets whose recompute failed: linked for admins only, filled from
``GET /api/v1/recompute/failures`` with the signed-in cookie."""

from __future__ import annotations

from accord.service.auth import COOKIE_NAME
from tests.service.conftest import T0, Api


def _cookie(api: Api, who: str) -> dict[str, str]:
    res = api.client.post("/signin", data={"token": api.tokens[who]}, follow_redirects=False)
    return {"Cookie": f"{COOKIE_NAME}={res.cookies[COOKIE_NAME]}"}


def test_the_failures_page_is_linked_for_admins_and_reads_the_list_with_the_cookie(
    api: Api,
) -> None:
    api.store.record_failures({"T-bad": "computing its clocks: ValueError: x"}, at=T0)
    admin = _cookie(api, "admin")
    page = api.client.get("/failures", headers=admin)
    assert page.status_code == 200
    assert 'data-page="failures"' in page.text
    assert 'href="/failures"' in page.text
    got = api.client.get("/api/v1/recompute/failures", headers=admin)
    assert got.status_code == 200
    assert [f["ticket_id"] for f in got.json()["items"]] == ["T-bad"]
    # the cookie never writes: a retry needs the bearer header
    assert api.client.post("/api/v1/recompute/failures/retry", headers=admin).status_code == 401


def test_the_failures_page_is_not_linked_for_readers_and_its_list_is_refused(api: Api) -> None:
    reader = _cookie(api, "read")
    overview = api.client.get("/overview", headers=reader)
    assert 'href="/failures"' not in overview.text
    assert api.client.get("/api/v1/recompute/failures", headers=reader).status_code == 403
