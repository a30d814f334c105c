"""``accord sla … --breakdown team,assignee``: where each clock's time went, one row per cycle
and holder (see :mod:`accord.core.engine.attribution`), written as CSV, JSON Lines, JSON or
Parquet to ``--breakdown-out FILE`` or beside ``--out`` (``records.csv`` →
``records.breakdown.csv``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import typer

from accord.cli.common import err
from accord.core.engine.attribution import check_dimensions, plain_attribution
from accord.errors import InputError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "json", ".parquet": "parquet"}


@dataclass(frozen=True, slots=True)
class Breakdown:
    """What ``--breakdown`` asks for: the dimensions, and where the rows go in which format."""

    dimensions: tuple[str, ...]
    path: Path
    fmt: str


def parse_breakdown(
    text: str | None, out: Path | None, fmt: str, records_out: Path | None
) -> Breakdown | None:
    """The ``--breakdown`` / ``--breakdown-out`` options, checked before any work is done
    (``fmt`` and ``records_out``: the records' ``--format`` and ``--out``)."""
    if text is None:
        if out is not None:
            raise typer.BadParameter("needs --breakdown DIMS", param_hint="--breakdown-out")
        return None
    try:
        dims = check_dimensions([d.strip() for d in text.split(",")])
    except InputError as e:
        raise typer.BadParameter(e.message, param_hint="--breakdown") from None
    if out is not None:
        got = FORMATS.get(out.suffix.lower())
        if got is None:
            raise typer.BadParameter(
                "name a file ending in " + ", ".join(FORMATS), param_hint="--breakdown-out"
            )
        return Breakdown(dims, out, got)
    if records_out is None or fmt not in FORMATS.values():
        raise typer.BadParameter(
            "give --breakdown-out FILE (or --out FILE with --format csv, jsonl, json or "
            "parquet: the rows are then written beside it)",
            param_hint="--breakdown",
        )
    beside = records_out.with_name(f"{records_out.stem}.breakdown.{fmt}")
    return Breakdown(dims, beside, fmt)


def write_breakdown(rows: pa.Table, where: Breakdown) -> None:
    """The attribution table written as ``where`` says."""
    where.path.parent.mkdir(parents=True, exist_ok=True)
    plain = plain_attribution(rows)
    if where.fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(plain, where.path)
    else:
        import polars as pl

        from accord.core.engine.batch.judge import iso_text

        i = plain.schema.get_field_index("as_of")
        seconds = plain.column(i).cast(pa.int64()).to_numpy()
        frame = pl.from_arrow(plain.set_column(i, "as_of", iso_text(seconds)))
        assert isinstance(frame, pl.DataFrame)
        if where.fmt == "csv":
            frame.write_csv(where.path)
        elif where.fmt == "jsonl":
            frame.write_ndjson(where.path)
        else:
            frame.write_json(where.path)
    err.print(f"wrote {rows.num_rows:,} breakdown rows to {where.path}", highlight=False)
