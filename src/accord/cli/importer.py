"""``accord import SOURCE --format F [--mapping FILE] --out FILE``: a helpdesk's data in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from accord.cli.common import err, handle_errors, out
from accord.io.importers import FORMATS, ImportStats, import_file, importer_for
from accord.io.readers import detect_format

REASONS_SHOWN = 10


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@handle_errors
def import_(
    source: Annotated[
        Path, typer.Argument(help="The export to import: .csv, .json, .jsonl, .xes, or .zip/.gz")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help=" | ".join(FORMATS))],
    out_path: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Event file to write: .jsonl, .csv (optionally .gz), .parquet"
        ),
    ],
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            "-m",
            help="Mapping file (YAML), or the name of a shipped mapping; default: the format's",
        ),
    ] = None,
    source_tz: Annotated[
        str | None,
        typer.Option(help="Time zone of timestamps without offset (replaces the mapping's)"),
    ] = None,
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Where quarantined rows go (default: <out>.quarantine.jsonl)"),
    ] = None,
) -> None:
    """Import a helpdesk export as canonical events, streaming, with every row accounted for.

    Ends with the counts: rows read, events written, rows without change, duplicate rows and
    rows quarantined (grouped by reason). Exit code 0 even when rows were quarantined.
    """
    cls = importer_for(fmt)
    detect_format(out_path)  # an unusable output name fails before the long read
    with Progress(
        TextColumn(f"importing {source.name}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("import", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        stats, qpath = import_file(
            source,
            cls.format,
            out_path,
            mapping=mapping,
            source_tz=source_tz,
            quarantine=quarantine,
            on_progress=advance,
        )
    _summary(stats, out_path, qpath)


def _summary(stats: ImportStats, out_path: Path, qpath: Path | None) -> None:
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
