"""The statement as one self-contained HTML page (inline CSS and an inline SVG chart), so it
can be saved or e-mailed as it is."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from accord.reports.model import Statement, money, percent

_env = Environment(
    loader=PackageLoader("accord.reports", "templates"),
    autoescape=select_autoescape(["html"]),
)
_env.filters["money"] = money
_env.filters["percent"] = percent

_BAR_H = 22
_LABEL_W = 220
_PLOT_W = 360


def attainment_svg(statement: Statement) -> Markup:
    """Horizontal bars of attainment per objective, a tick at each target; labelled for
    screen readers (the table beside it carries the same figures)."""
    rows = statement.objectives
    height = max(1, len(rows)) * (_BAR_H + 8) + 24
    width = _LABEL_W + _PLOT_W + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="Attainment per objective, {escape(statement.period)}">'
    ]
    for i, o in enumerate(rows):
        y = 8 + i * (_BAR_H + 8)
        share = max(0.0, min(100.0, o.attainment or 0.0))
        colour = "#2e7d32" if o.met else ("#c62828" if o.met is False else "#546e7a")
        parts.append(
            f'<text x="{_LABEL_W - 8}" y="{y + _BAR_H - 6}" text-anchor="end" '
            f'font-size="12">{escape(o.name[:34])}</text>'
            f'<rect x="{_LABEL_W}" y="{y}" width="{_PLOT_W}" height="{_BAR_H}" fill="#eceff1"/>'
            f'<rect x="{_LABEL_W}" y="{y}" width="{_PLOT_W * share / 100:.1f}" '
            f'height="{_BAR_H}" fill="{colour}"><title>{escape(o.name)}: '
            f"{escape(o.value_text or percent(o.attainment))}</title></rect>"
            f'<text x="{_LABEL_W + _PLOT_W + 6}" y="{y + _BAR_H - 6}" '
            f'font-size="12">{escape(o.value_text or percent(o.attainment))}</text>'
        )
        if o.target is not None:
            x = _LABEL_W + _PLOT_W * o.target / 100
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" y2="{y + _BAR_H + 3}" '
                f'stroke="#000" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def render_html(statement: Statement) -> str:
    return _env.get_template("statement.html").render(s=statement, chart=attainment_svg(statement))
