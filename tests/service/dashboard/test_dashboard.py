"""The dashboard's pages, its sign-in cookie, and the statement documents, in process."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf

from accord.service.auth import COOKIE_NAME
from tests.service.conftest import CONFIG, HOUR, T0, Api, created, make_api, reply


def _signed_in(api: Api, who: str) -> dict[str, str]:
    res = api.client.post("/signin", data={"token": api.tokens[who]}, follow_redirects=False)
    assert res.status_code == 303, res.text
    assert res.headers["location"] == "/overview"
    return {"Cookie": f"{COOKIE_NAME}={res.cookies[COOKIE_NAME]}"}


def test_signin_sets_an_httponly_samesite_strict_cookie(api: Api) -> None:
    res = api.client.post("/signin", data={"token": api.tokens["read"]}, follow_redirects=False)
    cookie = res.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/" in cookie


def test_signin_with_a_bad_token_is_refused_without_a_cookie(api: Api) -> None:
    res = api.client.post("/signin", data={"token": "acc_000000000000_nope-nope-nope-nope-x"})
    assert res.status_code == 401
    assert "set-cookie" not in res.headers
    assert "not valid" in res.text


def test_pages_without_a_cookie_redirect_to_signin(api: Api) -> None:
    for path in (
        "/",
        "/overview",
        "/at-risk",
        "/compliance",
        "/trends",
        "/customers/acme",
        "/tickets/T1",
    ):
        res = api.client.get(path, follow_redirects=False)
        assert res.status_code == 303, path
        assert res.headers["location"] == "/signin"


def test_every_page_renders_for_a_signed_in_reader(populated: Api) -> None:
    cookies = _signed_in(populated, "read")
    for path, marker in (
        ("/overview", 'data-page="overview"'),
        ("/at-risk", 'data-page="at_risk"'),
        ("/tickets", 'data-list="tickets"'),
        ("/alerts", 'id="alert-token"'),
        ("/compliance", 'data-page="compliance"'),
        ("/trends", 'id="trend-form"'),
        ("/customers", 'data-page="customers"'),
        ("/customers/acme", 'data-customer="acme"'),
        ("/tickets/T1", 'data-ticket="T1"'),
    ):
        res = populated.client.get(path, headers=cookies)
        assert res.status_code == 200, path
        assert marker in res.text
        assert "/static/dashboard/app.js" in res.text


def test_assets_are_served_locally_and_pages_load_nothing_from_elsewhere(populated: Api) -> None:
    cookies = _signed_in(populated, "read")
    page = populated.client.get("/overview", headers=cookies).text
    assert "http://" not in page and "https://" not in page
    js = populated.client.get("/static/dashboard/app.js")
    css = populated.client.get("/static/dashboard/app.css")
    assert js.status_code == css.status_code == 200
    assert "https://" not in js.text


def test_the_charting_library_is_served_by_accord_with_its_licence(populated: Api) -> None:
    cookies = _signed_in(populated, "read")
    for path in ("/trends", "/customers/acme"):
        page = populated.client.get(path, headers=cookies).text
        assert '<script src="/static/dashboard/vendor/uPlot.iife.min.js" defer>' in page
        assert "http://" not in page and "https://" not in page
    for asset in ("uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE.txt"):
        res = populated.client.get(f"/static/dashboard/vendor/{asset}")
        assert res.status_code == 200 and res.content, asset
    assert "MIT" in populated.client.get("/static/dashboard/vendor/uPlot.LICENSE.txt").text


def test_the_api_accepts_the_cookie_for_reads(populated: Api) -> None:
    cookies = _signed_in(populated, "read")
    res = populated.client.get("/api/v1/tickets/T1", headers=cookies)
    assert res.status_code == 200
    assert res.json()["ticket_id"] == "T1"


def test_writes_need_the_bearer_header_not_the_cookie(populated: Api) -> None:
    cookies = _signed_in(populated, "admin")
    res = populated.client.post("/api/v1/events", json=[], headers=cookies)
    assert res.status_code == 401


def test_a_customer_cookie_sees_only_its_customer(populated: Api) -> None:
    cookies = _signed_in(populated, "acme")
    assert populated.client.get("/api/v1/tickets/T3", headers=cookies).status_code == 404
    other = populated.client.get("/customers/globex", headers=cookies)
    assert other.status_code == 404
    index = populated.client.get("/customers", headers=cookies, follow_redirects=False)
    assert index.headers["location"] == "/customers/acme"
    own = populated.client.get("/customers/acme", headers=cookies)
    assert own.status_code == 200


def test_signout_clears_the_cookie(populated: Api) -> None:
    cookies = _signed_in(populated, "read")
    res = populated.client.post("/signout", headers=cookies, follow_redirects=False)
    assert res.status_code == 303
    assert f'{COOKIE_NAME}=""' in res.headers["set-cookie"] or "max-age=0" in (
        res.headers["set-cookie"].lower()
    )


def test_the_statement_pdf_carries_the_customers_figures(populated: Api) -> None:
    res = populated.get("/api/v1/customers/acme/statement.pdf?period=2026-03")
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(res.content)).pages)
    assert "Service statement" in text
    assert "acme" in text
    assert "2026-03" in text


def test_the_statement_html_has_a_chart_with_a_label(populated: Api) -> None:
    res = populated.get("/api/v1/customers/acme/statement.html?period=2026-03")
    assert res.status_code == 200, res.text
    assert "<svg" in res.text and 'aria-label="Attainment per objective' in res.text


def test_another_customers_statement_answers_404(populated: Api) -> None:
    for ext in ("pdf", "html"):
        res = populated.get(f"/api/v1/customers/globex/statement.{ext}?period=2026-03", who="acme")
        assert res.status_code == 404
        assert res.json()["error"]["code"] == "not_found"


def test_a_statement_period_must_be_a_month(populated: Api) -> None:
    res = populated.get("/api/v1/customers/acme/statement.pdf?period=March")
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "input_invalid"


def test_the_statement_works_with_the_cookie_too(populated: Api) -> None:
    cookies = _signed_in(populated, "acme")
    res = populated.client.get(
        "/api/v1/customers/acme/statement.html?period=2026-03", headers=cookies
    )
    assert res.status_code == 200
    assert "acme" in res.text


CONTRACTS = """contracts:
  acme:
    policies: [Gold]
    monthly_fee: '1000.00'
    currency: EUR
    objectives:
      fast_answers:
        metric: first_response
        met_share: 95%
        credit:
          per_breach: '10.00'
"""


def test_a_customer_with_a_contract_gets_the_contract_figures_in_the_statement(
    tmp_path: Path,
) -> None:
    api = make_api(tmp_path, config={**CONFIG, "contracts.yaml": CONTRACTS})
    try:
        api.send(
            created("e1", "T1", 0, status="new", priority="high", customer="acme"),
            reply("e2", "T1", 30),
            created("e3", "T2", 10, status="new", priority="low", customer="acme"),
        )
        api.clock.now = T0 + 3 * HOUR  # T2 is past its 1 h first-response target
        api.drain()
        html = api.get("/api/v1/customers/acme/statement.html?period=2026-03").text
        assert "fast_answers" in html and "EUR" in html and "T2" in html
        assert "No contract statement" not in html
        # globex has no contract: its statement is the compliance alone, and says so
        api.send(created("e4", "T3", 20, status="new", priority="high", customer="globex"))
        api.drain()
        other = api.get("/api/v1/customers/globex/statement.html?period=2026-03")
        assert other.status_code == 200
        assert "No contract statement" in other.text
    finally:
        api.store.close()
