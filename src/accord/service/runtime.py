"""What one running service holds: settings, the store, the configuration versions, the
background recompute, the jobs and the Prometheus metrics. The routers reach it through
``request.app.state.runtime``; the system clock is read here, at the edge, and nowhere in the
core."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TypeVar

import polars as pl

from accord.core.agreements.models import is_internal
from accord.core.config.resolved import Configuration
from accord.core.contracts.models import ContractSpec
from accord.core.contracts.statement import ticket_fields
from accord.core.engine import compute_ticket
from accord.core.kpi.check import custom_fields
from accord.core.kpi.facts import TicketFacts
from accord.core.records import MetricRecord
from accord.core.timeutil import Instant, to_instant
from accord.io.store import Store, TicketResult, TicketSummary
from accord.service.alert_clocks import OpenClocks
from accord.service.alert_view import ViewFigures
from accord.service.alerting import AlertLoop, NotifierFactory, VersionedSetup, env_notifiers
from accord.service.auth import VerifiedTokens
from accord.service.configuration import ConfigState
from accord.service.contract_view import view_clocks
from accord.service.derived import Derived
from accord.service.figures import contracts_of_files, kpi_catalog
from accord.service.heap import keep_out_of_collections, settle_heap
from accord.service.kpi_view import KpiView
from accord.service.kpi_view_saving import ViewSaver
from accord.service.metrics import ServiceMetrics
from accord.service.offload import OFFLOAD_AFTER, Offload, store_url
from accord.service.recompute import Jobs, Recomputer, summarize
from accord.service.recompute_process import RecomputeProcess
from accord.service.records_view import RecordsView
from accord.service.settings import Settings
from accord.service.snapshots import Snapshots

log = logging.getLogger("accord.service")
T = TypeVar("T")


@lru_cache(maxsize=8)
def held_fields(files: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The custom fields a configuration version's KPIs name and its contracts' exclusions
    read (what the KPI view holds to answer both)."""
    _, catalog = kpi_catalog(files)
    kpis = custom_fields(list(catalog.values()), ())
    return tuple(dict.fromkeys([*kpis, *ticket_fields(contracts_of_files(dict(files)).values())]))


def wall_clock() -> Instant:
    return to_instant(datetime.now(UTC))


