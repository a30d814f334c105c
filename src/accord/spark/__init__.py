"""Accord on Apache Spark: the batch engine's records from events that live in a data lake.

- :func:`compute_records`: events (a DataFrame, or files Spark can read) in, a DataFrame of
  metric records out, with the local batch engine's columns in Spark types
  (:data:`~accord.spark.schema.SPARK_RECORDS_SCHEMA`), equal to it record for record;
- :func:`attribution_of`: where each record's time went (``accord sla --breakdown``);
- :func:`attribution_rows`: those rows collected as the local engine's attribution table;
- :func:`compute_kpis`: KPIs over a records DataFrame, aggregated by Spark SQL;
- :func:`read_events`: the events read and checked on the executors, with their quarantine;
- :func:`records_table`: a records DataFrame collected as the local engine's Arrow table;
- :func:`write_records`: records written as Parquet, partitioned by metric and month;
- :func:`update_records`: an incremental run over the records of a previous one;
- :func:`session`: a SparkSession set up as Accord needs it (UTC, the virtualenv's Python).

``pyspark`` (the optional dependency ``accord[spark]``) is imported only here; see
``docs/spark.md``.
"""

from accord.spark.compute import attribution_of, compute_records, records_of
from accord.spark.incremental import update_records
from accord.spark.kpi import compute_kpis
from accord.spark.output import (
    attribution_rows,
    records_table,
    write_quarantine_rows,
    write_records,
)
from accord.spark.read import SparkRead, read_events
from accord.spark.schema import SPARK_RECORDS_SCHEMA
from accord.spark.session import session

__all__ = [
    "SPARK_RECORDS_SCHEMA",
    "SparkRead",
    "attribution_of",
    "attribution_rows",
    "compute_kpis",
    "compute_records",
    "read_events",
    "records_of",
    "records_table",
    "session",
    "update_records",
    "write_quarantine_rows",
    "write_records",
]
