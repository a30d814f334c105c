"""The records frame a KPI view read hands to the evaluation: the settled tickets' records
(kept as text, so that parts concatenate) and the open tickets' records at the read's
instant, with ``as_of`` and each categorical column an Enum of the values present.

Casting a million tickets' text columns to Enums was most of a read's work and gives the
same columns every read until the settled records change; so the view keeps the settled
part's categorical columns as Enums too (:class:`SettledEnums`), with the count of each
category, and keeps them in step with the text when a sync drops and adds tickets
(:func:`drop_rows`, :func:`add_rows`). A read then casts only the open tickets' records,
whenever the categories present are the kept ones (else the whole frame is cast, as before).
Both give the same frame (``tests/service/test_kpi_records.py``).

The open tickets' records come from the batch engine with their categorical columns
dictionary-encoded (:class:`OpenRecords`): their Enums are made from those codes, a small
table per chunk's dictionary, with no text in between (the text and its casts were most of
the rest of a read once the engine's layout was kept, see
:mod:`accord.core.engine.batch.prepared`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from accord.core.kpi.frames import RECORD_ENUMS, RECORDS_SCHEMA, records_columns_of_table
from accord.core.timeutil import Instant

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SettledEnums:
    """The categorical columns of the settled records ``text`` (that very frame) as Enums,
    each Enum's categories, and how many rows hold each category."""

    text: pl.DataFrame
    columns: pl.DataFrame
    categories: dict[str, list[str]]
    counts: dict[str, I64]


def settled_enums(text: pl.DataFrame) -> SettledEnums:
    """The Enums of the settled records ``text``: each categorical column's values, sorted."""
    cats = {n: sorted(text.get_column(n).drop_nulls().unique().to_list()) for n in RECORD_ENUMS}
    columns = text.select(pl.col(n).cast(pl.Enum(cats[n])) for n in RECORD_ENUMS)
    return SettledEnums(text, columns, cats, _counts(columns, cats))


def drop_rows(enums: SettledEnums, keep: pl.Series, text: pl.DataFrame) -> SettledEnums:
    """``enums`` after the settled records became ``text``, their rows where ``keep``."""
    gone = enums.columns.filter(~keep)
    counts = {n: c - _counts(gone, enums.categories)[n] for n, c in enums.counts.items()}
    return SettledEnums(text, enums.columns.filter(keep), enums.categories, counts)


def add_rows(enums: SettledEnums, added: pl.DataFrame, text: pl.DataFrame) -> SettledEnums | None:
    """``enums`` after the settled records became ``text``, ``added`` (text) appended to
    them; ``None`` when ``added`` holds a value outside the categories (made again then)."""
    if not _within(added, enums.categories):
        return None
    cast = _cast(added, enums.categories).select(RECORD_ENUMS)
    counts = {n: c + _counts(cast, enums.categories)[n] for n, c in enums.counts.items()}
    return replace(enums, text=text, columns=pl.concat([enums.columns, cast]), counts=counts)


@dataclass(frozen=True)
class OpenRecords:
    """A batch engine records table of the open tickets, and the values each categorical
    column holds (of every chunk's dictionary, those its rows use)."""

    table: pa.Table
    present: dict[str, set[str]]

    def text(self) -> pl.DataFrame:
        """The records as text (what the view's parts concatenate), without ``as_of``."""
        return records_columns_of_table(self.table, [k for k in RECORDS_SCHEMA if k != "as_of"])

    def frame(self, categories: dict[str, list[str]]) -> pl.DataFrame:
        """The records with each categorical column an Enum of ``categories`` (which hold
        every value present), without ``as_of``."""
        names = [k for k in RECORDS_SCHEMA if k != "as_of"]
        rest = records_columns_of_table(self.table, [k for k in names if k not in RECORD_ENUMS])
        enums = [_enum(self.table.column(n), n, categories[n]) for n in RECORD_ENUMS]
        return rest.with_columns(enums).select(names)


def open_records(table: pa.Table) -> OpenRecords:
    """:class:`OpenRecords` of a batch engine records table."""
    return OpenRecords(table, {n: _used(table.column(n)) for n in RECORD_ENUMS})


def _used(col: pa.ChunkedArray) -> set[str]:
    out: set[str] = set()
    for ch in col.chunks:
        if pa.types.is_dictionary(ch.type):
            used = pc.unique(ch.indices.drop_null())
            out.update(v for v in ch.dictionary.take(used).to_pylist() if v is not None)
        else:
            out.update(v for v in pc.unique(ch.drop_null()).to_pylist() if v is not None)
    return out


