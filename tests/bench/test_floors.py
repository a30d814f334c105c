"""bench/anchors/floors.py times a floor for every stage of Accord's run after reading
(which has its own, pyarrow's decoding), so that the end-to-end bench can put each stage's
time beside the least work it could take."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from bench.anchors.floors import stage_floors
from bench.gen_events import SIMPLE_END, generate_simple

from accord.core.config.loader import load_config
from accord.core.engine.batch import compute_batch
from accord.core.engine.batch.stages import STAGES
from accord.io.columnar import read_columnar

CONFIG = Path(__file__).resolve().parents[2] / "bench" / "simple_config"


@pytest.fixture(scope="module")
def floors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[float]]:
    path = tmp_path_factory.mktemp("floors") / "events.parquet"
    pq.write_table(generate_simple(5_000, seed=3).table, path)
    cfg = load_config(CONFIG)
    read = read_columnar([path], status_category=cfg.status_category)
    records = compute_batch(read.events, cfg, SIMPLE_END)
    return stage_floors(str(path), SIMPLE_END, records, cfg.status_category)


def test_every_stage_after_reading_has_a_floor(floors: dict[str, list[float]]) -> None:
    stages = [k for k in floors if k in STAGES]
    assert stages == list(STAGES[1:])
    # and the one extra figure: making the regrouping's order
    assert set(floors) - set(STAGES) == {"regrouping (order)"}


def test_each_floor_is_a_wall_and_a_cpu_time(floors: dict[str, list[float]]) -> None:
    for name, (wall, cpu) in floors.items():
        assert math.isfinite(wall) and wall >= 0, name
        assert math.isfinite(cpu) and cpu >= 0, name
