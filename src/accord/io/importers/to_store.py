"""An import straight into the store (``accord import … --to-store``).

The importer's events go to :meth:`Store.add_events` in chunks, each chunk one transaction,
with the rows the importer quarantined in the same transaction as the events around them. The
store is idempotent on ``event_id`` and marks the tickets of new events for recompute, so a
running ``accord serve`` picks them up (and a server started later does so at start-up).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from accord.core.timeutil import Instant
from accord.errors import DamagedInputError, RowProblem
from accord.io.importers import open_import
from accord.io.importers.base import ImportStats, ProgressFn, refuse_nothing_imported
from accord.io.importers.mapping import ImportMapping
from accord.io.store.base import Incoming, Store

CHUNK = 1000


@dataclass
class StoreImport:
    """What the store made of the imported events: ``accepted`` new, ``duplicate`` already
    stored, ``rejected`` (an ``event_id`` already stored with other content, quarantined)."""

    stats: ImportStats
    outcomes: Counter[str] = field(default_factory=Counter)


def import_to_store(
    source: str | os.PathLike[str],
    fmt: str,
    store: Store,
    *,
    received_at: Instant,
    mapping: ImportMapping | str | os.PathLike[str] | None = None,
    source_tz: str | None = None,
    on_progress: ProgressFn | None = None,
    on_end: Callable[[StoreImport], None] | None = None,
    chunk: int = CHUNK,
) -> StoreImport:
    """Stream ``source`` into ``store``; the importer's quarantined rows go to the store's
    quarantine. ``received_at`` is the arrival instant stamped on every row.

    As with :func:`~accord.io.importers.import_file`, what was read is stored and
    ``on_end`` called before a damaged source (:class:`DamagedInputError`) or one that gave
    no event (:class:`InputError`) is raised."""
    problems: list[RowProblem] = []
    items: list[Incoming] = []
    result_counts: Counter[str] = Counter()

    def flush() -> None:
        if not items and not problems:
            return
        for outcome in store.add_events(items, problems, received_at=received_at):
            result_counts["rejected" if isinstance(outcome, RowProblem) else str(outcome)] += 1
        items.clear()
        problems.clear()

    def keep(problem: RowProblem) -> None:
        problems.append(problem)
        if len(problems) >= chunk:  # a run of bad rows must not pile up in memory
            flush()

    run = open_import(
        source, fmt, mapping=mapping, source_tz=source_tz, on_quarantine=keep,
        on_progress=on_progress,
    )  # fmt: skip
    label = os.fspath(source)
    damage: DamagedInputError | None = None
    try:
        for n, event in enumerate(run.events(), start=1):
            # the row of an event is its place in the import: the source row may yield several
            items.append(Incoming(event, label, n))
            if len(items) >= chunk:
                flush()
    except DamagedInputError as e:
        damage = e  # what was read before the damage is stored first
    flush()
    done = StoreImport(run.stats, result_counts)
    if on_end is not None:
        on_end(done)
    if damage is not None:
        stats = run.stats
        raise DamagedInputError(
            f"{damage.message}. Kept: {stats.events:,} events and {stats.quarantined:,} "
            "quarantined rows sent to the store",
            details=damage.details,
        )
    refuse_nothing_imported(run.stats, "the store's quarantine")
    return done
