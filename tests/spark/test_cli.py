"""The same command gives the same output locally and on Spark: ``accord sla`` (every record,
same bytes; Parquet partitioned by metric and month) and ``accord kpi``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from accord.cli.main import app
from tests.spark.test_compute import DEMO_CONFIG

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

AS_OF = "2026-11-18T15:30:00Z"


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_accord_sla_on_spark_writes_the_local_bytes(
    spark: SparkSession, demo_log: Path, tmp_path: Path
) -> None:
    base = ["sla", str(demo_log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "csv"]
    _run(*base, "-o", str(tmp_path / "local.csv"))
    _run(*base, "-o", str(tmp_path / "spark.csv"), "--engine", "spark")
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_accord_sla_on_spark_writes_parquet_by_metric_and_month(
    spark: SparkSession, demo_log: Path, tmp_path: Path
) -> None:
    out = tmp_path / "records"
    _run("sla", str(demo_log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "parquet",
         "-o", str(out), "--engine", "spark")  # fmt: skip
    metrics = {p.name for p in out.iterdir() if p.is_dir() and p.name.startswith("metric=")}
    assert "metric=first_response" in metrics
    months = {p.name for p in (out / "metric=first_response").iterdir()}
    assert months and all(m.startswith("month=2026-") for m in months)
    back = spark.read.parquet(str(out))
    local = tmp_path / "local.csv"
    _run("sla", str(demo_log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "csv",
         "-o", str(local))  # fmt: skip
    assert back.count() == len(local.read_text().splitlines()) - 1


def test_accord_kpi_on_spark_equals_the_local_output(spark: SparkSession, demo_log: Path) -> None:
    base = ["kpi", str(demo_log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "json",
            "--periods", "3"]  # fmt: skip
    local = json.loads(_run(*base))
    on_spark = json.loads(_run(*base, "--engine", "spark"))
    assert len(local) > 20
    assert on_spark == local
    by_team = [*base, "--by", "team", "--kpi", "sla_compliance", "--kpi", "backlog"]
    assert json.loads(_run(*by_team, "--engine", "spark")) == json.loads(_run(*by_team))
