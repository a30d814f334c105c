"""On the three public logs, with their documented policies, Spark's records equal the local
batch engine's (skipped only when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from accord.core.config.loader import load_config
from accord.core.engine.batch import compute_batch, events_to_table
from accord.core.events import Event
from accord.io.importers import ImportRun, open_import
from accord.io.writers import write_events
from tests.realdata._data import BPIC, CONFIGS, HELPDESK, UCI, needs_data
from tests.realdata.test_batch_equals_reference_on_real_logs import (
    BPIC_AS_OF,
    HELPDESK_AS_OF,
    UCI_AS_OF,
)
from tests.spark._compare import assert_same_records

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = needs_data


def _same(spark: SparkSession, events: list[Event], config: str, as_of: int, tmp: Path) -> None:
    from accord.spark import compute_records, records_table

    cfg = load_config(CONFIGS / config)
    path = tmp / "events.parquet"
    write_events(path, events)
    expected = compute_batch(events_to_table(events), cfg, as_of, agreements=True)
    got = records_table(compute_records(spark, str(path), cfg, as_of, partitions=4))
    assert got.num_rows > 1_000
    assert_same_records(got, expected)


def test_uci_servicenow_log_on_spark(
    spark: SparkSession, uci_import: tuple[list[Event], ImportRun], tmp_path: Path
) -> None:
    _same(spark, uci_import[0], "uci/sla", UCI_AS_OF, tmp_path)


def test_bpic2013_volvo_log_on_spark(spark: SparkSession, tmp_path: Path) -> None:
    _same(spark, list(open_import(BPIC, "bpic2013").events()), "bpic2013/sla", BPIC_AS_OF, tmp_path)


def test_italian_helpdesk_log_on_spark(spark: SparkSession, tmp_path: Path) -> None:
    events = list(open_import(HELPDESK, "process-mining", mapping="helpdesk-italian").events())
    _same(spark, events, "helpdesk/sla", HELPDESK_AS_OF, tmp_path)


@pytest.fixture(scope="module")
def uci_import() -> tuple[list[Event], ImportRun]:
    # the same import as tests/realdata's fixture (which lives in that folder's conftest)
    run = open_import(UCI, "servicenow", source_tz="America/Sao_Paulo")
    return list(run.events()), run
