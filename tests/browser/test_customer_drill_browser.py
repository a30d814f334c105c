"""The customer page's figures lead to the clocks behind them, in a real browser against a
real server with the demo helpdesk: an objective's clocks, met and breached, its error
budget's used breaches and a credit's breaches, each listing as many clocks as the figure on
the page says, exportable as CSV; and a customer's own token sees the same."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from tests.browser.conftest import Served, shot, sign_in

# the statement's columns (customer.js): the objective table's figures and the credits'
FIGURES = (
    "#statement table:has(caption:text-matches('^Objectives')) td:nth-child(3) a.drill",
    "#statement table:has(caption:text-matches('^Objectives')) td:nth-child(6) a.drill",
    "#statement table:has(caption:text-matches('^Objectives')) td:nth-child(8) a.drill",
    "#statement table:has(caption:text-matches('^Service credits')) a.drill",
    "#budget a.drill",
)


def _listed(page: Any) -> int:
    # an empty table holds one row saying so
    return int(page.locator("#clocks tbody tr:not(:has-text('Nothing to show.'))").count())


def _previous_month(page: Any, served: Served) -> str:
    """The month before the one the customer page shows first (the current one)."""
    page.goto(f"{served.base}/customers/acme")
    year, month = (int(x) for x in page.input_value("#period").split("-"))
    return f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"


def _check_every_figure(page: Any, served: Served, who: str) -> list[int]:
    """Follows every drill-down link of the customer page for the previous month (a whole
    month of the demo's clocks) and the budget of the current one; returns their figures."""
    page.goto(f"{served.base}/customers/acme?period={_previous_month(page, served)}")
    page.wait_for_selector("#statement a.drill")
    page.wait_for_selector("#budget table tbody tr")
    shot(page, f"customer-figures-{who}")
    links: list[tuple[str, int]] = []
    for selector in FIGURES:
        for a in page.locator(selector).all():
            links.append((str(a.get_attribute("href")), int(a.inner_text())))
    assert links, "the demo's acme contract has objectives with figures"
    for href, figure in dict.fromkeys(links):
        page.goto(f"{served.base}{href}")
        page.wait_for_selector("#clocks-count")
        said = re.match(r"(\d+) ", page.inner_text("#clocks-count"))
        assert said, page.inner_text("#clocks")
        assert int(said.group(1)) == figure == _listed(page), (who, href)
        csv_href = page.get_attribute("#clocks a[download]", "href")
        text = page.context.request.get(f"{served.base}{csv_href}").text()
        assert len(list(csv.DictReader(io.StringIO(text)))) == figure, (who, href)
    return [figure for _, figure in links]


def test_every_objective_budget_and_credit_figure_lists_as_many_clocks_as_it_says(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token)
    figures = _check_every_figure(page, served, "read")
    assert max(figures) > 0, "the demo's previous month has clocks for acme's objectives"
    shot(page, "customer-objective-clocks")
    # the biggest breached figure leads on to a ticket
    page.goto(f"{served.base}/customers/acme?period={_previous_month(page, served)}")
    page.wait_for_selector("#statement a.drill")
    used = "#statement table:has(caption:text-matches('^Objectives')) td:nth-child(6) a.drill"
    cells = page.locator(used)
    counts = [int(t) for t in cells.all_inner_texts()]
    if counts and max(counts):
        cells.nth(counts.index(max(counts))).click()
        page.wait_for_selector("#clocks tbody a")
        assert set(page.locator("#clocks tbody td:nth-child(6)").all_inner_texts()) == {"breached"}
        page.locator("#clocks tbody a").first.click()
        page.wait_for_selector("#ticket .clock")
    page.context.close()


def test_a_customer_token_follows_its_own_figures_to_its_own_clocks(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.acme_token)
    assert max(_check_every_figure(page, served, "acme")) > 0
    assert "ola:" not in page.inner_text("main")
    page.context.close()
