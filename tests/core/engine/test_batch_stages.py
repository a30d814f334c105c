"""The stage marks of a batch run (accord.core.engine.batch.stages): a listener hears every
stage of a Parquet read and a computation, in the order of the work, and nothing is heard
(nor changed) without one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from accord.core.config.loader import load_config
from accord.core.engine.batch import compute_batch
from accord.core.engine.batch.stages import STAGES, listening, mark
from accord.demo.generate import generate_events
from accord.io.columnar import read_columnar
from accord.io.writers import write_events

DEMO_CONFIG = Path(__file__).parents[3] / "src" / "accord" / "demo" / "config"
END = datetime(2026, 6, 30, 18, tzinfo=UTC)


def test_a_listener_hears_every_stage_in_the_order_of_the_work(tmp_path: Path) -> None:
    config = load_config(DEMO_CONFIG)
    path = tmp_path / "events.parquet"
    write_events(path, generate_events(seed=5, end=END, tickets=60))
    heard: list[str] = []
    with listening(heard.append):
        read = read_columnar([path], status_category=config.status_category)
        # partitions of 200 events: the regrouping runs, and each stage comes once a partition
        records = compute_batch(read.events, config, int(END.timestamp()), chunk_events=200)
    assert records.num_rows > 0
    assert set(heard) == set(STAGES)
    firsts = sorted(set(heard), key=heard.index)
    assert firsts == list(STAGES)
    assert heard.count("layout") == -(-read.events.num_rows // 200)


def test_without_a_listener_marks_are_heard_by_nobody() -> None:
    heard: list[str] = []
    mark("kernel")
    with listening(heard.append):
        mark("kernel")
    mark("kernel")
    assert heard == ["kernel"]


def test_an_inner_listener_gives_the_outer_one_back() -> None:
    outer: list[str] = []
    inner: list[str] = []
    with listening(outer.append):
        with listening(inner.append):
            mark("layout")
        mark("assembly")
    assert (outer, inner) == (["assembly"], ["layout"])
