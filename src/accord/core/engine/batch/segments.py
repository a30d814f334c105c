"""Array helpers over events sorted by ticket: each ticket is one contiguous segment.

Every helper works on whole arrays (no Python loop over tickets or events): a ticket boundary
is handled by comparing against the index of the ticket's first event, and the forward fills
are one compiled pass (:mod:`._jit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from accord.core.engine.batch import _jit

G = TypeVar("G", bound=np.generic)
BoolArray = NDArray[np.bool_]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Segments:
    """Ticket segments of ``n`` sorted events.

    ``bounds[k]`` is the first event of ticket ``k`` (``bounds[-1] == n``); ``ticket[j]`` the
    ticket of event ``j``; ``head[j]`` the first event of ``j``'s ticket.
    """

    n: int
    bounds: I64
    ticket: I64
    head: I64
    first: BoolArray  # event j opens its ticket
    last: BoolArray  # event j closes its ticket

    @staticmethod
    def from_ticket_codes(codes: I64) -> Segments:
        """Segments of events already grouped by ``codes`` (equal codes are contiguous)."""
        n = codes.size
        first = np.ones(n, dtype=bool)
        if n:
            first[1:] = codes[1:] != codes[:-1]
        starts = np.flatnonzero(first).astype(np.int64)
        bounds = np.append(starts, np.int64(n))
        ticket = np.cumsum(first, dtype=np.int64) - 1
        last = np.zeros(n, dtype=bool)
        if n:
            last[bounds[1:] - 1] = True
        return Segments(n, bounds, ticket, starts[ticket], first, last)

    @staticmethod
    def of_rows(codes: NDArray[np.integer], rows: I64) -> Segments:
        """:meth:`from_ticket_codes` of ``codes[rows]``, in one compiled pass that reads the
        codes through ``rows`` instead of gathering them first."""
        bounds, ticket, head, first, last = _jit.segments(codes, rows)
        return Segments(int(rows.size), bounds, ticket, head, first, last)

    @property
    def count(self) -> int:
        return int(self.bounds.size - 1)

    @property
    def tail(self) -> I64:
        """The last event of every ticket."""
        return self.bounds[1:] - 1

    def last_where(self, mask: BoolArray) -> I64:
        """For every event, the latest event at or before it in its ticket where ``mask``
        holds; -1 where there is none."""
        return _jit.last_where(self.bounds, mask)

    def fill(self, mask: BoolArray, values: NDArray[G], default: int) -> NDArray[G]:
        """Forward fill within each ticket: ``values`` at the latest ``mask`` event, else
        ``default``."""
        return _jit.fill(self.bounds, mask, values, default)

    def prev(self, values: NDArray[G], default: int) -> NDArray[G]:
        """``values`` of the previous event of the same ticket (``default`` at the first)."""
        out = np.empty_like(values)
        if self.n:
            out[1:] = values[:-1]
            out[self.first] = default
        return out

    def first_where(self, mask: BoolArray) -> I64:
        """Per ticket, the first event where ``mask`` holds; ``n`` where none does."""
        idx = np.where(mask, np.arange(self.n, dtype=np.int64), np.int64(self.n))
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.minimum.reduceat(idx, self.bounds[:-1])

    def any(self, mask: BoolArray) -> BoolArray:
        if self.n == 0:
            return np.zeros(0, dtype=bool)
        return np.logical_or.reduceat(mask, self.bounds[:-1])

    def count_before(self, mask: BoolArray) -> I64:
        """For every event, how many events before it in its ticket have ``mask``."""
        c = np.cumsum(mask, dtype=np.int64)
        base = c[self.head] - mask[self.head]
        return c - mask - base