class Runtime:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], Instant] | None = None,
        notifiers: NotifierFactory | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock or wall_clock
        self.configs = ConfigState(store)
        self.recomputer = Recomputer(
            store, self.config_at, self.clock, batch=settings.recompute_batch
        )
        self.jobs = Jobs(store, self._versioned_config, self.clock, batch=settings.recompute_batch)
        self.metrics = ServiceMetrics(self)
        self.verified_tokens = VerifiedTokens()
        # alerts: rounds over the stored delivery log, woken after each recompute, with the
        # open clocks kept in memory and read again as the recompute saves their tickets
        self._alert_clocks = OpenClocks(store)
        self.alerting = AlertLoop(
            store,
            self.clock,
            VersionedSetup(self._config_files, notifiers or env_notifiers()),
            poll=settings.alert_poll,
            figures_every=settings.alert_figures_every,
            grace=settings.alert_grace,
            figures=ViewFigures(self),
            clocks=self._alert_clocks,
        )
        self.recomputer.on_drained = self.alerting.notify
        # compliance counts in memory, told of every ticket the recompute saves
        self.records_view = RecordsView(store)
        self.recomputer.on_saved = self.jobs.on_saved = self._saved
        # the inputs of the KPI values, in memory, read again per saved or changed ticket
        self.kpi_view = KpiView(store, self._version_at, self.clock)
        # ... started from its saved state when it can be (seconds instead of a load)
        self.kpi_view_saver = ViewSaver(self.kpi_view, store, settings, self.clock)
        self._kpi_view_lock = threading.Lock()
        self._kpi_view_loading = False
        # KPI and contract figures, served from snapshots refreshed in the background
        self._saves = 0
        self.snapshots = Snapshots(
            stamp=self._figures_stamp,
            clock=self.clock,
            max_age=settings.snapshot_max_age,
            cheap=settings.snapshot_cheap,
            background=settings.background,
        )
        # answers evaluated from a snapshot (trends), kept while that snapshot is served
        self.derived = Derived()
        # ... whose slow refreshes run in a worker process, off this one's interpreter lock
        self.offload = Offload(store_url(store) if settings.background else None)
        # the background recompute in a process of its own when the store can be opened there
        # and the clock is the system's (a clock set by a caller cannot be handed over)
        self._process_url = (
            store_url(store)
            if settings.background and settings.recompute_process and clock is None
            else None
        )
        self.recompute_process: RecomputeProcess | None = None
        self._started = False

    def _saved(self, results: Sequence[TicketResult], seqs: Mapping[str, int]) -> None:
        self.records_view.apply(results, seqs)
        self.kpi_view.saved(r.summary.ticket_id for r in results)
        self._alert_clocks.saved(r.summary.ticket_id for r in results)
        self._saves += 1

    def _saved_elsewhere(self, seqs: Mapping[str, int]) -> None:
        """The recompute process saved these tickets (ticket: highest event seq): what
        :meth:`_saved` learns from the records handed over, read from the store."""
        # the two that cannot fail first: a failed store read below leaves the records view
        # to its own catch-up (sync re-reads the tickets whose seqs it did not take)
        self.kpi_view.saved(seqs)
        self._alert_clocks.saved(seqs)
        self._saves += 1
        self.records_view.refresh(seqs)

    def notify_recompute(self) -> None:
        """New events are stored: wake the background recompute."""
        if self.recompute_process is not None:
            self.recompute_process.notify()
        else:
            self.recomputer.notify()

    def _figures_stamp(self) -> tuple[int, ...]:
        # events and configuration (the store's stamp) and this process's saved recomputes:
        # a statement finds a customer's tickets through the stored summaries
        return (*self.store.change_stamp(), self._saves)

    def moved_away_guard(self, customer: str | None) -> Callable[[], Hashable] | None:
        """The snapshot guard of a read restricted to ``customer`` (``None``: no guard): the
        number of the store's last move of a ticket away from it (an index look-up), so
        figures computed before such a move are never served to it."""
        if customer is None:
            return None
        return lambda: self.store.last_move(away_from=customer)

    def offloaded(self, key: tuple[Hashable, ...]) -> bool:
        """Whether the snapshot of ``key`` is to be computed in the worker process: its last
        computation was slow and the store can be opened there."""
        snap = self.snapshots.peek(key)
        return self.offload.available and snap is not None and snap.took >= OFFLOAD_AFTER

    def kpi_view_inputs(
        self,
        version: int,
        config: Configuration,
        when: Instant,
        custom: list[str],
        customer: str | None,
    ) -> tuple[pl.DataFrame, TicketFacts] | None:
        """The KPI values' inputs at ``when`` (now) from the KPI view, caught up with the
        store; ``None`` while it is loading for this version (in the background) or when it
        cannot answer exactly: the caller then replays the stored events."""
        return self._from_view(version, config, lambda v: v.inputs(when, custom, customer))

    def contract_view_clocks(
        self,
        version: int,
        config: Configuration,
        contract: ContractSpec,
        customer: str,
        when: Instant,
        fields: list[str],
    ) -> pl.DataFrame | None:
        """The contract's clocks at ``when`` (now) from the KPI view (see
        :mod:`accord.service.contract_view`), or ``None`` as :meth:`kpi_view_inputs`."""
        owned = self._from_view(version, config, lambda v: v.owned(when, fields, customer))
        return view_clocks(owned, contract, when) if owned is not None else None

    def _from_view(
        self, version: int, config: Configuration, read: Callable[[KpiView], T | None]
    ) -> T | None:
        """``read`` of the KPI view once it holds ``version``, caught up with the store."""
        view = self.kpi_view
        if view.version() != version or view.stale:
            held = self._held_fields(version)
            if self.settings.background:
                self._load_kpi_view(version, config, held)
                return None
            self.kpi_view_saver.open(version, config, held)
        view.sync()
        got = read(view)
        if got is None and view.stale:  # a policy version took effect: load again
            if self.settings.background:
                self._load_kpi_view(version, config, self._held_fields(version))
                return None
            view.load(version, config, self._held_fields(version))
            got = read(view)
        return got

    @property
    def kpi_view_loading(self) -> bool:
        """Whether the KPI view is being loaded in the background (reads meanwhile replay
        the events, or, for the alert figures, wait for it)."""
        with self._kpi_view_lock:
            return self._kpi_view_loading

    def _held_fields(self, version: int) -> list[str]:
        """The custom fields the KPI view holds for a version: those its KPIs name and those
        its contracts' exclusions read."""
        files = next(v.files for v in self.configs.versions() if v.version == version)
        return list(held_fields(tuple(sorted(files.items()))))

    def _load_kpi_view_in_force(self) -> None:
        """Load the KPI view for the configuration in force, in the background (at start:
        the first KPI read then finds it ready instead of replaying every event)."""
        current = self.configs.current(self.clock())
        if current is None:
            return
        config, _ = kpi_catalog(tuple(sorted(current[0].files.items())))
        self._load_kpi_view(current[0].version, config, self._held_fields(current[0].version))

    def _load_kpi_view(self, version: int, config: Configuration, custom: list[str]) -> None:
        with self._kpi_view_lock:
            if self._kpi_view_loading:
                return
            self._kpi_view_loading = True

        def run() -> None:
            try:
                self.kpi_view_saver.open(version, config, custom)  # saved state, or a load
                keep_out_of_collections()  # the view's containers: no full collection walks them
            except Exception:  # reads replay the events meanwhile; the next read tries again
                log.exception("loading the KPI view failed")
                return
            finally:
                with self._kpi_view_lock:
                    self._kpi_view_loading = False
            try:  # reads from the view now; the first no longer lays out the open tickets
                self.kpi_view.warm(self.clock())
                keep_out_of_collections()
            except Exception:  # the first read makes them itself
                log.exception("warming the KPI view failed")

        threading.Thread(target=run, name="accord-kpi-view", daemon=True).start()

    def _version_at(self, at: Instant) -> int | None:
        """The version a recompute at ``at`` used: in force then and uploaded before (one
        uploaded in that very second might or might not have been; ``-1``: unknown)."""
        known = [v for v in self.configs.versions() if v.effective_from <= at]
        if any(v.uploaded_at == at for v in known):
            return -1
        known = [v for v in known if v.uploaded_at < at]
        return max(v.version for v in known) if known else None

    def config_at(self, now: Instant) -> Configuration | None:
        got = self.configs.current(now)
        return got[1] if got else None

    def _versioned_config(self, now: Instant) -> tuple[int, Configuration] | None:
        got = self.configs.current(now)
        return (got[0].version, got[1]) if got else None

    def _config_files(self, now: Instant) -> tuple[int, dict[str, str]] | None:
        got = self.configs.current(now)
        return (got[0].version, dict(got[0].files)) if got else None

    def seed(self) -> None:
        """Store the configuration of ``config_dir`` as a new version when it differs from the
        latest one (a bad one raises :class:`ConfigError` with every problem)."""
        if self.settings.config_dir is not None:
            seeded = self.configs.seed(self.settings.config_dir, now=self.clock())
            if seeded is not None:
                log.info(
                    "configuration version %d loaded from %s",
                    seeded.version,
                    self.settings.config_dir,
                )

    def start(self) -> None:
        """Start the background recompute (in its own process when the store can be shared,
        see :mod:`accord.service.recompute_process`), which first catches up on tickets
        marked before a restart."""
        if self._started:
            return
        self._started = True
        for warning in self.store.upkeep_warnings():
            log.warning("%s", warning)
        if self.settings.background:
            # before any request (the server answers once this returns): the imported modules
            # and the app out of every later full collection, which the reads would wait on
            settle_heap()
            self.records_view.load_in_background()
            self._load_kpi_view_in_force()
            self.kpi_view_saver.start()
            if self._process_url is not None:
                self.recompute_process = RecomputeProcess(
                    self._process_url,
                    interval=self.settings.recompute_interval,
                    batch=self.settings.recompute_batch,
                    sqlite_synchronous=self.settings.sqlite_synchronous,
                    on_pass=self._saved_elsewhere,
                    on_drained=self.alerting.notify,
                )
                self.recompute_process.start()  # it catches up first
            else:
                self.recomputer.start(self.settings.recompute_interval)
                self.recomputer.notify()
            # a channel whose secret is unset fails here, at start-up, not at the first alert
            self.alerting.setup_at(self.clock())
            self.alerting.start()

    def stop(self) -> None:
        self.alerting.stop()
        self.recomputer.stop()
        if self.recompute_process is not None:
            self.recompute_process.stop()
        self.snapshots.stop()
        self.offload.stop()
        self.jobs.wait(timeout=5)
        if self._started:  # the view as the recompute left it, for the next start
            self.kpi_view_saver.stop()

    def fresh(
        self, ticket_ids: Collection[str], as_of: Instant, *, internal: bool = False
    ) -> dict[str, Fresh]:
        """These tickets' current fields and records, recomputed from their stored events:
        what reads return, so a running clock's elapsed, remaining and state are those of the
        request (at ``as_of``), and the ticket's customer is its current one, which reads
        check isolation against (a ticket with no stored event has no summary).

        ``records`` are the SLA clocks; the internal agreements' clocks are computed only
        when ``internal`` is asked for (a read by a token bound to no customer), and kept
        apart in ``agreements``.

        The configuration is the version in force now, whatever ``as_of``: a version's
        ``effective_from`` says when the service starts applying it, and an earlier ``as_of``
        judges the clocks at that instant under today's rules (the policies' own versions
        still apply by the time of each event)."""
        now = self.clock()
        config = self.config_at(now)
        with_agreements = internal and config is not None and bool(config.agreements)
        events = self.store.events_of(ticket_ids)
        out: dict[str, Fresh] = {}
        for tid, evs in events.items():
            summary = summarize(tid, evs, now) if evs else None
            try:
                records = (
                    compute_ticket(tid, evs, config, as_of, agreements=with_agreements)
                    if evs and config
                    else []
                )
            except Exception as e:  # one ticket the engine fails on never fails a read
                log.exception("computing ticket %r for a read failed", tid)
                out[tid] = Fresh(summary, [], f"its clocks could not be computed: {e}")
                continue
            sla = [r for r in records if not is_internal(r.metric)]
            ola = [r for r in records if is_internal(r.metric)]
            out[tid] = Fresh(summary, sla, agreements=ola)
        return out


@dataclass(frozen=True, slots=True)
class Fresh:
    """One ticket as a read returns it: its current fields (``None``: no stored event) and
    its records, recomputed from its stored events."""

    summary: TicketSummary | None
    records: list[MetricRecord]
    error: str | None = None  # why its records could not be computed (then there are none)
    # the internal agreements' records: only for a read that asked for them (never a
    # customer-scoped token's)
    agreements: list[MetricRecord] = field(default_factory=list)

    def visible_to(self, customer: str | None) -> bool:
        """Whether a read restricted to ``customer`` (``None``: none) may show this ticket:
        it has events and, when restricted, that customer is its current one."""
        return self.summary is not None and (customer is None or self.summary.customer == customer)
