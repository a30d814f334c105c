"""``accord review report``: the hand-worked quarter of ``tests/review_report_log.py`` as HTML
and as PDF (read back with pypdf), a customer's report, and the mistakes with their exit
codes."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from typer.testing import CliRunner

from accord.cli.main import app
from tests.review_report_log import AS_OF, write

runner = CliRunner()


def _args(tmp_path: Path, *extra: str) -> list[str]:
    events, config = write(tmp_path)
    return ["review", "report", str(events), "--config", str(config), "--as-of", AS_OF, *extra]


def test_the_html_report_has_the_quarters_figures(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    got = runner.invoke(app, _args(tmp_path, "--period", "2026-Q3", "--out", str(out)))
    assert got.exit_code == 0, got.output
    html = out.read_text()
    # attainment over the quarter and per month
    assert "62.50 %" in html and "66.67 %" in html and "50.00 %" in html
    assert "<svg" in html and "Compliance of first_response high per period" in html
    # the recommendation, its breaches and the credits of adopting it
    assert "policies.Standard.metrics.first_response.high: 1h" in html
    assert "3 -&gt; 0" in html
    assert "100.00 USD" in html and "-100.00" in html


def test_the_pdf_report_parses_and_holds_the_same_figures(tmp_path: Path) -> None:
    out = tmp_path / "review.pdf"
    got = runner.invoke(
        app, _args(tmp_path, "--period", "2026-Q3", "--out", str(out), "--format", "pdf")
    )
    assert got.exit_code == 0, got.output
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Service review 2026-Q3" in text
    assert "62.50 %" in text and "66.67 %" in text
    assert "1h" in text and "3 -> 0" in text
    assert "100.00 USD" in text


def test_a_customers_report_has_its_clocks_only(tmp_path: Path) -> None:
    out = tmp_path / "acme.html"
    got = runner.invoke(
        app,
        _args(tmp_path, "--period", "2026-Q3", "--customer", "globex", "--out", str(out)),
    )
    assert got.exit_code == 0, got.output
    html = out.read_text()
    # globex: G1 met, G2 breached; acme's contract is not in its report
    assert "Service review 2026-Q3: globex" in html and "50.00 %" in html
    assert "acme" not in html


def test_a_period_without_data_exits_5_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "none.html"
    got = runner.invoke(app, _args(tmp_path, "--period", "2026-Q1", "--out", str(out)))
    assert got.exit_code == 5
    assert "no data" in got.output and "2026-Q1" in got.output
    assert not out.exists()


def test_bad_options_exit_2_and_a_bad_period_exits_4(tmp_path: Path) -> None:
    out = str(tmp_path / "x.html")
    assert (
        runner.invoke(app, _args(tmp_path, "--period", "2026-Q3", "-o", out, "-f", "doc")).exit_code
        == 2
    )
    assert (
        runner.invoke(
            app, _args(tmp_path, "--period", "2026-Q3", "-o", out, "--grain", "day")
        ).exit_code
        == 2
    )
    got = runner.invoke(app, _args(tmp_path, "--period", "2026-Q5", "-o", out))
    assert got.exit_code == 4 and "not a period" in got.output
