"""The Review page's capacity section and review report link in a real browser: the plan from
the stored events with its chart and shortfalls, the Erlang calculator's worked example and an
impossible input, and the review report opened from its link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.browser.conftest import Served, shot, sign_in


def test_capacity_shows_agents_needed_per_interval_and_the_shortfalls(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1280, "height": 900})
    page.goto(f"{served.base}/review")
    page.wait_for_selector("#capacity .capacity-summary", timeout=120_000)
    summary = page.inner_text("#capacity")
    assert "calendar support-us" in summary and "agent(s) needed" in summary
    assert "staffed" in summary and "NaN" not in summary
    assert page.locator("#capacity svg[role=img]").count() >= 1
    # no agent at all cannot answer any interval with arrivals: the shortfalls are listed
    # (how many agents the demo's load needs depends on the log generated for today)
    page.fill("#capacity-form input[name=agents]", "0")
    page.click("#capacity-form button[type=submit]")
    page.wait_for_selector("#capacity .shortfalls", timeout=120_000)
    short = page.inner_text("#capacity .shortfalls")
    assert "short of agents with 0" in short and "needed" in short
    shot(page, "review-capacity")
    page.context.close()


def test_the_calculator_answers_the_worked_example_and_an_impossible_load(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/review")
    page.click("#calculator-form button[type=submit]")
    page.wait_for_selector("#calculator table")
    text = page.inner_text("#calculator")
    # 100 contacts in 30 min, 180 s, 14 agents, 20 s: P(wait) 17.41 %, 88.84 % in 20 s
    assert "10.00 Erlang" in text and "17.41 %" in text and "88.84 %" in text
    assert "agents needed for 80.00 % within" in text
    # nine agents for ten Erlang: an infinite wait, said in words, never NaN
    page.fill("#calculator-form input[name=agents]", "9")
    page.click("#calculator-form button[type=submit]")
    page.wait_for_function("document.querySelector('#calculator').innerText.includes('infinite')")
    text = page.inner_text("#calculator")
    assert "NaN" not in text and "Infinity" not in text
    page.context.close()


def test_the_review_report_opens_from_its_link(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/review")
    # a month well inside the demo's 90 days of history
    month = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m")
    page.fill("#report-form input[name=period]", month)
    link = page.locator("#report-link")
    assert month in link.inner_text()
    href = link.get_attribute("href")
    assert href is not None and f"period={month}" in href
    page.click("#report-link")
    page.wait_for_selector("h1", timeout=120_000)
    assert f"Service review {month}" in page.inner_text("h1")
    body = page.inner_text("body")
    assert "Attainment per objective" in body and "Recommended targets" in body
    assert "Capacity" in body
    page.context.close()
