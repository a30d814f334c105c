"""Every worked scenario (tests/scenarios) through the batch engine: the expected figures, and
the reference engine's records one for one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.core.config.loader import load_config
from accord.core.engine import compute
from accord.core.engine.batch import compute_batch, events_to_table, records_from_table
from accord.core.timeutil import parse_as_of, parse_duration
from accord.io.readers import read_events

SCENARIOS = Path(__file__).parents[2] / "scenarios"
CASES = [
    pytest.param(d, i, check, id=f"{d.name}[{i}]")
    for d in sorted(p for p in SCENARIOS.iterdir() if p.is_dir())
    for i, check in enumerate(yaml.safe_load((d / "expect.yaml").read_text())["checks"])
]


def _instant(v: Any) -> int:
    return parse_as_of(v if isinstance(v, str) else v.isoformat())


@pytest.mark.parametrize(("folder", "index", "check"), CASES)
def test_batch_engine_gives_the_worked_scenario_figures(
    folder: Path, index: int, check: dict[str, Any]
) -> None:
    config = load_config(folder / "config.yaml")
    read = read_events(folder / "events.jsonl", status_category=config.status_category)
    as_of = _instant(check["as_of"]) if "as_of" in check else max(e.ts for e in read.events)
    every = records_from_table(compute_batch(events_to_table(read.events), config, as_of))
    assert every == compute(read.events, config, as_of)
    records = [r for r in every if r.metric == check["metric"]]
    if "cycles" in check:
        assert len(records) == check["cycles"]
    rec = records[check.get("cycle", 1) - 1]
    if "elapsed" in check:
        assert rec.business_elapsed == parse_duration(check["elapsed"])
    if "paused" in check:
        assert rec.paused_business == parse_duration(check["paused"])
    for key in ("due", "breached_at", "start"):
        if key in check:
            assert getattr(rec, key) == _instant(check[key]), key
    if "state" in check:
        assert rec.state.value == check["state"]
    if "share_of_target" in check:
        assert rec.share_of_target == pytest.approx(check["share_of_target"])
    if "breached_by" in check:
        want = check["breached_by"]
        assert rec.breached_by == (None if want is None else parse_duration(want))
    if "policy" in check:
        assert rec.policy == check["policy"]
