"""The dashboard in a real browser against a real server with the demo helpdesk."""

from __future__ import annotations

from typing import Any

import httpx
import pypdf

from tests.browser.conftest import ARTIFACTS, Served, shot, sign_in


def test_signing_in_shows_the_overview_with_compliance_and_kpis(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1280, "height": 900})
    page.wait_for_selector("#by-metric table tbody tr")
    page.wait_for_selector("#by-priority table tbody tr")
    assert "first_response" in page.inner_text("#by-metric")
    assert page.locator("#by-metric svg[role=img][aria-label]").count() == 1
    page.wait_for_function("!document.querySelector('#kpis').innerText.includes('Loading')")
    kpis = page.inner_text("#kpis")
    # KPI tiles when the server has KPI values, otherwise a clear message
    assert page.locator("#kpis .tile").count() > 0 or "not available" in kpis
    if page.locator("#kpis .tile").count():
        # the KPI figures come from a snapshot: the page says the instant they are for
        assert page.inner_text("#kpis-as-of").startswith("Figures as of ")
    shot(page, "overview-1280")
    page.context.close()


def test_the_overview_fits_a_phone_screen(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 390, "height": 844})
    page.wait_for_selector("#by-metric table tbody tr")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "overview-phone")
    page.context.close()


def test_the_at_risk_queue_lists_open_clocks_and_opens_a_ticket_with_its_clocks(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/at-risk")
    page.wait_for_selector("#queue table tbody tr a")
    assert "Updated" in page.inner_text("#updated")
    headers = page.locator("#queue th").all_inner_texts()
    assert headers[:5] == ["ticket", "metric", "priority", "policy", "assignee"]
    shot(page, "at-risk")
    page.locator("#queue tbody a").first.click()
    page.wait_for_selector("#ticket .clock")
    clocks = page.locator("#ticket .clock")
    assert clocks.count() >= 1
    first = clocks.first.inner_text()
    assert "policy" in first and "business elapsed" in first and "start" in first
    assert page.locator("#ticket .clock ol.steps li").count() >= 1
    assert page.locator("#ticket table tbody tr").count() >= 1  # the timeline
    shot(page, "ticket")
    page.context.close()


def test_the_customer_page_offers_a_pdf_statement_with_the_customers_figures(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/customers/acme")
    page.wait_for_selector("#customer-compliance table tbody tr")
    page.wait_for_selector("#statement table tbody tr")
    page.wait_for_selector("#budget table tbody tr")
    assert "urgent_first_response" in page.inner_text("#statement")
    assert page.inner_text("#figures-as-of").startswith("Figures as of ")
    shot(page, "customer-acme")
    with page.expect_download() as got:
        page.click("#statement-pdf")
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "statement-acme.pdf"
    got.value.save_as(target)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(target).pages)
    period = page.input_value("#period")
    assert "Service statement" in text
    assert "acme" in text and period in text
    assert "Objectives" in text and "Breaches" in text and "Service credits" in text
    # the demo's contract for acme (demo/config/contracts.yaml): its fee and objectives
    assert "USD" in text and "urgent_first_response" in text
    page.context.close()


def test_a_customer_token_sees_only_its_customer_in_every_view(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.acme_token)
    page.wait_for_selector("#by-metric table tbody tr")
    page.goto(f"{served.base}/customers")
    assert page.url == f"{served.base}/customers/acme"
    page.goto(f"{served.base}/customers/globex")
    assert "There is no customer 'globex'" in page.inner_text("main")
    page.goto(f"{served.base}/at-risk")
    page.wait_for_selector("#queue table tbody tr")
    column = page.locator("#queue th").all_inner_texts().index("customer")
    # an empty queue (some hours no acme clock is open) holds one row saying so
    rows = page.locator("#queue tbody tr:not(.empty)").all()
    customers = {r.locator("td").nth(column).inner_text() for r in rows}
    assert customers <= {"acme"}
    assert rows or page.locator("#queue tbody tr.empty").count() == 1
    page.goto(f"{served.base}/compliance")
    page.select_option("select[name=by]", "customer")
    page.click("#filters button[type=submit]")
    page.wait_for_function(
        "document.querySelector('#explorer caption')?.innerText.includes('by customer')"
    )
    keys = {r.locator("td").first.inner_text() for r in page.locator("#explorer tbody tr").all()}
    assert keys == {"acme"}
    shot(page, "customer-token-compliance")
    page.goto(f"{served.base}/tickets/{served.globex_ticket}")
    page.wait_for_selector("#ticket .error")
    assert "There is no ticket" in page.inner_text("#ticket")
    statement = page.context.request.get(
        f"{served.base}/api/v1/customers/globex/statement.pdf?period=2026-01"
    )
    assert statement.status == 404
    page.context.close()


def test_the_api_refuses_a_write_carried_by_the_dashboard_cookie(served: Served) -> None:
    with httpx.Client(base_url=served.base) as http:
        res = http.post("/signin", data={"token": served.read_token})
        assert res.status_code == 303
        assert http.get("/api/v1/at-risk").status_code == 200  # the cookie is kept and read
        write = http.post("/api/v1/events", json=[])
        assert write.status_code == 401


def test_the_at_risk_queue_reloads_itself_every_30_seconds(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token)
    page.clock.install()  # the page's timers run on a clock the test moves, not on the wall
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/api/v1/at-risk" in r.url else None)
    page.goto(f"{served.base}/at-risk")
    page.wait_for_selector("#queue table tbody tr")
    assert len(seen) == 1
    page.clock.run_for(29_000)
    page.evaluate("1")  # a round trip, so a request the timer had started would be seen
    assert len(seen) == 1
    with page.expect_request(lambda r: "/api/v1/at-risk" in r.url):
        page.clock.run_for(1_000)
    assert len(seen) == 2
    page.context.close()


def test_an_admin_sees_the_tickets_whose_recompute_failed(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.admin_token)
    page.click("nav a[href='/failures']")
    page.wait_for_selector("#failures table tbody tr a")
    text = page.inner_text("#failures")
    assert "1 failed ticket." in text
    assert "T-failed" in text and "storing its clocks: refused" in text
    assert page.locator("#failures th").all_inner_texts() == [
        "ticket",
        "error",
        "first failure",
        "last failure",
        "attempts",
    ]
    shot(page, "failures")
    page.context.close()
    reader = sign_in(browser, served, served.read_token)
    assert reader.locator("nav a[href='/failures']").count() == 0
    reader.context.close()
