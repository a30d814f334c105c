"""The review report as one self-contained HTML page (inline CSS, inline SVG trend charts)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from accord.core.review.report import ObjectiveTrend, ReviewReport
from accord.core.timeutil import format_duration
from accord.reports import review_rows as rows

_env = Environment(
    loader=PackageLoader("accord.reports", "templates"),
    autoescape=select_autoescape(["html"]),
)
_W, _H, _PAD_L, _PAD_B = 300, 140, 36, 26


def trend_svg(o: ObjectiveTrend, goal: float) -> Markup:
    """Compliance per month or week as a line (0-100 %), the goal dashed; a month without
    judged clocks leaves a gap. Labelled for screen readers (the table carries the figures)."""
    n = len(o.points)
    plot_w, plot_h = _W - _PAD_L - 8, _H - _PAD_B - 8

    def x(i: int) -> float:
        return _PAD_L + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return 8 + plot_h * (1 - v)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" aria-label="Compliance of {escape(o.name)} per period">',
        f'<rect x="{_PAD_L}" y="8" width="{plot_w}" height="{plot_h}" fill="#f5f7f8"/>',
        f'<text x="{_PAD_L - 4}" y="12" font-size="10" text-anchor="end">100%</text>',
        f'<text x="{_PAD_L - 4}" y="{8 + plot_h}" font-size="10" text-anchor="end">0%</text>',
        f'<line x1="{_PAD_L}" x2="{_PAD_L + plot_w}" y1="{y(goal):.1f}" y2="{y(goal):.1f}" '
        'stroke="#546e7a" stroke-dasharray="4 3"/>',
    ]
    segment: list[str] = []
    for i, p in enumerate(o.points):
        label = p.period.split("-")[-1]
        parts.append(
            f'<text x="{x(i):.1f}" y="{_H - 8}" font-size="10" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
        if p.compliance is None:
            if len(segment) > 1:
                parts.append(_line(segment))
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(p.compliance):.1f}")
        colour = "#2e7d32" if p.compliance >= goal else "#c62828"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.compliance):.1f}" r="3" fill="{colour}">'
            f"<title>{escape(p.period)}: {rows.share(p.compliance)} of {p.judged:,}</title>"
            "</circle>"
        )
    if len(segment) > 1:
        parts.append(_line(segment))
    parts.append("</svg>")
    return Markup("".join(parts))


def _line(points: list[str]) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="#1565c0" stroke-width="2"/>'


def render_review_html(r: ReviewReport) -> str:
    adoption = r.adoption
    cand = r.candidate
    return _env.get_template("review_report.html").render(
        r=r,
        summary=rows.summary(r),
        goal=f"{r.targets.attainment * 100:g} %",
        charts=[(o, trend_svg(o, r.targets.attainment)) for o in r.objectives],
        objectives=rows.objectives(r),
        contracts=rows.contracts(r),
        targets=rows.targets(r),
        adoption=None if adoption is None else rows.whatif_groups(adoption, "Per objective"),
        adoption_credits=None if adoption is None else rows.whatif_credits(adoption),
        adoption_label=None if adoption is None else rows.candidate_label(adoption),
        candidate=None if cand is None else rows.whatif_groups(cand, "Per objective"),
        candidate_credits=None if cand is None else rows.whatif_credits(cand),
        candidate_label=None if cand is None else rows.candidate_label(cand),
        capacity=rows.capacity(r),
        capacity_target=format_duration(r.capacity_options.target),
    )
