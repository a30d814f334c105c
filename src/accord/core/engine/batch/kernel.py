"""The batch kernel: the events of a set of tickets in, their metric records out.

A pure function of (events table, configuration, as-of instant), like the reference engine,
and equal to it figure for figure. Because every ticket is computed on its own, any split of
the tickets (by a hash of ``ticket_id``) gives the same records: the kernel runs on one
partition in one process, on several local processes (:func:`.parallel.compute_batch`), or
inside Spark (``mapInArrow`` / ``applyInArrow`` over tickets partitioned by ``ticket_id``).
"""

from __future__ import annotations

import pyarrow as pa

from accord.core.config.resolved import Configuration
from accord.core.engine.batch import timeline
from accord.core.engine.batch.assemble import MetricPart, assemble, order_key
from accord.core.engine.batch.conditions import Matcher
from accord.core.engine.batch.cycles import run_clock
from accord.core.engine.batch.judge import judge
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.engine.clocks import clock_for
from accord.core.timeutil import Instant


def compute_partition(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    decoded: timeline.Decoded | None = None,
) -> pa.Table:
    """The metric records (:data:`RECORDS_SCHEMA`) of every ticket in ``events`` at ``as_of``,
    ordered by ticket, metric and cycle as the reference engine orders them.

    ``events`` is an events table (:mod:`accord.core.engine.batch.schema`) holding *all* the
    events of its tickets. ``explanation`` is left empty (``"[]"``); the reference engine
    explains one ticket on demand. ``decoded``: codes of dictionary columns of ``events`` that
    the caller has already (see :func:`.timeline.build`).
    """
    metrics = [m for m in config.metric_names() if clock_for(m, config.metrics) is not None]
    if events.num_rows == 0 or not metrics:
        return RECORDS_SCHEMA.empty_table()
    tl = timeline.build(events, config, as_of, metrics, decoded)
    if tl.n == 0:
        return RECORDS_SCHEMA.empty_table()
    match = Matcher(tl)
    parts: list[MetricPart] = []
    for metric in metrics:
        clock = clock_for(metric, config.metrics)
        assert clock is not None
        cycles = run_clock(tl, metric, clock, match)
        keep = cycles.first_measured < tl.n
        if not keep.any():
            continue
        judged = judge(tl, metric, cycles, keep, as_of)
        parts.append(MetricPart(metric, judged, order_key(tl, metric, cycles.first_measured)))
    return assemble(tl, parts, as_of)
