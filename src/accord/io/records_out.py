"""Writers for the engine's metric records: CSV, JSON, JSON Lines and Parquet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from accord.core.engine.batch.schema import PLAIN_RECORDS_SCHEMA
from accord.core.records import RECORD_COLUMNS, MetricRecord
from accord.errors import UnsupportedFormatError

RECORD_FORMATS = ("csv", "json", "jsonl", "parquet")


def _flat(r: MetricRecord) -> dict[str, Any]:
    row = r.to_row()
    row["warnings"] = json.dumps(row["warnings"], ensure_ascii=False)
    row["explanation"] = json.dumps(row["explanation"], ensure_ascii=False)
    return row


def write_records_csv(records: Sequence[MetricRecord], out: IO[str]) -> None:
    w = csv.DictWriter(out, fieldnames=list(RECORD_COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in records:
        w.writerow(_flat(r))


def records_to_csv(records: Sequence[MetricRecord]) -> str:
    buf = io.StringIO()
    write_records_csv(records, buf)
    return buf.getvalue()


def _parquet_table(records: Sequence[MetricRecord]) -> Any:
    import pyarrow as pa

    schema = PLAIN_RECORDS_SCHEMA  # one schema for both engines' Parquet output
    cols: dict[str, list[Any]] = {name: [] for name in schema.names}
    for r in records:
        row = _flat(r)
        for k in ("start", "stop", "due", "breached_at", "as_of"):
            row[k] = getattr(r, k)
        for name in schema.names:
            cols[name].append(row[name])
    return pa.table(cols, schema=schema)


def write_records(
    records: Sequence[MetricRecord], path: Path | str, fmt: str | None = None
) -> None:
    """Write ``records`` to ``path`` in ``fmt`` (inferred from the suffix when omitted)."""
    p = Path(path)
    fmt = (fmt or p.suffix.lstrip(".")).lower()
    p.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with p.open("w", encoding="utf-8", newline="") as f:
            write_records_csv(records, f)
    elif fmt == "json":
        p.write_text(
            json.dumps([r.to_row() for r in records], ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    elif fmt in ("jsonl", "ndjson"):
        with p.open("w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r.to_row(), ensure_ascii=False) + "\n")
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(_parquet_table(records), p)
    else:
        raise UnsupportedFormatError(
            f"cannot write records as '{fmt}'; use one of {', '.join(RECORD_FORMATS)}"
        )
