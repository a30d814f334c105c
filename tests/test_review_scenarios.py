"""The worked review scenarios (tests/review_scenarios/*): what-if and recommended targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.core.engine.batch import compute_batch
from accord.core.review.candidate import load_candidate, load_setup
from accord.core.review.targets import parse_grid, recommend
from accord.core.review.whatif import run_whatif
from accord.core.timeutil import format_duration, parse_as_of
from accord.io.columnar import read_columnar

FOLDERS = sorted(p for p in (Path(__file__).parent / "review_scenarios").iterdir() if p.is_dir())


def _expect(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((folder / "expect.yaml").read_text())
    return data


def _instant(v: Any) -> int:
    return parse_as_of(v if isinstance(v, str) else v.isoformat().replace("+00:00", "Z"))


@pytest.mark.parametrize("folder", [f for f in FOLDERS if (f / "candidate.yaml").exists()],
                         ids=lambda f: f.name)  # fmt: skip
def test_what_if_scenario(folder: Path) -> None:
    want = _expect(folder)
    current = load_setup(folder / "config.yaml")
    candidate = load_candidate(folder / "config.yaml", folder / "candidate.yaml")
    read = read_columnar([folder / "events.jsonl"], status_category=current.config.status_category)
    assert not read.quarantined
    got = run_whatif(read.events, current, candidate, _instant(want["as_of"]), by=want["by"])
    groups = {"/".join(str(v) for v in g.key.values()): g for g in got.groups}
    assert set(groups) == set(want["groups"])
    for key, expect in want["groups"].items():
        group = groups[key]
        for side in ("current", "candidate"):
            figures = getattr(group, side).to_json()
            for name, value in expect[side].items():
                assert figures[name] == value, (key, side, name)
        assert sorted(c.ticket_id for c in group.changed) == sorted(expect["changed"])


@pytest.mark.parametrize("folder", [f for f in FOLDERS if not (f / "candidate.yaml").exists()],
                         ids=lambda f: f.name)  # fmt: skip
def test_recommended_targets_scenario(folder: Path) -> None:
    want = _expect(folder)
    current = load_setup(folder / "config.yaml")
    read = read_columnar([folder / "events.jsonl"], status_category=current.config.status_category)
    as_of = _instant(want["as_of"])
    records = compute_batch(read.events, current.config, as_of)
    got = recommend(
        records,
        as_of,
        attainment=want["attainment"],
        periods=want["periods"],
        grain=want["grain"],
        grid=parse_grid(want["grid"]),
    )
    by_metric = {g.key["metric"]: g for g in got.groups}
    for metric, expect in want["targets"].items():
        group = by_metric[metric]
        rec = expect["recommended"]
        assert group.recommended == (None if rec is None else parse_grid([rec])[0]), group.reason
        if "at_least" in expect:
            assert group.at_least is not None
            assert format_duration(group.at_least) == expect["at_least"]
