"""Every worked scenario (tests/scenarios) through the batch engine: the expected figures, and
the reference engine's records one for one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accord.core.engine import compute
from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
from tests.scenario_checks import CASES, assert_figures, load


@pytest.mark.parametrize(("folder", "index", "check"), CASES)
def test_batch_engine_gives_the_worked_scenario_figures(
    folder: Path, index: int, check: dict[str, Any]
) -> None:
    config, events, as_of = load(folder, check)
    every = records_from_table(compute_batch(events_to_table(events), config, as_of))
    assert every == compute(events, config, as_of)
    assert_figures(every, check)