def _enum(col: pa.ChunkedArray, name: str, categories: list[str]) -> pl.Series:
    """A categorical column of the engine as an Enum of ``categories`` (which hold every
    value present): each chunk's codes mapped through a table of its dictionary."""
    place = {v: i for i, v in enumerate(categories)}
    parts: list[pa.Array] = []
    for ch in col.chunks:
        if not pa.types.is_dictionary(ch.type) or ch.dictionary.null_count:
            # text, or a null among the values: encoded here (nulls then in the codes)
            ch = pc.dictionary_encode(ch.cast(pa.string()))
        # a value no row uses may be outside the categories: its entry is never read
        table = np.array([place.get(v, 0) for v in ch.dictionary.to_pylist()], dtype=np.uint32)
        idx = ch.indices
        if not len(table):  # every row null
            parts.append(pa.nulls(len(idx), type=pa.uint32()))
            continue
        codes = table[idx.fill_null(0).to_numpy(zero_copy_only=False)]
        mask = idx.is_null().to_numpy(zero_copy_only=False) if idx.null_count else None
        parts.append(pa.array(codes, type=pa.uint32(), mask=mask))
    codes = pl.Series(name, pa.chunked_array(parts, type=pa.uint32()))
    return codes.cat.to(pl.Enum(categories))


def _present(opened: pl.DataFrame | OpenRecords) -> dict[str, set[str]]:
    if isinstance(opened, OpenRecords):
        return opened.present
    return {n: set(opened.get_column(n).drop_nulls().unique().to_list()) for n in RECORD_ENUMS}


def aligned(enums: SettledEnums, opened: pl.DataFrame | OpenRecords) -> SettledEnums:
    """``enums`` with each Enum's categories exactly the values present in the settled rows
    or in ``opened`` (as the plain cast makes them): the same object when they already are;
    else the settled columns cast again (when a value appears or disappears, not per read)."""
    needed = _needed(enums, opened)
    if needed == enums.categories:
        return enums
    columns = enums.columns.with_columns(
        pl.col(n).cast(pl.String).cast(pl.Enum(needed[n]))
        for n in RECORD_ENUMS
        if needed[n] != enums.categories[n]
    )
    return replace(enums, columns=columns, categories=needed, counts=_counts(columns, needed))


def records_at(
    settled: pl.DataFrame,
    opened: pl.DataFrame | OpenRecords,
    when: Instant,
    enums: SettledEnums | None,
) -> pl.DataFrame:
    """The records frame of ``settled`` then ``opened`` (text without ``as_of``, or the
    engine's table) at ``when``; ``enums``: the settled records' Enums, :func:`aligned` with
    ``opened`` (else not used)."""
    if enums is None or enums.text is not settled or _needed(enums, opened) != enums.categories:
        text = opened.text() if isinstance(opened, OpenRecords) else opened
        return records_at_plain(settled, text, when)
    # the kept Enums stand in for the text columns (the other columns are shared, not copied)
    opened_enums = (
        opened.frame(enums.categories)
        if isinstance(opened, OpenRecords)
        else _cast(opened, enums.categories)
    )
    frame = pl.concat(
        [settled.with_columns(enums.columns.get_columns()), opened_enums],
        rechunk=True,  # one chunk each, as a frame built at once is
    )
    return frame.with_columns(as_of=pl.lit(when, dtype=pl.Int64)).select(list(RECORDS_SCHEMA))


def _needed(enums: SettledEnums, opened: pl.DataFrame | OpenRecords) -> dict[str, list[str]]:
    """Each categorical column's values in the settled rows (by the counts) or ``opened``."""
    present = _present(opened)
    out: dict[str, list[str]] = {}
    for n in RECORD_ENUMS:
        held = {c for c, k in zip(enums.categories[n], enums.counts[n], strict=True) if k > 0}
        out[n] = sorted(held | present[n])
    return out


def records_at_plain(settled: pl.DataFrame, opened: pl.DataFrame, when: Instant) -> pl.DataFrame:
    """:func:`records_at` casting the whole frame: each Enum of the values present."""
    frame = pl.concat([settled, opened], rechunk=True)
    frame = frame.with_columns(as_of=pl.lit(when, dtype=pl.Int64)).select(list(RECORDS_SCHEMA))
    return frame.with_columns(
        pl.col(n).cast(pl.Enum(sorted(frame.get_column(n).drop_nulls().unique().to_list())))
        for n in RECORD_ENUMS
    )


def _cast(text: pl.DataFrame, categories: dict[str, list[str]]) -> pl.DataFrame:
    return text.with_columns(pl.col(n).cast(pl.Enum(categories[n])) for n in RECORD_ENUMS)


def _counts(columns: pl.DataFrame, categories: dict[str, list[str]]) -> dict[str, I64]:
    out: dict[str, I64] = {}
    for n in RECORD_ENUMS:
        codes = columns.get_column(n).to_physical().drop_nulls().cast(pl.Int64).to_numpy()
        out[n] = np.bincount(codes, minlength=len(categories[n])).astype(np.int64)
    return out


def _within(frame: pl.DataFrame, categories: dict[str, list[str]]) -> bool:
    """Whether every categorical value of ``frame`` is among ``categories``."""
    for n in RECORD_ENUMS:
        known = set(categories[n])
        if any(v not in known for v in frame.get_column(n).drop_nulls().unique().to_list()):
            return False
    return True
