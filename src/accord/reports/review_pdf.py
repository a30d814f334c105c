"""The review report as PDF with fpdf2: the tables of :mod:`accord.reports.review_rows` and a
small bar chart of compliance per month or week for each objective."""

from __future__ import annotations

from fpdf import FPDF

from accord.core.review.report import ObjectiveTrend, ReviewReport
from accord.reports import review_rows as rows
from accord.reports.pdf import _latin1


def _section(pdf: FPDF, s: rows.Section) -> None:
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 4, _latin1(s.caption), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=7)
    if not s.rows:
        pdf.cell(0, 5, _latin1(s.empty), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    with pdf.table(text_align="LEFT", line_height=4) as table:
        table.row([_latin1(h) for h in s.headers])
        for row in s.rows:
            table.row([_latin1(c) for c in row])
    pdf.ln(3)


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def _trend(pdf: FPDF, o: ObjectiveTrend, goal: float, x0: float, y0: float) -> None:
    """Bars of compliance per period (0-100 %), green at or above the goal, red below; a
    grey tick for a period without judged clocks; the goal as a line."""
    w, h = 58.0, 22.0
    pdf.set_font("Helvetica", size=7)
    pdf.set_xy(x0, y0)
    pdf.cell(w, 4, _latin1(o.name[:40]))
    top = y0 + 5
    pdf.set_fill_color(245, 247, 248)
    pdf.rect(x0, top, w, h, style="F")
    n = max(1, len(o.points))
    bw = w / n
    for i, p in enumerate(o.points):
        x = x0 + i * bw
        if p.compliance is None:
            pdf.set_fill_color(144, 164, 174)
            pdf.rect(x + bw * 0.2, top + h - 0.6, bw * 0.6, 0.6, style="F")
        else:
            ok = p.compliance >= goal
            pdf.set_fill_color(*((46, 125, 50) if ok else (198, 40, 40)))
            bar = h * p.compliance
            if bar > 0:
                pdf.rect(x + bw * 0.2, top + h - bar, bw * 0.6, bar, style="F")
        if n <= 6:
            pdf.set_xy(x, top + h)
            pdf.cell(bw, 3, _latin1(p.period.split("-")[-1]), align="C")
    pdf.set_line_width(0.3)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.line(x0, top + h * (1 - goal), x0 + w, top + h * (1 - goal))
    pdf.set_dash_pattern()


def render_review_pdf(r: ReviewReport) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    title = f"Service review {r.window.label}" + (f": {r.customer}" if r.customer else "")
    pdf.set_title(_latin1(title))
    pdf.set_author("Accord")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for k, v in rows.summary(r):
        pdf.cell(40, 5, _latin1(k))
        pdf.cell(0, 5, _latin1(v), new_x="LMARGIN", new_y="NEXT")
    for note in r.notes:
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4, _latin1(note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    _heading(pdf, "Attainment per objective")
    goal = r.targets.attainment
    per_row = 4
    for i, o in enumerate(r.objectives):
        col = i % per_row
        if col == 0:
            if pdf.get_y() > pdf.h - 45:
                pdf.add_page()
            y0 = pdf.get_y()
        _trend(pdf, o, goal, pdf.l_margin + col * 68.0, y0)
        if col == per_row - 1 or i == len(r.objectives) - 1:
            pdf.set_y(y0 + 34)
    _section(pdf, rows.objectives(r))
    _section(pdf, rows.contracts(r))

    _heading(pdf, "Recommended targets")
    _section(pdf, rows.targets(r))

    _heading(pdf, "What-if: adopting the recommended targets")
    if r.adoption is not None:
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4, _latin1(rows.candidate_label(r.adoption)), new_x="LMARGIN",
                       new_y="NEXT")  # fmt: skip
        _section(pdf, rows.whatif_groups(r.adoption, "Per objective"))
        _section(pdf, rows.whatif_credits(r.adoption))
    else:
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, _latin1(r.adoption_note or "No recommendation to adopt."),
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    if r.candidate is not None:
        _heading(pdf, "What-if: candidate configuration")
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4, _latin1("Candidate: " + rows.candidate_label(r.candidate)),
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        _section(pdf, rows.whatif_groups(r.candidate, "Per objective"))
        _section(pdf, rows.whatif_credits(r.candidate))

    _heading(pdf, "Capacity")
    sections = rows.capacity(r)
    for s in sections:
        _section(pdf, s)
    if not sections:
        pdf.set_font("Helvetica", size=9)
        why = f": {r.capacity_note}" if r.capacity_note else ""
        pdf.multi_cell(
            0, 5, _latin1(f"No capacity plan for this period{why}."), new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())
