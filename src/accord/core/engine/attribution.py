"""Attribution: where a clock's time went. Every cycle's business elapsed and paused time,
split by the *holder* in force during each stretch it counted.

A holder is the value of each requested dimension after the event that opens the stretch:

- ``status``: the status category (``new``, ``open``, ``pending``, ``on_hold``, …), not the
  source's status name;
- any other name: that ticket field as text (``team``, ``assignee``, ``channel``,
  ``priority``, ``customer``, ``type`` or a custom field), null when the ticket has none.
  ``tags`` holds several values at once and is not a dimension.

One row per cycle and holder, for the holders whose stretches counted business time (a
holder that only held the ticket outside business hours has no row, and a cycle that counted
nothing has none). The rows of a cycle sum exactly, to the second, to its record's
``business_elapsed`` and ``paused_business``: each counted stretch belongs to exactly one
holder. Rows are in the records' order (ticket, metric, cycle), then in the order each
holder first counted time in the cycle.

The reference engine groups its cycles' pieces here (:func:`attribution_rows`); the batch
engine computes the same rows as a table (:mod:`accord.core.engine.batch.attribute`), in
:func:`attribution_schema`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from accord.core.engine.accounting import Piece
from accord.core.engine.timeline import Moment
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant
from accord.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "FIXED_COLUMNS",
    "Attribution",
    "attribution_from_table",
    "attribution_rows",
    "attribution_schema",
    "attribution_table",
    "check_dimensions",
    "holder_value",
    "plain_attribution",
]

FIXED_COLUMNS = ("ticket_id", "metric", "cycle", "business_elapsed", "paused_business", "as_of")
"""The columns of an attribution table besides its dimensions."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """The time one holder accounts for in one cycle of one clock."""

    ticket_id: str
    metric: str
    cycle: int
    holder: tuple[str | None, ...]  # one value per dimension, in the dimensions' order
    business_elapsed: int
    paused_business: int


def check_dimensions(dimensions: Sequence[str]) -> tuple[str, ...]:
    """The dimensions as a tuple; raises :class:`InputError` naming the one that cannot be."""
    dims = tuple(dimensions)
    if not dims:
        raise InputError("name at least one dimension to split the time by, e.g. team")
    for d in dims:
        if not isinstance(d, str) or not d.strip() or d != d.strip():
            raise InputError(f"{d!r} is not a dimension: use a field name such as team")
        if d == "tags":
            raise InputError(
                "'tags' holds several values at once, so time cannot be split by it; "
                "use a field with one value, such as team or a custom field"
            )
        if d in FIXED_COLUMNS:
            raise InputError(f"'{d}' is a column of the attribution rows, not a dimension")
    dup = sorted({d for d in dims if dims.count(d) > 1})
    if dup:
        raise InputError(f"the dimension '{dup[0]}' is given twice")
    return dims


def holder_value(m: Moment, dimension: str) -> str | None:
    """The value of one dimension after moment ``m``."""
    if dimension == "status":
        return m.status.value
    return m.field_str(dimension)


def attribution_rows(
    record: MetricRecord, pieces: Sequence[Piece], dimensions: Sequence[str]
) -> list[Attribution]:
    """The rows of one cycle (judged as ``record``) from its counted pieces."""
    sums: dict[tuple[str | None, ...], list[int]] = {}
    for p in pieces:
        holder = tuple(holder_value(p.after, d) for d in dimensions)
        got = sums.setdefault(holder, [0, 0])
        got[1 if p.paused else 0] += p.seconds
    return [
        Attribution(record.ticket_id, record.metric, record.cycle, holder, run, paused)
        for holder, (run, paused) in sums.items()
    ]


# ---------------------------------------------------------------- the table


def attribution_schema(dimensions: Sequence[str]) -> pa.Schema:
    """The attribution table: its repetitive text columns dictionary-encoded, as the batch
    engine's records are (:func:`plain_attribution` gives plain text)."""
    import pyarrow as pa

    text = pa.dictionary(pa.int32(), pa.string())
    return pa.schema(
        [
            ("ticket_id", pa.string()),
            ("metric", text),
            ("cycle", pa.int32()),
            *((d, text) for d in dimensions),
            ("business_elapsed", pa.int64()),
            ("paused_business", pa.int64()),
            ("as_of", pa.timestamp("s", tz="UTC")),
        ]
    )


def dimensions_of(table: pa.Table) -> tuple[str, ...]:
    """The dimensions of an attribution table (its columns between ``cycle`` and
    ``business_elapsed``)."""
    names = table.column_names
    return tuple(names[names.index("cycle") + 1 : names.index("business_elapsed")])


def attribution_table(
    rows: Sequence[Attribution], dimensions: Sequence[str], as_of: Instant
) -> pa.Table:
    """Rows as a table in :func:`attribution_schema` (the reference engine's rows, for the
    same output as the batch engine's)."""
    import pyarrow as pa

    schema = attribution_schema(dimensions)
    cols: dict[str, Any] = {
        "ticket_id": [r.ticket_id for r in rows],
        "metric": [r.metric for r in rows],
        "cycle": [r.cycle for r in rows],
        "business_elapsed": [r.business_elapsed for r in rows],
        "paused_business": [r.paused_business for r in rows],
        "as_of": [as_of] * len(rows),
    }
    for k, d in enumerate(dimensions):
        cols[d] = [r.holder[k] for r in rows]
    arrays = [pa.array(cols[f.name], type=_plain(f.type)).cast(f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def plain_attribution(table: pa.Table) -> pa.Table:
    """An attribution table with plain text columns (no dictionaries), as written to
    Parquet."""
    import pyarrow as pa

    return table.cast(pa.schema([pa.field(f.name, _plain(f.type)) for f in table.schema]))


def attribution_from_table(table: pa.Table) -> list[Attribution]:
    """The rows of an attribution table (for tests and small outputs)."""
    dims = dimensions_of(table)
    c = {name: table.column(name).to_pylist() for name in table.column_names}
    return [
        Attribution(
            c["ticket_id"][i],
            c["metric"][i],
            c["cycle"][i],
            tuple(c[d][i] for d in dims),
            c["business_elapsed"][i],
            c["paused_business"][i],
        )
        for i in range(table.num_rows)
    ]


def _plain(t: pa.DataType) -> pa.DataType:
    import pyarrow as pa

    return t.value_type if pa.types.is_dictionary(t) else t
