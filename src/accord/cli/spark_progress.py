"""Progress of the work a command hands to Spark: each phase counts the tasks of the Spark jobs
it starts (done of total, as Spark's scheduler reports them), since the events and records
themselves are only counted once they have been computed.

The phase's jobs are found by a job group set for the phase on the calling thread (PySpark
pins a Python thread to its JVM thread, so the group follows the jobs that thread starts);
a daemon thread reads Spark's status tracker every half second and moves the phase on.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from accord.cli.progress import Phase, Progress

POLL = 0.5
"""Seconds between two readings of Spark's status tracker."""


def task_counts(tracker: Any, group: str) -> tuple[int, int]:
    """Tasks done and tasks in all, over the stages of the jobs of ``group`` that Spark knows."""
    done = total = 0
    for job in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job)
        if info is None:
            continue
        for stage_id in info.stageIds:
            stage = tracker.getStageInfo(stage_id)
            if stage is not None:
                done += stage.numCompletedTasks
                total += stage.numTasks
    return done, total


@contextmanager
def spark_phase(progress: Progress, spark: Any, name: str) -> Iterator[Phase]:
    """A phase of ``progress`` counting the tasks of the Spark jobs run inside the block."""
    context = spark.sparkContext
    group = f"accord-{uuid.uuid4().hex}"
    context.setJobGroup(group, name)
    stop = threading.Event()
    with progress.phase(name, None, "tasks") as phase:

        def follow() -> None:
            tracker = context.statusTracker()
            while not stop.wait(POLL):
                done, total = task_counts(tracker, group)
                if total:
                    phase.update(done, total)

        poller = threading.Thread(target=follow, name="accord-spark-progress", daemon=True)
        poller.start()
        try:
            yield phase
        finally:
            stop.set()
            poller.join()
            done, total = task_counts(context.statusTracker(), group)
            phase.update(done, total or None)
            context.setJobGroup("", "")  # later jobs belong to no phase
