"""Customer compliance statements as documents: HTML (Jinja2) and PDF (fpdf2, pure Python).

Both render one :class:`~accord.reports.model.Statement`, built from the JSON that the API
answers (the contract statement, or, without contracts, the customer's compliance)."""

from accord.reports.html import render_html
from accord.reports.model import CreditLine, Objective, Statement, statement_from_json
from accord.reports.pdf import render_pdf

__all__ = [
    "CreditLine",
    "Objective",
    "Statement",
    "render_html",
    "render_pdf",
    "statement_from_json",
]
