"""The worked scenarios of DESIGN §3, in Accord's own formats (tests/scenarios/*)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.core.engine import attribute, compute
from tests.scenario_checks import CASES, SCENARIOS, assert_attribution, assert_figures, load


@pytest.mark.parametrize(("folder", "index", "check"), CASES)
def test_scenario_figures_match_the_worked_example(
    folder: Path, index: int, check: dict[str, Any]
) -> None:
    config, events, as_of = load(folder, check)
    # internal agreements too: their records have metrics of their own (ola:<name>)
    assert_figures(compute(events, config, as_of, agreements=True), check)
    for dimension in check.get("attribution", {}):
        _, rows = attribute(events, config, as_of, [dimension], agreements=True)
        assert_attribution(rows, check, dimension)


def test_every_scenario_folder_has_checks() -> None:
    folders = [p for p in SCENARIOS.iterdir() if p.is_dir()]
    assert len(folders) >= 13
    for d in folders:
        assert yaml.safe_load((d / "expect.yaml").read_text())["checks"], d.name
