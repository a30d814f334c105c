"""The statement PDF: the objectives table is not painted with the chart's last bar colour
(the fill colour is the document's state, and the chart leaves it at its last bar's)."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from accord.reports.model import Objective, Statement
from accord.reports.pdf import render_pdf

WHITE, GREY = (1.0, 1.0, 1.0), (0.9255, 0.9373, 0.9451)
_RG = re.compile(r"([\d.]+) ([\d.]+) ([\d.]+) rg")


def _table_fills(stream: str) -> list[tuple[float, ...]]:
    """The fill colour of every filled rectangle drawn from the table's first heading on,
    following the graphics state through q/Q."""
    fill: tuple[float, ...] = (0.0, 0.0, 0.0)
    saved: list[tuple[float, ...]] = []
    out: list[tuple[float, ...]] = []
    in_table = False
    for line in stream.splitlines():
        for part in re.split(r"(?<=\bQ)\s|\s(?=q\b)", line):
            if part.startswith("q"):
                saved.append(fill)
            for m in _RG.finditer(part):
                fill = tuple(float(x) for x in m.groups())
            if "(Objective)" in part:
                in_table = True
            if in_table and re.search(r"\bre [Bf]\b", part):
                out.append(fill)
            if part.rstrip().endswith("Q") and saved:
                fill = saved.pop()
    return out


def _objective(name: str, met: bool | None) -> Objective:
    return Objective(name, 95.0, 90, 100, 90.0, "5 / 2 / 3", "-", (), met)


@pytest.mark.parametrize("last_met", [True, False, None])
def test_the_objectives_table_is_not_filled_with_the_last_bars_colour(
    last_met: bool | None,
) -> None:
    s = Statement(
        "acme", "2026-10", "USD", 1000.0, (_objective("a", True), _objective("b", last_met))
    )
    page = pypdf.PdfReader(io.BytesIO(render_pdf(s))).pages[0]
    stream = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
    fills = _table_fills(stream)
    assert len(fills) >= 7 * 2  # two objectives, seven columns each (and the heading row)
    assert set(fills) <= {WHITE, GREY}, set(fills)
