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
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from accord.core.kpi.frames import RECORD_ENUMS, RECORDS_SCHEMA
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


def aligned(enums: SettledEnums, opened: pl.DataFrame) -> SettledEnums:
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
    settled: pl.DataFrame, opened: pl.DataFrame, when: Instant, enums: SettledEnums | None
) -> pl.DataFrame:
    """The records frame of ``settled`` then ``opened`` (text, without ``as_of``) at ``when``;
    ``enums``: the settled records' Enums, :func:`aligned` with ``opened`` (else not used)."""
    if enums is None or enums.text is not settled or _needed(enums, opened) != enums.categories:
        return records_at_plain(settled, opened, when)
    # the kept Enums stand in for the text columns (the other columns are shared, not copied)
    frame = pl.concat(
        [settled.with_columns(enums.columns.get_columns()), _cast(opened, enums.categories)],
        rechunk=True,  # one chunk each, as a frame built at once is
    )
    return frame.with_columns(as_of=pl.lit(when, dtype=pl.Int64)).select(list(RECORDS_SCHEMA))


def _needed(enums: SettledEnums, opened: pl.DataFrame) -> dict[str, list[str]]:
    """Each categorical column's values in the settled rows (by the counts) or ``opened``."""
    out: dict[str, list[str]] = {}
    for n in RECORD_ENUMS:
        held = {c for c, k in zip(enums.categories[n], enums.counts[n], strict=True) if k > 0}
        out[n] = sorted(held | set(opened.get_column(n).drop_nulls().unique().to_list()))
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
