"""The statement as PDF with fpdf2 (pure Python: nothing to install beyond pip).

The built-in PDF fonts cover Latin-1 only, so text is folded to it (a dash for an en dash, a
question mark for anything else) rather than shipping a font file."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.fonts import FontFace

from accord.reports.model import Statement, money, percent

_FOLD = {"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "≥": ">="}


# the objectives table's heading row: bold on the light grey of the chart's empty bars
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(236, 239, 241))


def _latin1(text: str) -> str:
    for a, b in _FOLD.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def _chart(pdf: FPDF, s: Statement) -> None:
    """Bars of attainment per objective (0-100 %), a black tick at each target."""
    label_w, plot_w, bar_h = 60.0, 100.0, 6.0
    x0 = pdf.l_margin
    for o in s.objectives:
        y = pdf.get_y()
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(x0, y)
        pdf.cell(label_w - 2, bar_h, _latin1(o.name[:40]), align="R")
        pdf.set_fill_color(236, 239, 241)
        pdf.rect(x0 + label_w, y, plot_w, bar_h, style="F")
        share = max(0.0, min(100.0, o.attainment or 0.0))
        if o.met:
            pdf.set_fill_color(46, 125, 50)
        elif o.met is False:
            pdf.set_fill_color(198, 40, 40)
        else:
            pdf.set_fill_color(84, 110, 122)
        if share > 0:
            pdf.rect(x0 + label_w, y, plot_w * share / 100, bar_h, style="F")
        if o.target is not None:
            x = x0 + label_w + plot_w * o.target / 100
            pdf.set_line_width(0.6)
            pdf.line(x, y - 1, x, y + bar_h + 1)
        pdf.set_xy(x0 + label_w + plot_w + 2, y)
        pdf.cell(25, bar_h, _latin1(o.value_text or percent(o.attainment)))
        pdf.set_y(y + bar_h + 2)
    # the fill colour is the document's state: left at the last bar's, the table that follows
    # would paint its heading row with it
    pdf.set_fill_color(255, 255, 255)
    pdf.ln(2)


def render_pdf(s: Statement) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(_latin1(f"Service statement {s.customer} {s.period}"))
    pdf.set_author("Accord")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Service statement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    head = f"Customer: {s.customer}    Period: {s.period}"
    if s.fee is not None:
        head += f"    Fee: {money(s.fee, s.currency)}"
    pdf.cell(0, 6, _latin1(head), new_x="LMARGIN", new_y="NEXT")
    for note in s.notes:
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4, _latin1(note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Objectives", new_x="LMARGIN", new_y="NEXT")
    _chart(pdf, s)
    pdf.set_font("Helvetica", size=8)
    with pdf.table(
        col_widths=(48, 16, 22, 20, 40, 30, 14),
        text_align="LEFT",
        line_height=5,
        headings_style=_HEADINGS,
    ) as table:
        table.row(
            [
                "Objective",
                "Target",
                "Numerator / clocks",
                "Value",
                "Error budget",
                "Forecast",
                "Result",
            ]
        )
        for o in s.objectives:
            num = "-" if o.numerator is None else str(o.numerator)
            den = "-" if o.denominator is None else str(o.denominator)
            result = "met" if o.met else ("missed" if o.met is False else "-")
            table.row(
                [
                    _latin1(o.name),
                    _latin1(o.target_text or percent(o.target)),
                    f"{num} / {den}",
                    _latin1(o.value_text or percent(o.attainment)),
                    _latin1(o.budget or "-"),
                    _latin1(o.forecast or "-"),
                    result,
                ]
            )
    pdf.ln(3)

    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Breaches", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    any_breach = False
    for o in s.objectives:
        if o.breaches:
            any_breach = True
            line = f"{o.name} ({len(o.breaches)}): {', '.join(o.breaches)}"
            pdf.multi_cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    if not any_breach:
        pdf.cell(0, 5, "No breaches.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Service credits", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    if s.credits:
        for c in s.credits:
            pdf.cell(130, 5, _latin1(c.description))
            pdf.cell(0, 5, _latin1(money(c.amount, s.currency)), align="R")
            pdf.ln(5)
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(130, 6, "Total credit due")
        pdf.cell(0, 6, _latin1(money(s.credit_total, s.currency)), align="R")
        pdf.ln(6)
    else:
        tail = " (no contract configured)" if s.source == "compliance" else ""
        pdf.cell(0, 5, f"No service credits{tail}.", new_x="LMARGIN", new_y="NEXT")
    if s.computation:
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4, _latin1(s.computation), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
