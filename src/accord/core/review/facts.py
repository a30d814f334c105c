"""The few ticket facts a contract's exclusions read, straight from an events table.

A contract leaves out deleted tickets, tickets whose flag field holds a value and tickets with
certain tags, all as they stand at as-of (:mod:`accord.core.contracts.assignment`); counting by
``created`` also needs the ticket's creation. These are the columns of
:func:`accord.core.kpi.facts.ticket_facts` with the same names and the same reading of the
history (events after as-of do not exist, ties by arrival, nothing after the first ``deleted``
event counts, the first ``created`` event is the creation, else the earliest event), computed
from the few events that set them rather than by folding every event of every ticket: on ten
million events this is a fraction of a second, the full facts many seconds.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.engine.batch.schema import CLEARED, FIELD_PREFIX
from accord.core.timeutil import Instant

_ORDER = ["ticket_id", "ts", "ts_us", "seq"]


def in_mask(column: pa.ChunkedArray, values: Iterable[str]) -> pa.ChunkedArray:
    """Whether each row of a text column (plain or dictionary-encoded) is one of ``values``;
    a dictionary column is tested once per distinct value, not once per row."""
    value_set = pa.array(list(values), type=pa.string())
    chunks = []
    for ch in column.chunks:
        if pa.types.is_dictionary(ch.type):
            hit = pc.is_in(ch.dictionary.cast(pa.string()), value_set=value_set)
            chunks.append(pc.fill_null(pc.take(hit, ch.indices), False))
        else:
            chunks.append(pc.fill_null(pc.is_in(ch.cast(pa.string()), value_set=value_set), False))
    return pa.chunked_array(chunks, type=pa.bool_())


def _decoded(tagged: pl.Expr) -> pl.Expr:
    """Tagged text (``sEMEA``, ``i40``, ``b1``) as the text the ticket facts hold."""
    body = tagged.str.slice(1)
    tag = tagged.str.slice(0, 1)
    return (
        pl.when(tag == "b")
        .then(pl.when(body == "1").then(pl.lit("true")).otherwise(pl.lit("false")))
        .otherwise(body)
    )


def exclusion_facts(
    events: pa.Table, fields: Iterable[str], as_of: Instant, *, created: bool = False
) -> pl.DataFrame:
    """``ticket_id``, ``deleted``, ``tags`` and ``field.<name>`` for each custom field in
    ``fields`` (``created`` too when asked) at ``as_of``, one row per ticket that has any."""
    names = list(dict.fromkeys(fields))
    have = set(events.column_names)
    wanted = [c for c in ("ticket_id", "ts", "ts_us", "seq", "kind", "tags", CLEARED) if c in have]
    value_cols: dict[str, tuple[bool, str]] = {"tags": ("tags" in have, "tags")}
    for f in names:
        value_cols[FIELD_PREFIX + f] = (FIELD_PREFIX + f in have, f)
        if FIELD_PREFIX + f in have:
            wanted.append(FIELD_PREFIX + f)
    # only the rows that can say something: a deletion, or an event that sets or clears the
    # tags or a flag field (a validity bitmap each); all of them when the creation is needed
    if not created:
        keep = in_mask(events.column("kind"), ["deleted"])
        for c in ("tags", CLEARED, *(FIELD_PREFIX + f for f in names)):
            if c in have:
                keep = pc.or_(keep, pc.is_valid(events.column(c)))
        events = events.filter(keep)
    # dictionary columns come over as Categorical without copying text; only the few rows
    # kept below are turned into text
    got = pl.from_arrow(events.select(wanted))
    assert isinstance(got, pl.DataFrame)
    frame = got.rename({c: "v:" + c for c, (present, _) in value_cols.items() if present})
    for c in ("ts_us", "seq"):
        if c not in have:
            frame = frame.with_columns(pl.lit(0, dtype=pl.Int64).alias(c))
    if CLEARED not in have:
        frame = frame.with_columns(pl.lit(None, dtype=pl.List(pl.String)).alias(CLEARED))
    kind = pl.col("kind")
    sets = {
        column: (
            (pl.col("v:" + column).is_not_null() if present else pl.lit(False))
            | pl.col(CLEARED).list.contains(pl.lit(name)).fill_null(False)
        )
        for column, (present, name) in value_cols.items()
    }
    relevant = kind == "deleted"
    for cond in sets.values():
        relevant = relevant | cond
    if created:
        relevant = relevant | (kind == "created")
    small = (
        frame.lazy()
        .filter((pl.col("ts") <= as_of) & relevant)
        .with_columns(
            pl.col("ticket_id").cast(pl.String),
            *(
                pl.col("v:" + c).cast(pl.String)
                for c, (p, _) in value_cols.items()
                if p and c != "tags"
            ),
        )
        .sort(_ORDER)
        .with_columns(__pos=pl.int_range(pl.len()).over("ticket_id"))
    )
    first_deleted = pl.when(kind == "deleted").then(pl.col("__pos")).min().over("ticket_id")
    small = small.filter(first_deleted.is_null() | (pl.col("__pos") <= first_deleted))
    aggs: list[pl.Expr] = [(kind == "deleted").any().alias("deleted")]
    for name, (present, _) in value_cols.items():
        if not present:
            dtype: pl.DataType = pl.List(pl.String) if name == "tags" else pl.String()
            aggs.append(pl.lit(None, dtype=dtype).alias(name))
            continue
        value = pl.col("v:" + name)
        if name != "tags":
            value = _decoded(value)
        aggs.append(value.filter(sets[name]).last().alias(name))
    if created:
        aggs.append(pl.col("ts").filter(kind == "created").first().alias("__created"))
    out = small.group_by("ticket_id").agg(aggs).collect()
    if created:
        # without a 'created' event the ticket's earliest event is its creation
        earliest = (
            frame.lazy()
            .filter(pl.col("ts") <= as_of)
            .group_by("ticket_id")
            .agg(pl.col("ts").min().alias("__first"))
            .with_columns(pl.col("ticket_id").cast(pl.String))
            .collect()
        )
        out = earliest.join(out, on="ticket_id", how="left").with_columns(
            created=pl.coalesce("__created", "__first"),
            deleted=pl.col("deleted").fill_null(False),
        )
        out = out.drop("__created", "__first")
    return out
