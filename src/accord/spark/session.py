"""A SparkSession as Accord needs it, and the check that Spark can run here at all."""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING

from accord.errors import AccordError, InputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[2]"
LOCAL_DRIVER_MEMORY = "3g"
"""The JVM heap on ``local[…]``, where the driver and the executors share one JVM: Spark's
default of 1 GiB is too small for the shuffle and Arrow exchange of ten million events (the
job then dies with "SparkContext was shut down"). ``ACCORD_SPARK_DRIVER_MEMORY`` or
``spark.driver.memory`` in the Spark configuration overrides it."""
ARROW_BATCH_ROWS = 1_000
"""Rows per Arrow batch between the JVM and the Python workers (both ways: Accord's functions
also slice their output to this size), so that no single batch holds a whole file. Small: the
JVM's cost of writing a list column (``cleared``) into a batch grows with the batch's size
(handing a million events' kernel columns to Python took 8.6 s of JVM CPU in batches of
10,000 rows, 2.5 s in batches of 1,000, 62 s in batches of 100,000)."""


_STOPPED = "SparkContext was shut down"


def spark_failure(e: BaseException) -> AccordError | None:
    """What to tell the user when Spark itself fails during a run (``None``: ``e`` is not
    Spark's). A Py4J or PySpark error carries the JVM's whole stack trace; its first line
    says what failed. A context shut down in the middle of a job is, on ``local[…]``, most
    often the shared JVM out of heap (the cause is in the JVM's log above the error): 100
    million events on ``local[2]`` needed 8 GiB with the settings of this module."""
    module = type(e).__module__ or ""
    if not module.startswith(("py4j", "pyspark")):
        return None
    text = str(e)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # a Py4JJavaError's first line names the call; the Java exception follows
    first = next((line for line in lines if not line.startswith("An error occurred")), "")
    first = first.lstrip(": ")
    message = f"Spark failed: {first[:300] or type(e).__name__}"
    if _STOPPED in text or "OutOfMemoryError" in text:
        message += (
            "\n    hint: the JVM stopped, most often out of heap (look for OutOfMemoryError in "
            "the log above); on local[…] raise ACCORD_SPARK_DRIVER_MEMORY (default "
            f"{LOCAL_DRIVER_MEMORY}; 100 million events on local[2] needed 8g), on a cluster "
            "spark.executor.memory"
        )
    return AccordError(message)


def spark_missing() -> str | None:
    """Why Spark cannot run in this environment (``None`` when it can): pyspark (and pandas,
    which its Arrow functions need) importable, and a Java runtime to start the JVM."""
    try:
        import pandas  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        return f"{e.name} is not installed: pip install 'accord[spark]'"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))) and not (
        shutil.which("java")
    ):
        return "no Java runtime (java on PATH or JAVA_HOME): PySpark needs Java 17 or later"
    return None


def session(
    master: str | None = None,
    *,
    app_name: str = "accord",
    shuffle_partitions: int | None = None,
) -> SparkSession:
    """The active SparkSession, or a new one on ``master`` (default: the master
    ``spark-submit`` gave, else ``local[2]``).

    Set for Accord: the session time zone is UTC (records hold instants, never wall-clock
    times), and the executors run this interpreter (``sys.executable``: the virtualenv with
    Accord installed) unless ``PYSPARK_PYTHON`` already names one. On a cluster, install the
    wheel on every node and point ``spark.pyspark.python`` at that environment instead
    (``docs/spark.md``).
    """
    why = spark_missing()
    if why is not None:
        raise InputError(f"cannot run on Spark: {why}")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master is None and not SparkConf().contains("spark.master"):
        master = DEFAULT_MASTER  # not under spark-submit: this machine
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            # the executors are this machine's processes: this virtualenv's Python
            builder = builder.config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
            builder = builder.config("spark.ui.enabled", "false")
            if not SparkConf().contains("spark.driver.memory"):
                memory = os.environ.get("ACCORD_SPARK_DRIVER_MEMORY", LOCAL_DRIVER_MEMORY)
                builder = builder.config("spark.driver.memory", memory)
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    if not SparkConf().contains("spark.ui.showConsoleProgress"):
        # Accord's commands show each phase's Spark tasks themselves (accord.cli.spark_progress)
        builder = builder.config("spark.ui.showConsoleProgress", "false")
    builder = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(ARROW_BATCH_ROWS))
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    spark = builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    return spark
