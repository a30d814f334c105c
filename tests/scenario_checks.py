"""The worked scenarios of tests/scenarios: loading one, and checking a record against one of
its expectations. Shared by the reference-engine and batch-engine scenario tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.core.config.loader import load_config
from accord.core.config.resolved import Configuration
from accord.core.engine.attribution import Attribution
from accord.core.events import Event
from accord.core.records import MetricRecord
from accord.core.timeutil import parse_as_of, parse_duration
from accord.io.readers import read_events

SCENARIOS = Path(__file__).parent / "scenarios"
CASES = [
    pytest.param(d, i, check, id=f"{d.name}[{i}]")
    for d in sorted(p for p in SCENARIOS.iterdir() if p.is_dir())
    for i, check in enumerate(yaml.safe_load((d / "expect.yaml").read_text())["checks"])
]


def instant(v: Any) -> int:
    return parse_as_of(v if isinstance(v, str) else v.isoformat())


def load(folder: Path, check: dict[str, Any]) -> tuple[Configuration, list[Event], int]:
    """The scenario's configuration, its events (through the CLI's reader) and the as-of."""
    config = load_config(folder / "config.yaml")
    read = read_events(folder / "events.jsonl", status_category=config.status_category)
    assert not read.quarantined, [q.reason for q in read.quarantined]
    as_of = instant(check["as_of"]) if "as_of" in check else max(e.ts for e in read.events)
    return config, read.events, as_of


def assert_figures(records: Sequence[MetricRecord], check: dict[str, Any]) -> None:
    """The figures ``check`` expects of the metric it names, among ``records``."""
    mine = [r for r in records if r.metric == check["metric"]]
    if "cycles" in check:
        assert len(mine) == check["cycles"]
    rec = mine[check.get("cycle", 1) - 1]
    if "elapsed" in check:
        assert rec.business_elapsed == parse_duration(check["elapsed"])
    if "paused" in check:
        assert rec.paused_business == parse_duration(check["paused"])
    for key in ("due", "breached_at", "start"):
        if key in check:
            assert getattr(rec, key) == instant(check[key]), key
    if "state" in check:
        assert rec.state.value == check["state"]
    if "share_of_target" in check:
        assert rec.share_of_target == pytest.approx(check["share_of_target"])
    if "breached_by" in check:
        want = check["breached_by"]
        assert rec.breached_by == (None if want is None else parse_duration(want))
    for key in ("policy", "team"):
        if key in check:
            assert getattr(rec, key) == check[key], key


def assert_attribution(rows: Sequence[Attribution], check: dict[str, Any], dimension: str) -> None:
    """The time split by ``dimension`` that ``check`` expects of the cycle it names: the same
    holders, each with its elapsed and paused time to the second (``rows`` were computed
    with ``dimension`` as the only dimension)."""
    cycle = check.get("cycle", 1)
    got = {
        r.holder[0]: (r.business_elapsed, r.paused_business)
        for r in rows
        if r.metric == check["metric"] and r.cycle == cycle
    }
    want = {
        holder: (parse_duration(f["elapsed"]), parse_duration(f["paused"]))
        for holder, f in check["attribution"][dimension].items()
    }
    assert got == want
