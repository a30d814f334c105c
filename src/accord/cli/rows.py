"""What every command that reads rows says about them on stderr: the rows quarantined (on
every run, with the quarantine file), an input that gave no event (exit 4), and ``--strict``
(exit 10 when any row was quarantined)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import err
from accord.errors import InputError, RowsQuarantinedError
from accord.io.quarantine import QuarantineRecord, write_quarantine

Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 10 when any row was quarantined (after writing everything as usual)",
    ),
]
Quarantine = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE", help="Where bad rows are kept (default: <first file>.quarantine.jsonl)"
    ),
]


def _rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"


def default_quarantine(events: Sequence[Path]) -> Path:
    return events[0].with_name(events[0].name + ".quarantine.jsonl")


def say_quarantined(n: int, where: Path | str | None, first: str | None = None) -> None:
    """One line on stderr: how many rows were quarantined, and where they are kept."""
    if not n:
        err.print("0 rows quarantined", highlight=False)
        return
    also = f" (first: {first})" if first else ""
    err.print(
        f"[yellow]{_rows(n)} quarantined[/yellow] → {where}{also}", highlight=False, soft_wrap=True
    )


def keep_quarantine(
    quarantined: Sequence[QuarantineRecord], where: Path | None, events: Sequence[Path]
) -> Path | None:
    """Write the quarantined rows to ``where`` (default: next to the first events file),
    replacing what an earlier run left there, and say how many there are. Returns the file
    (``None`` when no row was quarantined: no file is left)."""
    qpath = where or default_quarantine(events)
    if qpath.is_file():
        qpath.unlink()  # the quarantine belongs to this run, like its results
    if not quarantined:
        say_quarantined(0, None)
        return None
    write_quarantine(qpath, quarantined)
    first = quarantined[0]
    say_quarantined(len(quarantined), qpath, f"{first.source}:{first.row}: {first.reason}")
    return qpath


def refuse_no_events(
    rows: int, events: int, quarantined: Sequence[QuarantineRecord], qpath: Path | None,
    sources: Sequence[Path],
) -> None:  # fmt: skip
    """Exit 4 when the input gave no event: empty, or every row quarantined."""
    if events:
        return
    names = ", ".join(str(s) for s in sources)
    if not rows:
        raise InputError(f"no rows in {names}: the input is empty, there is nothing to compute")
    first = quarantined[0] if quarantined else None
    why = f"; the first: {first.source}:{first.row}: {first.reason}" if first else ""
    which = "the one row" if rows == 1 else f"each of the {_rows(rows)}"
    raise InputError(
        f"no valid event in {names}: {which} was quarantined → {qpath}{why}. Fix the rows "
        "there, then read the quarantine file again"
    )


def strict_exit(quarantined: int, qpath: Path | str | None) -> None:
    """``--strict``: exit 10 once everything is written, when any row was quarantined."""
    if quarantined:
        raise RowsQuarantinedError(
            f"--strict: {_rows(quarantined)} quarantined → {qpath}; the results leave "
            f"{'it' if quarantined == 1 else 'them'} out"
        )
