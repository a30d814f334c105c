"""Writers for the engine's metric records: CSV, JSON, JSON Lines and Parquet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

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

    ts = pa.timestamp("s", tz="UTC")
    schema = pa.schema(
        [
            ("ticket_id", pa.string()),
            ("metric", pa.string()),
            ("cycle", pa.int32()),
            ("policy", pa.string()),
            ("policy_version", pa.int32()),
            ("calendar", pa.string()),
            ("priority", pa.string()),
            ("customer", pa.string()),
            ("team", pa.string()),
            ("assignee", pa.string()),
            ("channel", pa.string()),
            ("target", pa.int64()),
            ("start", ts),
            ("stop", ts),
            ("due", ts),
            ("breached_at", ts),
            ("business_elapsed", pa.int64()),
            ("paused_business", pa.int64()),
            ("calendar_elapsed", pa.int64()),
            ("breached_by", pa.int64()),
            ("remaining", pa.int64()),
            ("share_of_target", pa.float64()),
            ("state", pa.string()),
            ("breached_now", pa.bool_()),
            ("ever_breached", pa.bool_()),
            ("as_of", ts),
            ("warnings", pa.string()),
            ("explanation", pa.string()),
        ]
    )
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
