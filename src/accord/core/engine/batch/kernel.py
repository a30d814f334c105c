"""The batch kernel: the events of a set of tickets in, their metric records out.

A pure function of (events table, configuration, as-of instant), like the reference engine,
and equal to it figure for figure. Because every ticket is computed on its own, any split of
the tickets (by a hash of ``ticket_id``) gives the same records: the kernel runs on one
partition in one process, on several local processes (:func:`.parallel.compute_batch`), or
inside Spark (``mapInArrow`` / ``applyInArrow`` over tickets partitioned by ``ticket_id``).

Two things are computed only when asked for, so that they cost nothing otherwise: the
records of the internal agreements (``agreements=True``, :mod:`.agreements`) and the
attribution of every cycle's time to its holders (:func:`attribute_partition`,
:mod:`.attribute`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.core.agreements.models import Agreement
from accord.core.config.resolved import Configuration
from accord.core.engine.attribution import attribution_schema, check_dimensions
from accord.core.engine.batch import timeline
from accord.core.engine.batch.agreements import agreement_fields, run_agreement, with_agreements
from accord.core.engine.batch.assemble import (
    MetricPart,
    agreement_order_key,
    assemble,
    order_key,
    positions,
)
from accord.core.engine.batch.attribute import attribution
from accord.core.engine.batch.conditions import Matcher
from accord.core.engine.batch.cycles import Cycles, run_clock
from accord.core.engine.batch.judge import judge, judged_cycles
from accord.core.engine.batch.schema import RECORDS_SCHEMA
from accord.core.engine.batch.stages import mark
from accord.core.engine.clocks import clock_for
from accord.core.timeutil import Instant

I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Options:
    """What a partition computes besides the SLA records."""

    agreements: bool = False  # the internal agreements' records too
    dimensions: tuple[str, ...] = ()  # the attribution's dimensions (none: no attribution)


def compute_partition(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    decoded: timeline.Decoded | None = None,
    *,
    agreements: bool = False,
) -> pa.Table:
    """The metric records (:data:`RECORDS_SCHEMA`) of every ticket in ``events`` at ``as_of``,
    ordered by ticket, metric and cycle as the reference engine orders them.

    ``events`` is an events table (:mod:`accord.core.engine.batch.schema`) holding *all* the
    events of its tickets. ``explanation`` is left empty (``"[]"``); the reference engine
    explains one ticket on demand. ``decoded``: codes of dictionary columns of ``events`` that
    the caller has already (see :func:`.timeline.build`). ``agreements``: also the records of
    the internal agreements (after each ticket's SLA metrics).
    """
    records, _ = run_partition(events, config, as_of, decoded, Options(agreements))
    return records


def attribute_partition(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    dimensions: Sequence[str],
    decoded: timeline.Decoded | None = None,
    *,
    agreements: bool = False,
) -> tuple[pa.Table, pa.Table]:
    """:func:`compute_partition`, and the attribution of every record's time to the holders
    in ``dimensions`` (:func:`accord.core.engine.attribution.attribution_schema`)."""
    options = Options(agreements, check_dimensions(dimensions))
    records, rows = run_partition(events, config, as_of, decoded, options)
    assert rows is not None
    return records, rows


def run_partition(
    events: pa.Table,
    config: Configuration,
    as_of: Instant,
    decoded: timeline.Decoded | None,
    options: Options,
) -> tuple[pa.Table, pa.Table | None]:
    """The records, and the attribution when ``options`` name dimensions."""
    if events.num_rows == 0 or not (kernel_metrics(config) or _agreements(config, options)):
        return _empty(options)
    tl = timeline.build(
        events, config, as_of, kernel_metrics(config), decoded, extra(config, options)
    )
    return run_timeline(tl, config, as_of, options)


def kernel_metrics(config: Configuration) -> list[str]:
    """The metrics of ``config`` that run a clock."""
    return [m for m in config.metric_names() if clock_for(m, config.metrics) is not None]


def extra(config: Configuration, options: Options) -> list[str]:
    """The fields a timeline tracks for ``options`` besides those the clocks read."""
    return [
        *agreement_fields(_agreements(config, options)),
        *(d for d in options.dimensions if d != "status"),
    ]


def _agreements(config: Configuration, options: Options) -> list[Agreement]:
    return list(config.agreements) if options.agreements else []


def _empty(options: Options) -> tuple[pa.Table, pa.Table | None]:
    dims = options.dimensions
    return (
        RECORDS_SCHEMA.empty_table(),
        attribution_schema(dims).empty_table() if dims else None,
    )


def run_timeline(
    tl: timeline.BatchTimeline,
    config: Configuration,
    as_of: Instant,
    options: Options,
    alive: NDArray[np.bool_] | None = None,
) -> tuple[pa.Table, pa.Table | None]:
    """:func:`run_partition` from the timeline :func:`.timeline.build` made of its events at
    ``as_of`` (with :func:`kernel_metrics` and :func:`extra`); ``alive``: the tickets (by
    segment) whose records are made (default every one; each ticket is computed on its own,
    so the others' records are the same either way)."""
    dims = options.dimensions
    track = bool(dims)
    metrics = kernel_metrics(config)
    ags = _agreements(config, options)
    if tl.n == 0 or not (metrics or ags):
        return _empty(options)
    if ags:
        tl, versions = with_agreements(tl, config, ags)
    match = Matcher(tl)
    parts: list[MetricPart] = []
    # with an attribution: each part's cycles and which of them its records judge (kept only
    # then: the cycles' per-event arrays would otherwise hold memory the next steps reuse)
    tracked: list[tuple[Cycles, I64]] = []
    for metric in metrics:
        clock = clock_for(metric, config.metrics)
        assert clock is not None
        cycles = run_clock(tl, metric, clock, match, track)
        keep = cycles.first_measured < tl.n
        if alive is not None:
            keep &= alive
        if not keep.any():
            continue
        judged = judge(tl, metric, cycles, keep, as_of)
        parts.append(MetricPart(metric, judged, order_key(tl, metric, cycles.first_measured)))
        if track:
            tracked.append((cycles, judged_cycles(cycles, keep)))
        mark("kernel")
    if ags:
        every = np.ones(tl.seg.count, dtype=bool) if alive is None else alive
        bts: dict[str, I64] = {}  # business seconds of every stretch, by calendar
        for k, ag in enumerate(ags):
            bt = bts.get(ag.calendar)
            if bt is None:
                cal = tl.calendars[tl.calendar_names.index(ag.calendar)]
                bt = bts[ag.calendar] = cal.elapsed_many(tl.t, tl.next_t)
            view, cycles = run_agreement(tl, ag, versions[k], bt, track)
            if cycles.ticket.size == 0:
                continue
            judged = judge(view, ag.metric, cycles, every, as_of)
            parts.append(MetricPart(ag.metric, judged, agreement_order_key(tl, k)))
            if track:
                tracked.append((cycles, judged_cycles(cycles, every)))
    mark("kernel")
    placed = positions(tl, parts)
    records = assemble(tl, parts, as_of, placed)
    mark("assembly")
    if not track:
        return records, None
    return records, attribution(tl, parts, tracked, placed[0], dims, as_of)
