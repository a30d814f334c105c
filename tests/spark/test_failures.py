"""Spark's own failures reach the user as one Accord error with a hint, never as a JVM stack
trace; anything else passes through unchanged. No JVM needed: the errors are built by hand
with the modules PySpark's carry."""

from __future__ import annotations

import pytest

from accord.cli.spark_run import spark_errors
from accord.errors import AccordError, InputError
from accord.spark.session import LOCAL_DRIVER_MEMORY, spark_failure


def _spark_error(module: str, text: str) -> Exception:
    cls = type("Py4JJavaError", (Exception,), {"__module__": module})
    return cls(text)


STOPPED = (
    "An error occurred while calling o20695.collectToPython.\n"
    ": org.apache.spark.SparkException: Job 308 cancelled because SparkContext was shut down\n"
    "\tat org.apache.spark.scheduler.DAGScheduler.cleanUpAfterSchedulerStop(DAGScheduler.scala)\n"
)


def test_a_context_shut_down_mid_job_names_the_heap_setting() -> None:
    failure = spark_failure(_spark_error("py4j.protocol", STOPPED))
    assert isinstance(failure, AccordError)
    first, hint = failure.message.split("\n", 1)
    assert first == (
        "Spark failed: org.apache.spark.SparkException: Job 308 cancelled because "
        "SparkContext was shut down"
    )
    assert "ACCORD_SPARK_DRIVER_MEMORY" in hint and LOCAL_DRIVER_MEMORY in hint
    assert "DAGScheduler" not in failure.message  # the stack trace stays in the log


def test_another_spark_failure_is_one_line_without_the_memory_hint() -> None:
    failure = spark_failure(
        _spark_error("pyspark.errors.exceptions.captured", "[PATH_NOT_FOUND] Path does not exist")
    )
    assert failure is not None
    assert failure.message == "Spark failed: [PATH_NOT_FOUND] Path does not exist"
    assert failure.exit_code == 1


def test_errors_that_are_not_sparks_are_not_translated() -> None:
    assert spark_failure(ValueError("SparkContext was shut down")) is None
    assert spark_failure(InputError("no event files given")) is None


def test_the_cli_wrapper_raises_the_accord_error_and_passes_others_through() -> None:
    @spark_errors
    def stopped() -> None:
        raise _spark_error("py4j.protocol", STOPPED)

    with pytest.raises(AccordError, match="Spark failed") as caught:
        stopped()
    assert caught.value.__cause__ is not None

    @spark_errors
    def refused() -> int:
        raise InputError("no event files given")

    with pytest.raises(InputError, match="no event files given"):
        refused()

    @spark_errors
    def fine(x: int) -> int:
        return x + 1

    assert fine(1) == 2
