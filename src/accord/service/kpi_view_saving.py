"""Where the server keeps the KPI view's saved state, and when it writes and reads it: the
view starts from the file when it can (:meth:`KpiView.load_saved`), else loads from the
store (and, in a server, writes the file right after); the file is written every
``kpi_view_save_every`` seconds while the view changes, and at a clean stop, in a thread of
its own (reads go on meanwhile)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from accord.core.config.resolved import Configuration
from accord.core.timeutil import Instant
from accord.io.store import SqlStore, Store
from accord.service.kpi_view import KpiView
from accord.service.kpi_view_state import state_path, store_id
from accord.service.settings import Settings

log = logging.getLogger("accord.service")


def state_folder(settings: Settings, store: Store) -> Path | None:
    """The folder of the saved state: ``kpi_view_dir``, else the folder of a SQLite store's
    file; ``None`` (nothing saved) for other stores without ``kpi_view_dir``, or when
    ``kpi_view_saved`` is off."""
    if not settings.kpi_view_saved:
        return None
    if settings.kpi_view_dir is not None:
        return settings.kpi_view_dir
    if isinstance(store, SqlStore) and store.url.get_backend_name() == "sqlite":
        db = store.url.database
        if db and db != ":memory:" and not db.startswith("file:"):
            return Path(db).resolve().parent
    return None


class ViewSaver:
    """The KPI view's saved state for one server (see the module doc)."""

    def __init__(
        self, view: KpiView, store: Store, settings: Settings, clock: Callable[[], Instant]
    ) -> None:
        self._view = view
        self._store = store
        self._folder = state_folder(settings, store)
        self._every = settings.kpi_view_save_every
        self._background = settings.background
        self._clock = clock
        self._target: tuple[Path, str] | None = None
        self._lock = threading.Lock()  # one write at a time
        self._written: tuple[int, ...] | None = None  # what the last write held
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.writes = 0
        self.write_seconds: float | None = None

    @property
    def enabled(self) -> bool:
        return self._folder is not None

    def target(self) -> tuple[Path, str] | None:
        """The file and the store's id (read from the store once)."""
        if self._folder is None:
            return None
        if self._target is None:
            sid = store_id(self._store, self._clock())
            self._target = (state_path(self._folder, sid), sid)
        return self._target

    def open(self, version: int, config: Configuration, custom: Sequence[str]) -> None:
        """Start the view for ``version``: from the saved state when it can be used, else
        loaded from the store."""
        target = self.target()
        if target is not None:
            try:
                if self._view.load_saved(target[0], target[1], version, config, custom):
                    self._written = self._stamp()
                    return
            except Exception:  # the store failing here fails the load below the same way
                log.exception("starting the KPI view from %s failed; loading it", target[0])
        self._view.load(version, config, custom)
        if target is not None and self._background:
            # at once (in the loading thread): a crash before the first periodic write
            # would otherwise cost the next start a whole load again
            try:
                self.save()
            except Exception:
                log.exception("saving the KPI view failed")

    def _stamp(self) -> tuple[int, ...]:
        return self._view.content_stamp()

    def save(self) -> None:
        """Write the view's state when it changed since the last write."""
        target = self.target()
        if target is None:
            return
        with self._lock:
            self._view.sync()  # what the store got since counts as a change
            if self._stamp() == self._written or self._view.version() is None:
                return
            t0 = time.perf_counter()
            got = self._view.save(*target)
            if got is None:
                return
            size, stamp = got
            self.write_seconds = time.perf_counter() - t0
            self.writes += 1
            self._written = stamp
            log.info(
                "KPI view saved to %s (%.0f MiB) in %.1f s",
                target[0],
                size / 2**20,
                self.write_seconds,
            )

    def start(self) -> None:
        """Write periodically (``kpi_view_save_every`` seconds; 0: only at :meth:`stop`)."""
        if self._folder is None or self._every <= 0 or self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self._every):
                try:
                    self.save()
                except Exception:  # the next round tries again; the old file stays whole
                    log.exception("saving the KPI view failed")

        self._thread = threading.Thread(target=loop, name="accord-kpi-view-save", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the periodic writes and write once more (a clean shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        try:
            self.save()
        except Exception:
            log.exception("saving the KPI view at shutdown failed")
