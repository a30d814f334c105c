"""One SparkSession (``local[2]``, two shuffle partitions) for every Spark test of a run.

Outside CI a machine without Java or pyspark skips these tests, saying why; in CI (``CI``
set) that is a failure, so the Spark path can never go untested there unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from accord.spark.session import spark_missing

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def spark_or_skip() -> None:
    why = spark_missing()
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the Spark tests cannot run in CI: {why}")
    pytest.skip(f"Spark cannot run here: {why}")


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    spark_or_skip()
    from accord.spark import session

    s = session("local[2]", app_name="accord-tests", shuffle_partitions=2)
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A month of the demo helpdesk (400 tickets) as JSON Lines."""
    from datetime import UTC, datetime

    from accord.demo.generate import generate_events
    from accord.io.writers import write_events

    path = tmp_path_factory.mktemp("demo") / "events.jsonl"
    end = datetime(2026, 11, 25, 12, tzinfo=UTC)
    write_events(path, generate_events(seed=11, end=end, days=30, tickets=400))
    return path
