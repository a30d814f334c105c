"""The columnar reader's validation of a source in pieces, on one thread or several.

A piece is a batch of a source's rows (:func:`accord.io.columnar.read_columnar` reads a
source :data:`~accord.io.columnar.VALIDATE_ROWS` rows at a time). :class:`PieceCheck` checks
one; with ``threads`` > 1 a source of several Parquet row groups has its groups decoded and
checked side by side (:func:`threaded_groups`), and a source of one group has each of its
batches checked as consecutive slices on the threads (:func:`split_piece`). A row's checks
never look at another row (duplicates are found afterwards, over every event), so the
slices' outcomes, concatenated, are the batch's, whatever the threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.core.engine.batch.stages import mark
from accord.core.event_validation import StatusMapper
from accord.io.columnar_validate import _events_table, _validate_columns, compact_codes

BoolArray = NDArray[np.bool_]
I64 = NDArray[np.int64]
Outcome = tuple[pa.Table | None, I64]
"""A piece's outcome: its plainly valid rows as an events table (``None``: none), and the
positions in the source of the rows the row validator decides."""

SPLIT_ROWS = 1 << 15
"""Fewest rows each thread validates of a batch that is split between threads (a source of
one row group, such as a log of a million events, read with ``threads`` > 1): below that the
handing over costs more than the thread saves."""


@dataclass(frozen=True)
class PieceCheck:
    """How the pieces of one source are checked: ``force_slow`` marks the rows (by position
    in the source) that must go to the row validator whatever their columns say, ``first_seq``
    is the source's first row's ``seq``, ``compact``: the events' dictionary codes narrowed."""

    force_slow: BoolArray
    first_seq: int
    status_category: StatusMapper | None
    compact: bool

    def __call__(self, piece: pa.Table, lo: int) -> Outcome:
        """The rows ``lo`` … of the source, checked."""
        m = piece.num_rows
        fast = _validate_columns(piece, self.status_category, self.force_slow[lo : lo + m])
        del piece
        if fast.slow.any():
            ok = np.flatnonzero(~fast.slow)
            slow = np.flatnonzero(fast.slow) + lo
        else:  # the usual piece: every row plainly valid
            ok = np.arange(m, dtype=np.int64)
            slow = np.zeros(0, dtype=np.int64)
        good = None
        if ok.size:
            good = _events_table(fast, ok, self.first_seq + lo + ok.astype(np.int64, copy=False))
            good = compact_codes(good) if self.compact else good
        return good, slow


def pool(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(threads, thread_name_prefix="accord-read")


def _slices(m: int, threads: int) -> range:
    """Where each of the consecutive slices of a batch of ``m`` rows starts: as many as the
    threads, each at least :data:`SPLIT_ROWS` rows."""
    slices = max(1, min(threads, m // SPLIT_ROWS))
    return range(0, m, -(-m // slices))


def split_piece(
    workers: ThreadPoolExecutor, threads: int, piece: pa.Table, lo: int, check: PieceCheck
) -> list[Outcome]:
    """One batch checked as consecutive slices side by side on ``workers``, the slices'
    outcomes in row order: what a source of one row group gets instead of
    :func:`threaded_groups`."""
    starts = _slices(piece.num_rows, threads)
    futures = [
        workers.submit(check, piece.slice(a, starts.step), lo + a) for a in starts
    ]  # fmt: skip
    return [f.result() for f in futures]


def shared_piece(
    workers: ThreadPoolExecutor, threads: int, piece: pa.Table, lo: int, check: PieceCheck
) -> list[Outcome]:
    """One batch checked as consecutive slices, the first on this thread and the others
    queued on ``workers`` (this thread's own pool): the slices' outcomes in row order (as
    :func:`split_piece`). A queued slice that no other thread has taken when this one gets
    to it is taken back and checked here, so that the pool's threads never all wait on
    slices queued behind them."""
    starts = _slices(piece.num_rows, threads)

    def one(a: int) -> Outcome:
        return check(piece.slice(a, starts.step), lo + a)

    futures = [(a, workers.submit(one, a)) for a in starts[1:]]
    done = [one(0)]
    for a, f in futures:
        done.append(one(a) if f.cancel() else f.result())
    return done


def threaded_groups(
    groups: Sequence[tuple[int, Callable[[bool], Iterator[pa.Table]]]],
    check: PieceCheck,
    threads: int,
) -> Iterator[tuple[list[pa.Table], list[I64]]]:
    """Each row group decoded and checked on a pool of ``threads`` threads, its outcome
    (accepted pieces, rows for the row validator) given in file order. Arrow's decoding, the
    compiled checks (numba, ``nogil``) and numpy's array passes release the GIL, so the
    groups really run side by side; each thread holds one decoded batch at a time."""
    starts = np.concatenate([[0], np.cumsum([m for m, _read in groups])]).astype(np.int64)
    # The last round of groups (one a thread) ends unevenly when the groups do not share out
    # evenly (10 groups on 2 threads, the last one smaller): a thread done early would idle
    # while another decodes and checks its last group. Those groups are decoded with Arrow's
    # threads (the columns side by side) and each batch checked as slices queued on the same
    # pool, so that whichever thread is free takes a share (no thread of its own: each
    # thread's allocations stay in the memory it already holds).
    last = len(groups) - min(threads, len(groups))
    workers = pool(min(threads, len(groups)))

    def one(k: int) -> tuple[list[pa.Table], list[I64]]:
        goods: list[pa.Table] = []
        slows: list[I64] = []
        lo = int(starts[k])
        tail = k >= last
        for piece in groups[k][1](tail):
            m = piece.num_rows
            if tail and m >= 2 * SPLIT_ROWS:
                done = shared_piece(workers, threads, piece, lo, check)
            else:
                done = [check(piece, lo)]
            del piece
            for good, slow in done:
                if good is not None:
                    goods.append(good)
                slows.append(slow)
            lo += m
        return goods, slows

    with workers:
        futures = [workers.submit(one, k) for k in range(len(groups))]
        try:
            for fut in futures:
                yield fut.result()
                mark("validation")
        finally:
            for fut in futures:
                fut.cancel()
