"""The Review page in a real browser: recommended targets, a what-if run from the form, the
clocks whose state changes linked to their tickets, and a candidate that does not validate."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Served, shot, sign_in


def test_the_review_page_recommends_targets_and_runs_a_what_if_down_to_a_ticket(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1280, "height": 900})
    page.click("nav >> text=Review")
    page.wait_for_url(f"{served.base}/review")
    page.wait_for_selector("#targets table tbody tr")
    targets = page.inner_text("#targets")
    assert "first_response" in targets and "Kaplan-Meier" in targets
    assert "Credits if every recommendation had been in force" in targets
    headers = page.locator("#targets table").first.locator("th").all_inner_texts()
    assert headers[:3] == ["metric", "priority", "clocks"]

    page.fill("#overrides", "policies.Gold.metrics.first_response.high: 10m\n")
    page.select_option("#whatif-form select[name=by]", "metric,customer")
    page.fill("#whatif-token", served.write_token)
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif-summary", timeout=120_000)
    summary = page.inner_text("#whatif-summary")
    assert "policies.Gold.metrics.first_response.high: 10m" in summary
    assert "change state" in summary
    groups = page.locator("#whatif table").first.inner_text()
    assert "acme" in groups and "first_response" in groups and "→" in groups
    changed = page.locator("#whatif table").last
    assert "met → breached" in changed.inner_text()
    shot(page, "review-whatif")
    # the explanation under both configurations, then the ticket itself
    page.locator("#whatif details summary").first.click()
    assert "candidate" in page.locator("#whatif details").first.inner_text()
    link = changed.locator("tbody a").first
    ticket = link.inner_text()
    link.click()
    page.wait_for_url(f"{served.base}/tickets/{ticket}")
    page.wait_for_selector("#ticket .clock")
    page.context.close()


def test_a_candidate_that_does_not_validate_shows_each_problem_at_its_line(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    page.goto(f"{served.base}/review")
    page.fill(
        "#overrides",
        "policies.Gold.pause: [pending]\npolicies.Glod.metrics.first_response.high: soon\n",
    )
    page.fill("#whatif-token", served.write_token)
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif .issues li")
    text = page.inner_text("#whatif")
    assert "overrides.yaml:2" in text and "did you mean 'Gold'?" in text
    # a read token cannot run one: the page says what the API answered
    page.fill("#whatif-token", served.read_token)
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif [role=alert], #whatif .error")
    assert "write" in page.inner_text("#whatif")
    page.context.close()
