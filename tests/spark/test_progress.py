"""The phases a command hands to Spark count the tasks of the Spark jobs they start."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from typer.testing import CliRunner

from accord.cli.main import app
from accord.cli.progress import Progress
from accord.cli.spark_progress import spark_phase
from tests.spark.test_compute import DEMO_CONFIG

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def test_a_spark_phase_counts_the_tasks_of_the_jobs_it_starts(spark: SparkSession) -> None:
    buf = io.StringIO()
    progress = Progress(console=Console(file=buf, force_terminal=False, width=200))
    with spark_phase(progress, spark, "counting on Spark") as phase:
        assert spark.sparkContext.parallelize(range(1000), 7).map(lambda x: x * 2).sum() > 0
    assert (phase.done, phase.total) == (7, 7)
    assert buf.getvalue().splitlines()[-1].startswith("counting on Spark: 7 tasks in ")


def test_a_spark_phase_does_not_count_jobs_started_before_it(spark: SparkSession) -> None:
    spark.sparkContext.parallelize(range(10), 5).count()
    progress = Progress(quiet=True)
    with spark_phase(progress, spark, "one job") as phase:
        spark.sparkContext.parallelize(range(10), 3).count()
    assert (phase.done, phase.total) == (3, 3)


def test_accord_sla_on_spark_prints_its_phases_and_none_with_quiet(
    spark: SparkSession, demo_log: Path
) -> None:
    args = ["sla", str(demo_log), "-c", str(DEMO_CONFIG), "--as-of", "2026-11-18T15:30:00Z"]
    args += ["--engine", "spark", "-f", "csv"]
    loud = CliRunner().invoke(app, args)
    assert loud.exit_code == 0, loud.output
    lines = loud.stderr.splitlines()
    assert any(line.startswith("starting Spark: ") for line in lines), loud.stderr
    assert any(line.startswith("computing on Spark: ") and " tasks in " in line for line in lines)
    quiet = CliRunner().invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stdout == loud.stdout
    assert not any("Spark: " in line for line in quiet.stderr.splitlines())
