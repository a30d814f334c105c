"""The pandas / numpy anchor: the same answers as :mod:`.duckdb_sql`, vectorised.

The events sorted by ticket and time (a stable sort: ties keep the order of arrival), the
status category carried forward with a group-by, each clock's end found per ticket, and the
business seconds of every stretch from a cumulative count over the working intervals: with
the intervals sorted, ``B(t)`` (business seconds before ``t``) is one ``searchsorted``, and a
stretch ``[a, b)`` counts ``B(b) - B(a)``, its overlap with the calendar.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from .case import DONE, SimpleCase

I64 = NDArray[np.int64]


def working_intervals(case: SimpleCase, first_ts: int, last_ts: int) -> tuple[I64, I64]:
    """The calendar's intervals (UTC seconds, sorted) over every local day that may hold an
    instant from ``first_ts`` to ``last_ts``: the weekly windows on each day, holidays
    removed, localised in the calendar's zone (so DST is right)."""
    first, last = case.days(first_ts, last_ts)
    days = pd.date_range(first, last, freq="D")
    days = days[~days.isin(pd.DatetimeIndex(case.holidays(first, last)))]
    starts, ends = [], []
    for dow, windows in case.hours.items():
        on = days[days.isocalendar().day.to_numpy() == dow]
        for open_s, close_s in windows:
            for bound, out in ((open_s, starts), (close_s, ends)):
                local = (on + pd.to_timedelta(bound, unit="s")).tz_localize(case.tz)
                out.append(_seconds(local))
    s, e = np.concatenate(starts), np.concatenate(ends)
    order = np.argsort(s, kind="stable")
    return s[order], e[order]


def _seconds(index: pd.DatetimeIndex | pd.Series) -> I64:
    epoch = pd.Timestamp(0, tz="UTC")
    out: I64 = np.asarray((index - epoch) // pd.Timedelta(seconds=1), dtype=np.int64)
    return out


def business_before(t: I64, w_start: I64, w_end: I64) -> I64:
    """Business seconds of the calendar before each instant of ``t``."""
    length = w_end - w_start
    before = np.concatenate([[0], np.cumsum(length)])
    k = np.searchsorted(w_start, t, side="right") - 1  # the last interval opening at or before t
    inside = np.clip(t - w_start[np.maximum(k, 0)], 0, length[np.maximum(k, 0)])
    out: I64 = np.where(k >= 0, before[np.maximum(k, 0)] + inside, 0)
    return out


def pandas_anchor(path: str | Path, as_of: int, case: SimpleCase) -> pa.Table:
    """``ticket_id``, ``metric``, ``business_elapsed``, ``state`` of every ticket of the Parquet
    log at ``path`` at ``as_of``."""
    df = pd.read_parquet(path, columns=["ticket_id", "ts", "kind", "actor", "public", "status"])
    df["t"] = _seconds(df["ts"])
    df = df[df["t"] <= as_of]
    df = df.sort_values(["ticket_id", "t"], kind="stable", ignore_index=True)
    tid = df["ticket_id"].to_numpy()
    code, tickets = pd.factorize(tid)  # sorted: each ticket's rows are contiguous
    n, count = len(df), len(tickets)
    t = df["t"].to_numpy(np.int64)
    pos = df.groupby(code, sort=False).cumcount().to_numpy()

    cats = df["status"].str.lower().map(case.status_map())
    cat = cats.groupby(code, sort=False).ffill().fillna("new").to_numpy(dtype=object)
    cat_before = pd.Series(cat).groupby(code, sort=False).shift(1).fillna("new").to_numpy(object)
    last = np.ones(n, dtype=bool)
    last[:-1] = code[1:] != code[:-1]
    next_t = np.where(last, as_of, np.roll(t, -1))

    kind, actor = df["kind"].to_numpy(object), df["actor"].to_numpy(object)
    public = df["public"].fillna(False).to_numpy(bool)
    done, cat_done = np.isin(cat, DONE), np.isin(cat_before, DONE)
    big = np.iinfo(np.int64).max

    def first_pos(mask: NDArray[np.bool_]) -> I64:
        """Per ticket, the position of its first event in ``mask`` (``big``: none)."""
        out = np.full(count, big, dtype=np.int64)
        np.minimum.at(out, code[mask], pos[mask])
        return out

    start = first_pos(kind == "created")
    start[start == big] = 0  # no 'created': the first event stands in
    deleted = first_pos(kind == "deleted")
    reply = first_pos((kind == "message") & (actor == "agent") & public)
    solved = first_pos(done & ~cat_done)
    fr_end = np.minimum(np.minimum(reply, solved), deleted)
    # the status at the end: before the deletion, or after the last event
    last_cat = cat[last]
    at_deletion = (kind == "deleted") & (pos == deleted[code])
    end_cat = last_cat.copy()
    end_cat[code[at_deletion]] = cat_before[at_deletion]

    w_start, w_end = working_intervals(case, int(t.min()) if n else as_of, as_of)
    bt = business_before(next_t, w_start, w_end) - business_before(t, w_start, w_end)
    counting = (pos >= start[code]) & ~np.isin(cat, case.pause)
    fr_runs = counting & (pos < fr_end[code])
    res_runs = counting & ~done & (pos < deleted[code])

    paused_end = np.isin(end_cat, case.pause)
    frames = []
    for metric, runs in (("first_response", fr_runs), ("resolution", res_runs)):
        elapsed = np.bincount(code[runs], weights=bt[runs], minlength=count).astype(np.int64)
        if metric == "first_response":
            ended = fr_end != big
            end_state = np.where(fr_end == reply, "met", "cancelled")
        else:
            ended = np.isin(end_cat, DONE) | (deleted != big)
            end_state = np.where(np.isin(end_cat, DONE), "met", "cancelled")
        state = np.where(
            elapsed > case.targets[metric],
            "breached",
            np.where(ended, end_state, np.where(paused_end, "paused", "running")),
        )
        frames.append(
            pa.table(
                {
                    "ticket_id": pa.array(tickets, pa.string()),
                    "metric": pa.array(np.full(count, metric, dtype=object), pa.string()),
                    "business_elapsed": pa.array(elapsed, pa.int64()),
                    "state": pa.array(state.astype(object), pa.string()),
                }
            )
        )
    return pa.concat_tables(frames)
