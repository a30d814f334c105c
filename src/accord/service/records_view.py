"""The records view: what ``GET /api/v1/compliance`` counts, held in memory and kept current.

Compliance over the stored records used to be one SQL group-by over every record at each
request (seconds with a million tickets). The counts change only when a ticket is recomputed,
except for one thing: a running clock with a due instant turns from open to breached when the
request's "now" passes that instant. So the view splits the records with a target in two:

- **static** ones (met, breached, paused, running without a due instant): their counts per
  finest group (metric, priority, policy, team, customer, start month) sit in a small array,
  adjusted when a ticket's records are replaced;
- **dynamic** ones (running with a due instant): kept as rows (ticket, group, due), judged at
  each request against its now, vectorised (``due < now``: breached, else open), exactly as
  :func:`accord.io.store.base.state_at` judges them in the store's own query.

Per record the view keeps the ticket id, its group and its kind (a few tens of bytes), so a
ticket's old contribution can be taken back when the recompute replaces it: the rows loaded
from the store live in one columnar frame (``base``), rows replaced since in a dictionary
(``delta``), merged into the frame when it grows (compaction).

Keeping it current:

- the background recompute and recompute jobs hand every ticket they save to :meth:`apply`;
  the recompute process (another process) names the tickets it saved, whose records
  :meth:`refresh` reads from the store;
- :meth:`sync` compares the store's change stamp (highest event ``seq``, configuration version:
  index look-ups) with the last one seen, at most every ``check_interval`` seconds; new events
  written by another process are found by ``seq`` and their tickets' records re-read once no
  recompute mark is left on them; a new configuration version reloads the whole view.

Isolation: the customer of a ticket's rows is its current one. The store numbers every change
of a ticket's customer in commit order (``Store.moves_since``); each read first puts the rows of
the tickets moved since the last look under their new customer (:meth:`RecordsView.follow_moves`,
an index look-up when nothing moved), and records handed over by the recompute are counted under
the customers the store holds when they arrive, not those of their summaries (computed perhaps
before a move). So a scoped read never counts a ticket for the customer it left.

Loading happens once, in a background thread at server start (or on the first read when there
is no background work, as in tests); until it is ready reads fall back to the store's query,
so an answer never depends on whether the view is loaded. Every method is thread-safe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl

from accord.core.timeutil import Instant
from accord.io.store import ComplianceRow, Store, TicketResult
from accord.io.store.base import COMPLIANCE_DIMENSIONS
from accord.service.records_view_state import (
    ViewState,
    apply_results,
    delta_frame,
    dynamic_now,
    empty_state,
    filtered,
    groups_frame,
    key_expr,
    move_rows,
    owned,
    refreshed,
    replace_keys,
    rows_frame,
    static_rows,
)

log = logging.getLogger("accord.service")

_RETRY = 30.0  # seconds between attempts to load the view after a failed one


class RecordsView:
    """The compliance counts of the stored records, in memory (see the module doc)."""

    def __init__(
        self,
        store: Store,
        *,
        check_interval: float = 1.0,
        compact_at: int = 50_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._check_interval = check_interval
        self._compact_at = compact_at
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self._state: ViewState | None = None
        self._loading = False
        # changes that arrive while a load reads the store, applied to it when it is done
        self._replay: list[Callable[[ViewState], None]] | None = None
        self._last_check = -float("inf")
        self._last_retry = monotonic()  # the server starts a load itself
        # pure results per content generation: the static counts per request's parameters,
        # and the groups as a frame
        self._memo: dict[tuple[Any, ...], list[tuple[str | None, str, int, int, int]]] = {}
        self._groups: tuple[int, pl.DataFrame] | None = None
        self._late: dict[tuple[int, Instant], pl.DataFrame] = {}
        self._dynamic: tuple[int, pl.DataFrame] | None = None
        self.generation = 0  # bumped by every change of the content
        self.loads = 0
        self.load_seconds: float | None = None

    # ------------------------------------------------------------------ loading

    @property
    def ready(self) -> bool:
        return self._state is not None

    def usable(self, *, load: bool) -> bool:
        """Whether a read can use the view now, caught up with the store. ``load``: load it
        here when it is not loaded and no load is running (a service without background
        work); otherwise the read falls back to the store until the background load is done."""
        if self._state is None:
            if self._loading:
                return False
            if not load:
                # the load at start failed (it logged why): try again, now and then
                now = self._monotonic()
                if now - self._last_retry >= _RETRY:
                    self._last_retry = now
                    self.load_in_background()
                return False
            self.load()
        self.sync(background=not load)
        return self._state is not None

    def load(self) -> None:
        """(Re)build the view from the store; reads keep the old content until it is done."""
        with self._lock:
            if self._loading:
                return
            self._loading = True
            self._replay = []
        t0 = time.perf_counter()
        try:
            stamp = self._store.change_stamp()  # before reading: later writes are found again
            state = empty_state(stamp, self._store.last_move())
            frames: list[pl.DataFrame] = []
            dyn: list[pl.DataFrame] = []
            for batch in self._store.compliance_keys():
                b, d = rows_frame(state, batch)
                frames.append(b)
                dyn.append(d)
            # sorted by ticket: a ticket's rows are then found by binary search, not a scan
            state.base = pl.concat(frames).sort("ticket_id") if frames else state.base
            state.dynamic = pl.concat(dyn) if dyn else state.dynamic
            with self._lock:
                for step in self._replay or []:
                    step(state)
                self._state = state
                self._replay = None
                self._changed()
                self.loads += 1
        finally:
            with self._lock:
                self._loading = False
                self._replay = None
        self.load_seconds = time.perf_counter() - t0
        log.info("records view loaded: %d records in %.1f s", state.base.height, self.load_seconds)

    def load_in_background(self) -> threading.Thread:
        def run() -> None:
            try:
                self.load()
            except Exception:  # reads fall back to the store meanwhile
                log.exception("loading the records view failed")

        thread = threading.Thread(target=run, name="accord-records-view", daemon=True)
        thread.start()
        return thread

    # ------------------------------------------------------------------ keeping current

    def apply(self, results: Sequence[TicketResult], seqs: Mapping[str, int]) -> None:
        """Replace the records of the tickets of ``results``, just saved to the store;
        ``seqs``: each ticket's highest event ``seq`` its records were computed from."""
        with self._lock:
            # counted under the tickets' current customers, read now: a summary computed
            # before a move names the customer the ticket left (later moves are followed)
            owners = self._store.owners_of([r.summary.ticket_id for r in results])
            rows = [owned(r, owners) for r in results]
            kept = dict(seqs)
            self._step(lambda state: apply_results(state, rows, kept))

    def refresh(self, seqs: Mapping[str, int]) -> None:
        """Read again the records of these tickets, just saved to the store by another
        process (the recompute process); ``seqs`` as :meth:`apply`. The records are read
        from the store now, under the lock (no older read lands last), with the customers
        the store holds now (moves made later are followed by :meth:`follow_moves`)."""
        with self._lock:
            if self._state is None and self._replay is None:
                return  # not loaded and not loading: the load will read them
            ids = list(seqs)
            keys = [k for batch in self._store.compliance_keys(ids) for k in batch]
            kept = dict(seqs)
            self._step(lambda state: refreshed(state, ids, keys, kept))

    def _step(self, step: Callable[[ViewState], None]) -> None:
        """Apply ``step`` to the content, and to the one a running load is building."""
        with self._lock:
            if self._replay is not None:  # a load is reading the store: apply to it too
                self._replay.append(step)
            state = self._state
            if state is None:
                return
            step(state)
            self._compact(state)
            self._changed()

    def sync(self, *, force: bool = False, background: bool = False) -> None:
        """Catch up with writes made elsewhere (another process on the same database), if
        the last check is older than ``check_interval`` (or ``force``). ``background``: a
        reload runs in a thread while reads keep the current content."""
        now = self._monotonic()
        with self._lock:
            state = self._state
            if state is None or (not force and now - self._last_check < self._check_interval):
                return
            self._last_check = now
        stamp = self._store.change_stamp()
        if stamp == state.stamp:
            return
        if stamp[1] != state.stamp[1]:
            # another configuration: every record may change (its recompute job hands them
            # over one by one when it runs here; a reload also covers one run elsewhere)
            if background:
                self.load_in_background()
            else:
                self.load()
            return
        with self._lock:  # store read and apply under the lock: no older read lands last
            if self._state is not state:
                return
            changed = self._store.changed_since(state.seq_seen)
            marked = {tid for tid, _ in self._store.dirty(1_000_000)}
            todo = [
                tid
                for tid, (_, hi) in changed.items()
                if state.handled.get(tid, -1) < hi and tid not in marked
            ]
            waiting = [lo for tid, (lo, _) in changed.items() if tid in marked]
            if todo:
                replace_keys(state, todo, self._store.compliance_keys(todo))
                self._compact(state)
                self._changed()
            # tickets still waiting for a recompute are looked at again next time
            state.seq_seen = min(waiting) - 1 if waiting else stamp[0]
            state.stamp = stamp if not waiting else (state.seq_seen, stamp[1])
            seen = state.seq_seen
            state.handled = {t: q for t, q in state.handled.items() if q > seen}

    def follow_moves(self) -> None:
        """Count every ticket moved to another customer since the last look under its new
        customer (an index look-up when none moved). Every read does this first, so a move
        takes effect in the counts before a read can count the ticket for the customer it
        left, whatever the recompute backlog."""
        top = self._store.last_move()
        with self._lock:
            state = self._state
            if state is None or top <= state.moves_seen:
                return
            # store reads and the change under the lock: no older read lands last. Moves are
            # numbered in commit order, so none below the last one read can appear later.
            current: dict[str, str | None] = {}
            while True:
                moves = self._store.moves_since(state.moves_seen)
                if not moves:
                    break
                for m in moves:
                    current[m.ticket_id] = m.to_customer
                state.moves_seen = moves[-1].n
            if current:
                move_rows(state, current)
                self._changed()

    def _compact(self, state: ViewState) -> None:
        if len(state.delta) < self._compact_at:
            return
        keep = state.base.filter(~pl.col("ticket_id").is_in(list(state.delta)))
        state.base = pl.concat([keep, delta_frame(state.delta)]).sort("ticket_id")
        state.dynamic = dynamic_now(state)
        state.delta = {}

    def _changed(self) -> None:
        self.generation += 1
        self._memo.clear()

    # ------------------------------------------------------------------ reads

    def compliance(
        self,
        by: str | None,
        *,
        now: Instant,
        customer: str | None = None,
        metric: str | None = None,
        internal: bool = False,
    ) -> list[ComplianceRow]:
        """What :meth:`Store.compliance` answers, from memory."""
        if by is not None and by not in COMPLIANCE_DIMENSIONS:
            raise ValueError(f"cannot group compliance by '{by}'")
        self.follow_moves()
        with self._lock:
            state = self._state
            if state is None:
                raise RuntimeError("the records view is not loaded")
            key = (self.generation, by, customer, metric, internal)
            static = self._memo.get(key)
            if static is None:
                static = self._memo[key] = static_rows(state, by, customer, metric, internal)
            if self._groups is None or self._groups[0] != self.generation:
                self._groups = (self.generation, groups_frame(state.group_rows))
            groups = self._groups[1]
            if self._dynamic is None or self._dynamic[0] != self.generation:
                # once per content, not once per pass (see records_view_state._replace_rows)
                self._dynamic = (self.generation, dynamic_now(state))
            dynamic = self._dynamic[1]
            generation = self.generation
        sums: dict[tuple[str | None, str], list[int]] = {}
        for k, month, met, breached, open_ in static:
            sums[(k, month)] = [met, breached, open_]
        # the now-dependent part: running clocks past their due instant are breached; counted
        # per group once per (content, now), which the requests of one page share
        if dynamic.height:
            with self._lock:
                per_group = self._late.get((generation, now))
            if per_group is None:
                per_group = dynamic.group_by("gid").agg(
                    breached=(pl.col("due") < now).sum(), open=(pl.col("due") >= now).sum()
                )
                with self._lock:
                    self._late = {(generation, now): per_group}
            judged = (
                filtered(per_group.join(groups, on="gid", how="inner"), customer, metric, internal)
                .group_by([key_expr(by), "month"])
                .agg(pl.col("breached").sum(), pl.col("open").sum())
            )
            for k, month, breached, open_ in judged.iter_rows():
                c = sums.setdefault((k, month), [0, 0, 0])
                c[1] += int(breached)
                c[2] += int(open_)
        return [ComplianceRow(k, m, *c) for (k, m), c in sums.items()]

    def memory_bytes(self) -> int:
        """The view's size in memory, roughly (frames, the delta and the counts)."""
        with self._lock:
            s = self._state
            if s is None:
                return 0
            delta = sum(100 + 24 * len(rows) for rows in s.delta.values())
            return int(
                s.base.estimated_size() + s.dynamic.estimated_size() + s.counts.nbytes + delta
            )

    @property
    def records(self) -> int:
        with self._lock:
            s = self._state
            if s is None:
                return 0
            replaced = s.base.filter(pl.col("ticket_id").is_in(list(s.delta))).height
            return s.base.height - replaced + sum(len(r) for r in s.delta.values())
