"""``GET /api/v1/review/report``: the hand-worked quarter of ``tests/review_report_log.py``
stored in the service, as HTML and PDF; a customer's token gets its own customer only; a
period without data is a 404 that says so."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from accord.core.timeutil import parse_as_of
from tests.review_report_log import AS_OF, CONFIG, events
from tests.service.conftest import Api, make_api

URL = "/api/v1/review/report"


@pytest.fixture
def quarter(tmp_path: Path) -> Iterator[Api]:
    api = make_api(tmp_path, config=CONFIG)
    try:
        api.clock.now = parse_as_of(AS_OF)
        api.send(*events())
        api.drain()
        yield api
    finally:
        api.store.close()


def test_an_admin_gets_every_customers_quarter_as_html(quarter: Api) -> None:
    res = quarter.get(URL, who="admin", params={"period": "2026-Q3"})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/html")
    html = res.text
    assert "62.50 %" in html and "66.67 %" in html
    assert "policies.Standard.metrics.first_response.high: 1h" in html
    assert "100.00 USD" in html and "-100.00" in html


def test_the_pdf_parses_and_holds_the_figures(quarter: Api) -> None:
    res = quarter.get(URL, who="read", params={"period": "2026-Q3", "format": "pdf"})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/pdf"
    assert 'filename="review-all-2026-Q3.pdf"' in res.headers["content-disposition"]
    pages = pypdf.PdfReader(io.BytesIO(res.content)).pages
    text = "\n".join(p.extract_text() for p in pages)
    assert "62.50 %" in text and "100.00 USD" in text


def test_a_customer_token_gets_its_own_customer_only(quarter: Api) -> None:
    res = quarter.get(URL, who="globex", params={"period": "2026-Q3"})
    assert res.status_code == 200, res.text
    html = res.text
    assert "Service review 2026-Q3: globex" in html
    assert "acme" not in html  # neither acme's clocks nor its contract
    # asking for another customer is answered as a customer without data
    other = quarter.get(URL, who="globex", params={"period": "2026-Q3", "customer": "acme"})
    assert other.status_code == 404


def test_the_acme_report_counts_acmes_six_clocks(quarter: Api) -> None:
    html = quarter.get(URL, who="acme", params={"period": "2026-Q3"}).text
    # acme: 6 judged, 4 met (66.67 %); globex's tickets are not there
    assert "66.67 %" in html and "62.50 %" not in html and "globex" not in html


def test_a_period_without_data_is_a_404_that_says_so(quarter: Api) -> None:
    res = quarter.get(URL, who="read", params={"period": "2026-Q1"})
    assert res.status_code == 404
    assert "no data" in res.json()["error"]["message"]


def test_a_bad_period_is_refused(quarter: Api) -> None:
    assert quarter.get(URL, who="read", params={"period": "2026-Q5"}).status_code == 422
    assert quarter.get(URL, who="read").status_code == 422
