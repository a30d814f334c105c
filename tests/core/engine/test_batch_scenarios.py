"""Every worked scenario (tests/scenarios) through the batch engine: the expected figures, and
the reference engine's records one for one (internal agreements and attribution too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accord.core.engine import attribute, compute
from accord.core.engine.attribution import attribution_from_table
from accord.core.engine.batch import (
    attribute_batch,
    compute_batch,
    events_to_table,
    records_from_table,
)
from tests.scenario_checks import CASES, assert_attribution, assert_figures, load


@pytest.mark.parametrize(("folder", "index", "check"), CASES)
def test_batch_engine_gives_the_worked_scenario_figures(
    folder: Path, index: int, check: dict[str, Any]
) -> None:
    config, events, as_of = load(folder, check)
    table = compute_batch(events_to_table(events), config, as_of, agreements=True)
    every = records_from_table(table)
    assert every == compute(events, config, as_of, agreements=True)
    assert_figures(every, check)
    for dimension in check.get("attribution", {}):
        got_records, got = attribute_batch(
            events_to_table(events), config, as_of, [dimension], agreements=True
        )
        rows = attribution_from_table(got)
        assert records_from_table(got_records) == every
        assert rows == attribute(events, config, as_of, [dimension], agreements=True)[1]
        assert_attribution(rows, check, dimension)
