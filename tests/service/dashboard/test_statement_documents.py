"""The statement documents render a contract statement's figures, breaches and credits."""

from __future__ import annotations

import io
from typing import Any

import pypdf

from accord.reports import render_html, render_pdf, statement_from_json

# the shape of GET /api/v1/customers/{customer}/statement (abridged)
CONTRACT_STATEMENT: dict[str, Any] = {
    "contract": "acme",
    "customer": "acme",
    "period": "2026-03",
    "final": True,
    "as_of": "2026-04-01T00:00:00Z",
    "currency": "EUR",
    "monthly_fee": "20000.00",
    "period_fee": "20000.00",
    "objectives": [
        {
            "name": "P1 first response",
            "kind": "met_share",
            "description": "≥ 95% of first_response (priority urgent) clocks met",
            "target": "95%",
            "numerator": 18,
            "denominator": 20,
            "value": 0.9,
            "value_text": "90.00%",
            "status": "missed",
            "budget": {"allowed": 1, "used": 2, "remaining": -1, "basis": "counted"},
            "breaches": [{"ticket_id": "T7", "cycle": 1}, {"ticket_id": "T9", "cycle": 1}],
            "forecast": {"value": 0.9, "value_text": "90.00%", "status": "missed"},
        },
        {
            "name": "Resolution breaches",
            "kind": "max_breaches",
            "target": 5,
            "numerator": 1,
            "denominator": 100,
            "value": 1,
            "value_text": "1",
            "status": "met",
            "budget": {"allowed": 5, "used": 1, "remaining": 4, "basis": "counted"},
            "breaches": [{"ticket_id": "T3", "cycle": 1}],
            "forecast": None,
        },
    ],
    "credits": [
        {
            "objective": "P1 first response",
            "scheme": "tiers",
            "gross": "1000.00",
            "amount": "1000.00",
            "status": "due",
            "computation": "90.00% below 95%: 5% of the period fee 20000.00 = 1000.00",
            "notes": [],
        }
    ],
    "totals": {"due": "1000.00", "pending": "0.00", "waived": "0.00"},
}


def _pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_a_missed_objective_reads_missed_and_a_kept_one_met() -> None:
    s = statement_from_json(CONTRACT_STATEMENT)
    assert [o.met for o in s.objectives] == [False, True]
    assert s.objectives[0].attainment == 90.0 and s.objectives[0].target == 95.0
    # a breach-count objective has no share to chart; its target is shown as stated
    assert s.objectives[1].attainment is None and s.objectives[1].target_text == "5"
    assert s.credit_total == 1000.0
    assert s.fee == 20000.0


def test_the_pdf_carries_figures_breaches_and_credits() -> None:
    text = _pdf_text(render_pdf(statement_from_json(CONTRACT_STATEMENT)))
    for expected in ("acme", "2026-03", "P1 first response", "90.00%", "T7", "T9", "1,000.00"):
        assert expected in text, expected
    assert "missed" in text


def test_the_html_carries_figures_breaches_credits_and_a_labelled_chart() -> None:
    html = render_html(statement_from_json(CONTRACT_STATEMENT))
    for expected in ("P1 first response", "90.00%", "T7, T9", "1,000.00 EUR", "<svg", "tiers"):
        assert expected in html, expected
    assert 'role="img"' in html and "aria-label=" in html


def test_text_outside_latin1_does_not_break_the_pdf() -> None:
    data = dict(CONTRACT_STATEMENT, customer="Ærø – 東京")
    assert _pdf_text(render_pdf(statement_from_json(data))).startswith("Service statement")
