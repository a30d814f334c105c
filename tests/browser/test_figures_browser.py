"""KPI tiles as people read them: a label (never a raw id), the value in its unit, the period
it is for, the comparison with the period before and the target, the band in words, and a
legend; the demo's targets put tiles in every band."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import Served, shot, sign_in


def test_kpi_tiles_say_what_when_how_they_compare_and_their_band(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, served.read_token, viewport={"width": 1440, "height": 900})
    page.wait_for_selector("#kpis .tile", timeout=120_000)
    tiles = page.locator("#kpis .tile")
    headings = tiles.locator("h3").all_inner_texts()
    assert "First response, median" in headings and "SLA compliance" in headings
    assert not [h for h in headings if "_" in h]  # labels, not ids
    backlog = page.locator("#kpis .tile[data-kpi=backlog]")
    text = backlog.inner_text()
    assert re.search(r"^\d[\d,]*$", backlog.locator(".value").inner_text())  # a whole count
    assert re.search(r"\d{4}-W\d{2} \(", text)  # the week it is for, with its dates
    assert "target ≤ 120" in text and "against the period before" in text
    forecast = re.search(r"Forecast for the whole period: ([\d,.]+)", text)
    assert forecast is None or "." not in forecast.group(1)  # counts forecast whole
    duration = page.locator("#kpis .tile[data-kpi=first_response_median] .value").inner_text()
    assert re.fullmatch(r"(\d+ d|\d+ h|\d+ min|\d+ s)( \d+ (h|min))?", duration), duration
    # the demo's targets and bands (demo/config/kpis.yaml) put tiles in every band
    bands = {
        b for b in ("green", "amber", "red") if page.locator(f"#kpis .tile.band-{b}").count() > 0
    }
    assert bands == {"green", "amber", "red"}
    legend = page.inner_text(".legend")
    assert "on target" in legend and "near target" in legend and "off target" in legend
    shot(page, "overview-1440")
    page.context.close()
