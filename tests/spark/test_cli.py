"""The same command gives the same output locally and on Spark: ``accord sla`` (every record,
same bytes; Parquet partitioned by metric and month) and ``accord kpi``."""

from __future__ import annotations

import json
import shutil
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


AGREEMENTS = """\
agreements:
  platform-response:
    while: {team: platform}
    calendar: support-eu
    targets: 4h
    underpins: resolution
  eu-desk:
    while: {team: support-eu}
    categories: [open, pending]
    calendar: support-eu
"""


def test_accord_sla_on_spark_gives_the_agreements_and_the_breakdown_of_the_local_run(
    spark: SparkSession, demo_log: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEMO_CONFIG, config)
    (config / "agreements.yaml").write_text(AGREEMENTS)
    base = ["sla", str(demo_log), "-c", str(config), "--as-of", AS_OF, "-f", "csv",
            "--breakdown", "team,status,region"]  # fmt: skip
    _run(*base, "-o", str(tmp_path / "local.csv"))
    _run(*base, "-o", str(tmp_path / "spark.csv"), "--engine", "spark")
    local = (tmp_path / "local.csv").read_text()
    assert ",ola:platform-response," in local and ",ola:eu-desk," in local
    assert (tmp_path / "spark.csv").read_text() == local
    rows = (tmp_path / "local.breakdown.csv").read_text()
    assert len(rows.splitlines()) > 100
    assert (tmp_path / "spark.breakdown.csv").read_text() == rows


def test_accord_sla_on_spark_refuses_a_breakdown_of_an_incremental_run(
    demo_log: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, [
        "sla", str(demo_log), "-c", str(DEMO_CONFIG), "--as-of", AS_OF, "-f", "parquet",
        "-o", str(tmp_path / "new"), "--engine", "spark", "--since-records", str(tmp_path / "old"),
        "--breakdown", "team", "--breakdown-out", str(tmp_path / "b.csv"),
    ])  # fmt: skip
    assert result.exit_code == 2
    assert "--since-records" in result.output


def test_accord_sla_on_spark_writes_the_quarantine_next_to_the_output(
    spark: SparkSession, demo_log: Path, tmp_path: Path
) -> None:
    from accord.io.quarantine import read_quarantine

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"event_id": "b1", "ticket_id": "B", "ts": "not a time", "kind": "created"}\n{broken\n'
    )
    out = tmp_path / "spark"
    _run("sla", str(demo_log), str(bad), "-c", str(DEMO_CONFIG), "--as-of", AS_OF,
         "-f", "parquet", "-o", str(out), "--engine", "spark")  # fmt: skip
    _run("sla", str(demo_log), str(bad), "-c", str(DEMO_CONFIG), "--as-of", AS_OF,
         "-f", "csv", "-o", str(tmp_path / "local.csv"),
         "--quarantine", str(tmp_path / "local.q.jsonl"))  # fmt: skip
    on_spark = read_quarantine(tmp_path / "spark.quarantine.jsonl")
    local = read_quarantine(tmp_path / "local.q.jsonl")
    assert len(on_spark) == 2
    assert [(q.source, q.row, q.reason) for q in on_spark] == [
        (q.source, q.row, q.reason) for q in local
    ]
