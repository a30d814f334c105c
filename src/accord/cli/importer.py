"""``accord import SOURCE --format F [--mapping FILE] --out FILE|--to-store``: a helpdesk's
data in, to an event file or straight into the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import err, handle_errors, out
from accord.cli.progress import Progress, Quiet
from accord.cli.rows import Strict, say_quarantined, strict_exit
from accord.core.timeutil import to_instant
from accord.errors import InputError
from accord.io.importers import FORMATS, ImportStats, import_file, importer_for
from accord.io.importers.to_store import StoreImport, import_to_store
from accord.io.readers import detect_format
from accord.io.store import open_store

REASONS_SHOWN = 10


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@handle_errors
def import_(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="SOURCE", help="The export to import: .csv, .json, .jsonl, .xes, or .zip/.gz"
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help=" | ".join(FORMATS))],
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Event file to write: .jsonl, .csv (optionally .gz), .parquet",
        ),
    ] = None,
    to_store: Annotated[
        bool,
        typer.Option(
            "--to-store", help="Store the events (and the quarantine) in the database instead"
        ),
    ] = False,
    database_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="The store for --to-store (default: ACCORD_DATABASE_URL or SQLite)"
        ),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            "-m",
            metavar="FILE|NAME",
            help="Mapping file (YAML), or the name of a shipped mapping; default: the format's",
        ),
    ] = None,
    source_tz: Annotated[
        str | None,
        typer.Option(
            metavar="ZONE", help="Time zone of timestamps without offset (replaces the mapping's)"
        ),
    ] = None,
    quarantine: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Where quarantined rows go (default: <out>.quarantine.jsonl)"
        ),
    ] = None,
    strict: Strict = False,
    quiet: Quiet = False,
) -> None:
    """Import a helpdesk export as canonical events, streaming, with every row accounted for.

    Ends with the counts: rows read, events written, rows without change, duplicate rows and
    rows quarantined (grouped by reason), and any warning about the mapping. Exit code 0
    even when rows were quarantined (10 with --strict); 4 for a source that cannot be read to
    its end (what was read is kept), lacks a column every row needs, or gives no event.
    """
    cls = importer_for(fmt)
    if (out_path is None) == (not to_store):
        raise InputError("give exactly one of --out FILE and --to-store")
    if out_path is not None:
        detect_format(out_path)  # an unusable output name fails before the long read
    with Progress(quiet).phase(f"importing {source.name}", None, "bytes") as progress:

        def advance(done: int, total: int) -> None:
            progress.update(done, total)

        if out_path is None:
            store = open_store(database_url)

            def stored(done: StoreImport) -> None:
                progress.finish()
                _summary(done.stats, "the store", "the store's quarantine")
                new = done.outcomes
                out.print(
                    f"  the store: {new['accepted']:,} new, {new['duplicate']:,} already "
                    f"stored, {new['rejected']:,} quarantined (event_id taken by other content)",
                    markup=False,
                    highlight=False,
                )

            try:
                done = import_to_store(
                    source, cls.format, store, received_at=to_instant(datetime.now(UTC)),
                    mapping=mapping, source_tz=source_tz, on_progress=advance, on_end=stored,
                )  # fmt: skip
            finally:
                store.close()
            if strict:
                strict_exit(done.stats.quarantined, "the store's quarantine")
            return

        def written(stats: ImportStats, qpath: Path | None) -> None:
            progress.finish()
            _summary(stats, out_path, qpath)

        stats, qpath = import_file(
            source,
            cls.format,
            out_path,
            mapping=mapping,
            source_tz=source_tz,
            quarantine=quarantine,
            on_progress=advance,
            on_end=written,
        )
    if strict:
        strict_exit(stats.quarantined, qpath)


def _summary(stats: ImportStats, out_path: Path | str, qpath: Path | str | None) -> None:
    """The counts on stdout; the quarantine line and the warnings on stderr."""
    row = stats.row_name
    kinds = ", ".join(f"{n:,} {k}" for k, n in stats.kinds.most_common())
    lines = [
        f"imported {stats.source} ({stats.format}) → {out_path}",
        f"  {_plural(stats.rows, row)} read",
        f"  {_plural(stats.events, 'event')} written for {_plural(stats.tickets, 'ticket')}"
        + (f" ({kinds})" if kinds else ""),
        f"  {_plural(stats.unchanged, row)} without change: {stats.unchanged_means}",
        f"  {_plural(stats.duplicates, row)} repeating an event already written (duplicates)",
    ]
    if stats.quarantined:
        lines.append(f"  {_plural(stats.quarantined, row)} quarantined → {qpath}")
        for group, n in stats.reasons.most_common(REASONS_SHOWN):
            lines.append(f"      {n:,} × {group}")
            lines.append(f"          e.g. {stats.examples[group]}")
        rest = len(stats.reasons) - REASONS_SHOWN
        if rest > 0:
            lines.append(f"      … and {_plural(rest, 'other reason')} (see the quarantine file)")
    else:
        lines.append(f"  0 {row}s quarantined")
    for line in lines:
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    say_quarantined(stats.quarantined, qpath)
    for warning in stats.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
