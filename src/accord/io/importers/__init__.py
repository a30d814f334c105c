"""Importers: real helpdesk data in, canonical events out (see docs/importers.md).

One importer per source format, each with a default mapping shipped in
``accord/io/importers/mappings/<format>.yaml``:

================  ===========================================================================
format            source
================  ===========================================================================
servicenow        ServiceNow incident audit export (CSV; the UCI incident event log)
bpic2013          BPI Challenge 2013 incidents log (CSV)
bpic2013-xes      XES event logs (default mapping: BPI Challenge 2013 incidents)
process-mining    process-mining CSV: case, activity, timestamp, resource (e.g. Helpdesk)
zendesk           Zendesk ticket audits and incremental ticket events (API JSON)
jira              Jira Service Management issues with changelog (API JSON)
freshdesk         Freshdesk tickets with conversations (API JSON)
csv               any CSV of events or snapshots, with a column mapping
================  ===========================================================================

Typical use::

    run = open_import("incident_event_log.zip", "servicenow", source_tz="America/Sao_Paulo")
    events = list(run.events())
    run.stats.rows, run.stats.events, run.stats.unchanged, run.stats.quarantined

or :func:`import_file` to write the events (and the quarantine) to files as they stream.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import pyarrow as pa

from accord.core.events import Event
from accord.core.timeutil import zone
from accord.errors import DamagedInputError, InputError, UnsupportedFormatError
from accord.io.importers.base import (
    Importer,
    ImportRun,
    ImportStats,
    ProgressFn,
    QuarantineFn,
    refuse_nothing_imported,
)
from accord.io.importers.bpic2013 import Bpic2013CsvImporter, XesImporter
from accord.io.importers.columnar import ColumnarImportRun
from accord.io.importers.columnar_write import write_import_tables
from accord.io.importers.freshdesk import FreshdeskImporter
from accord.io.importers.generic_csv import GenericCsvImporter
from accord.io.importers.jira import JiraImporter
from accord.io.importers.mapping import (
    ImportMapping,
    load_mapping,
    parse_mapping,
    shipped_mapping_text,
    shipped_mappings,
)
from accord.io.importers.process_mining import ProcessMiningImporter
from accord.io.importers.servicenow import ServiceNowImporter
from accord.io.importers.zendesk import ZendeskImporter
from accord.io.quarantine import QuarantineRecord, record_to_dict
from accord.io.writers import write_events

__all__ = [
    "FORMATS",
    "IMPORTERS",
    "ColumnarImportRun",
    "ImportMapping",
    "ImportRun",
    "ImportStats",
    "Importer",
    "default_mapping",
    "import_file",
    "importer_for",
    "load_import_mapping",
    "open_import",
    "parse_mapping",
    "shipped_mapping_text",
    "shipped_mappings",
]

IMPORTERS: dict[str, type[Importer]] = {
    cls.format: cls
    for cls in (
        ServiceNowImporter,
        Bpic2013CsvImporter,
        XesImporter,
        ProcessMiningImporter,
        ZendeskImporter,
        JiraImporter,
        FreshdeskImporter,
        GenericCsvImporter,
    )
}
FORMATS: tuple[str, ...] = tuple(IMPORTERS)


def importer_for(fmt: str) -> type[Importer]:
    """The importer class of a format; raises :class:`UnsupportedFormatError` when unknown."""
    got = IMPORTERS.get(fmt.strip().lower())
    if got is None:
        raise UnsupportedFormatError(
            f"unknown import format '{fmt}'; expected one of {', '.join(FORMATS)}"
        )
    return got


def default_mapping(fmt: str) -> ImportMapping:
    """The mapping shipped for ``fmt`` (the file ``mappings/<fmt>.yaml``)."""
    cls = importer_for(fmt)
    return load_mapping(cls.format, cls.rules(), shipped=True)


def load_import_mapping(where: str | os.PathLike[str], fmt: str) -> ImportMapping:
    """A mapping file (or the name of a shipped mapping), checked against ``fmt``."""
    return load_mapping(where, importer_for(fmt).rules())


def open_import(
    source: str | os.PathLike[str],
    fmt: str,
    *,
    mapping: ImportMapping | str | os.PathLike[str] | None = None,
    source_tz: str | None = None,
    on_quarantine: QuarantineFn | None = None,
    on_progress: ProgressFn | None = None,
    columnar: bool = False,
) -> ImportRun:
    """Prepare the import of one file; iterate ``run.events()`` to stream its events.

    ``mapping`` is a loaded mapping, a mapping file, the name of a shipped mapping, or
    ``None`` for the format's default. ``source_tz`` replaces the mapping's zone.
    ``columnar``: the columnar importer (:class:`ColumnarImportRun`, whose ``tables()``
    streams events tables); otherwise the row importer, the reference.
    """
    cls = importer_for(fmt)
    if mapping is None:
        chosen = default_mapping(fmt)
    elif isinstance(mapping, ImportMapping):
        chosen = mapping
    else:
        chosen = load_import_mapping(mapping, fmt)
    if source_tz is not None:
        try:
            zone(source_tz)
        except ValueError as e:
            raise InputError(str(e)) from None
        chosen = chosen.model_copy(update={"source_tz": source_tz})
    kind = ColumnarImportRun if columnar else ImportRun
    return kind(cls(chosen), source, on_quarantine=on_quarantine, on_progress=on_progress)


def default_quarantine_path(out: str | os.PathLike[str]) -> Path:
    p = Path(out)
    return p.with_name(p.name + ".quarantine.jsonl")


def import_file(
    source: str | os.PathLike[str],
    fmt: str,
    out: str | os.PathLike[str],
    *,
    mapping: ImportMapping | str | os.PathLike[str] | None = None,
    source_tz: str | None = None,
    quarantine: str | os.PathLike[str] | None = None,
    on_progress: ProgressFn | None = None,
    on_end: Callable[[ImportStats, Path | None], None] | None = None,
    columnar: bool = True,
) -> tuple[ImportStats, Path | None]:
    """Import ``source`` into the event file ``out`` (``.jsonl``, ``.csv``, ``.parquet``,
    optionally ``.gz``), streaming. Quarantined rows go to ``quarantine`` (default
    ``<out>.quarantine.jsonl``), which is replaced, and only created when a row is quarantined.
    Returns the counts and the quarantine path (``None`` when nothing was quarantined).

    A source whose header lacks a column every row needs is refused before any row (nothing
    is written). Otherwise the files are written, ``on_end(counts, quarantine path)`` is
    called, and then :class:`DamagedInputError` is raised for a source that could not be read
    to its end (what was read before the damage is in the files), and :class:`InputError` for
    one that gave no event (empty, or every row quarantined).

    ``columnar`` (the default): the columnar importer, which writes Parquet straight from
    its tables; ``False``: the row importer (the reference), one event at a time.
    """
    qpath = Path(quarantine) if quarantine is not None else default_quarantine_path(out)
    if qpath.exists():
        qpath.unlink()  # the quarantine belongs to this import, like the output it sits next to
    damage: list[DamagedInputError] = []
    with ExitStack() as stack:
        handle: list[IO[str]] = []

        def keep(record: QuarantineRecord) -> None:
            if not handle:  # created on the first quarantined row only
                opened = stack.enter_context(
                    open(qpath, "w", encoding="utf-8", errors="backslashreplace")
                )
                handle.append(opened)
            handle[0].write(json.dumps(record_to_dict(record), ensure_ascii=False, default=str))
            handle[0].write("\n")

        run = open_import(
            source, fmt, mapping=mapping, source_tz=source_tz, on_quarantine=keep,
            on_progress=on_progress, columnar=columnar,
        )  # fmt: skip
        columns = (*run.importer.extra_fields, *run.importer.mapping.custom_fields)

        if isinstance(run, ColumnarImportRun):

            def tables() -> Iterator[pa.Table]:
                try:
                    yield from run.tables()
                except DamagedInputError as e:
                    damage.append(e)

            write_import_tables(out, tables(), columns)
        else:

            def readable() -> Iterator[Event]:
                # the events read before a damage are written, then the damage is raised
                try:
                    yield from run.events()
                except DamagedInputError as e:
                    damage.append(e)

            write_events(out, readable(), custom_fields=columns)
    stats, kept = run.stats, (qpath if handle else None)
    if on_end is not None:
        on_end(stats, kept)
    if damage:
        where = f"; {stats.quarantined:,} quarantined in {kept}" if kept is not None else ""
        raise DamagedInputError(
            f"{damage[0].message}. Kept: {stats.events:,} events in {out}{where}",
            details=damage[0].details,
        )
    refuse_nothing_imported(stats, None if kept is None else str(kept))
    return stats, kept
