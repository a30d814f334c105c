"""Prometheus metrics at ``/metrics``: counters of ingested, duplicate and rejected events
(by source), and gauges read from the store when scraped: tickets waiting for a recompute,
tickets whose recompute failed; clocks by state and breached clocks by policy and priority,
judged at a scrape at most ``metrics_clocks_every`` seconds ago (a scan of every stored clock).

Each app has its own registry, so several apps in one process (tests) do not collide.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from accord.io.store import StoreStats

if TYPE_CHECKING:
    from accord.service.runtime import Runtime


class _StoreCollector(Collector):
    def __init__(self, runtime: Runtime, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._runtime = runtime
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._scan: tuple[float, StoreStats] | None = None  # (when, the last scan)

    def _clocks(self) -> StoreStats:
        """The last scan of the stored clocks, made again when older than the setting (one
        scrape at a time scans: those meanwhile wait for it rather than scan too)."""
        every = self._runtime.settings.metrics_clocks_every
        with self._lock:
            now = self._monotonic()
            if self._scan is None or every == 0 or now - self._scan[0] >= every:
                self._scan = (now, self._runtime.store.stats(self._runtime.clock()))
            return self._scan[1]

    def collect(self) -> Iterator[Metric]:
        stats = self._clocks()
        pending, failed = self._runtime.store.backlog()  # at every scrape: two small counts
        clocks = GaugeMetricFamily(
            "accord_clocks", "Metric clocks by state, judged now", labels=["state"]
        )
        for state in ("running", "paused", "met", "breached", "cancelled"):
            clocks.add_metric([state], stats.clocks_by_state.get(state, 0))
        yield clocks
        breaches = GaugeMetricFamily(
            "accord_breaches",
            "Breached clocks by policy and priority",
            labels=["policy", "priority"],
        )
        for (policy, priority), n in sorted(
            stats.breaches.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
        ):
            breaches.add_metric([policy or "", priority or ""], n)
        yield breaches
        yield GaugeMetricFamily(
            "accord_recompute_pending",
            "Tickets with new events waiting for their clocks to be recomputed",
            value=pending,
        )
        yield GaugeMetricFamily(
            "accord_failed_tickets",
            "Tickets whose recompute failed, set aside until a new event or a retry "
            "(GET /api/v1/recompute/failures)",
            value=failed,
        )


class _ViewCollector(Collector):
    """The records view (compliance in memory): loaded or not, its first-load time and size."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        view = self._runtime.records_view
        yield GaugeMetricFamily(
            "accord_records_view_ready",
            "1 once the in-memory records view is loaded (compliance reads use it)",
            value=1 if view.ready else 0,
        )
        yield GaugeMetricFamily(
            "accord_records_view_load_seconds",
            "Seconds the last full load of the records view took",
            value=view.load_seconds or 0.0,
        )
        yield GaugeMetricFamily(
            "accord_records_view_bytes",
            "Memory held by the records view",
            value=view.memory_bytes(),
        )
        kpis = self._runtime.kpi_view
        stats = kpis.stats()
        yield GaugeMetricFamily(
            "accord_kpi_view_ready",
            "1 once the in-memory KPI view is loaded (KPI values are computed from it)",
            value=1 if kpis.version() is not None else 0,
        )
        yield GaugeMetricFamily(
            "accord_kpi_view_load_seconds",
            "Seconds the last full load of the KPI view took",
            value=kpis.load_seconds or 0.0,
        )
        tickets = GaugeMetricFamily(
            "accord_kpi_view_tickets",
            "Tickets in the KPI view: settled (stored records used) or open (computed per read)",
            labels=["kind"],
        )
        tickets.add_metric(["settled"], stats["settled"])
        tickets.add_metric(["open"], stats["open"])
        yield tickets


class _RecomputeCollector(Collector):
    """The recompute process (when the recompute runs in one): its CPU time and restarts."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        process = self._runtime.recompute_process
        if process is None:
            return
        yield GaugeMetricFamily(
            "accord_recompute_process_cpu_seconds",
            "CPU seconds used by the recompute processes (as of their last pass)",
            value=process.cpu_total,
        )
        yield GaugeMetricFamily(
            "accord_recompute_process_starts",
            "Recompute processes started (more than one: one ended and was replaced)",
            value=process.starts,
        )


class ServiceMetrics:
    def __init__(self, runtime: Runtime) -> None:
        self.registry = CollectorRegistry()
        self.ingested = Counter(
            "accord_events_ingested",
            "Events accepted and stored",
            ["source"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "accord_events_duplicate",
            "Events ignored as duplicates of stored ones",
            ["source"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "accord_events_rejected",
            "Events rejected and kept in the quarantine",
            ["source"],
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(runtime))
        self.registry.register(_ViewCollector(runtime))
        self.registry.register(_RecomputeCollector(runtime))

    def render(self) -> bytes:
        return generate_latest(self.registry)
