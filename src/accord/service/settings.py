"""The service's settings: defaults, overridden by ``ACCORD_*`` environment variables, then by
the arguments of ``accord serve``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.store import DEFAULT_DATABASE_URL

MiB = 1024 * 1024
MAX_ALERT_POLL = 30.0


@dataclass(frozen=True)
class Settings:
    """Everything ``create_app`` needs to know.

    Limits of ``POST /api/v1/events``: a request body of at most ``max_body_bytes``; a JSON
    array of at most ``max_batch_items`` events; an NDJSON stream of at most
    ``max_stream_lines`` lines. Above any of them the answer is 413 and nothing is stored.
    """

    database_url: str = DEFAULT_DATABASE_URL
    zendesk_secret: str | None = None
    jira_secret: str | None = None
    max_body_bytes: int = 16 * MiB
    max_batch_items: int = 5_000
    max_stream_lines: int = 50_000
    # webhook deliveries whose signed timestamp is further than this from now are replays
    webhook_tolerance: int = 300
    sqlite_synchronous: str = "FULL"
    # the background recompute of touched tickets: how often it looks, how many per pass
    recompute_interval: float = 0.1
    recompute_batch: int = 500
    # run that recompute in a process of its own (another core than ingest and reads) when
    # the store can be shared: a SQL store with a file or a server; else in a thread
    recompute_process: bool = True
    background: bool = True
    # the alert loop's longest sleep: it wakes earlier at the next foreseen alert instant;
    # at most 30 s, so that an alert goes out within the promised 60 s of its threshold
    alert_poll: float = 30.0
    # KPI and contract figures replay the events: recomputed at most this often (seconds)
    alert_figures_every: float = 30.0
    # a rule does not send thresholds reached this long before its first round (seconds)
    alert_grace: int = 3600
    # snapshots of the KPI and contract figures (see service/snapshots.py): served while
    # younger than this (seconds) and the store unchanged; a changed store is served stale
    # (and refreshed in the background) only when computing it took at least snapshot_cheap
    snapshot_max_age: float = 60.0
    snapshot_cheap: float = 0.25
    # /metrics' clock gauges scan every stored clock (seconds with a million tickets): judged
    # again at most this often (seconds; 0: at every scrape); the backlog gauges every time
    metrics_clocks_every: float = 30.0
    config_dir: Path | None = None
    # the KPI view's state saved to a file and read back at start (seconds, not a load of
    # every ticket): in this folder (default: beside a SQLite store's file; other stores save
    # nothing without it), written this often while it changes (seconds; 0: only at a clean
    # stop); kpi_view_saved off: never saved nor read
    kpi_view_dir: Path | None = None
    # 0: written after a load and at a clean stop only. Each periodic write first catches the
    # view up, which after minutes of a stream nobody read costs the server's interpreter about
    # 0.25 ms a touched ticket, beside the stream (a 10-minute SQLite run's backlog jumped
    # from under 3,000 to 16,579 tickets while it ran)
    kpi_view_save_every: float = 0.0
    kpi_view_saved: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.alert_poll <= MAX_ALERT_POLL:
            raise InputError(
                f"alert_poll: {self.alert_poll:g} s; it must be above 0 and at most "
                f"{MAX_ALERT_POLL:g} s, so that alerts go out within 60 s of their threshold"
            )
        if self.alert_figures_every <= 0:
            raise InputError("alert_figures_every: must be above 0 seconds")
        if self.metrics_clocks_every < 0:
            raise InputError("metrics_clocks_every: must be 0 seconds or more")
        if self.kpi_view_save_every < 0:
            raise InputError("kpi_view_save_every: must be 0 seconds or more")
        if self.alert_grace < 0:
            raise InputError("alert_grace: must be 0 seconds or more")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``ACCORD_<NAME>`` variables, then ``overrides`` (``None`` values are
        ignored, so CLI options that were not given do not clear a variable)."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = source.get(f"ACCORD_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, raw, cls.__dataclass_fields__[f.name].default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _convert(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise InputError(f"ACCORD_{name.upper()}: '{raw}' is not a valid value") from None
    if name in ("config_dir", "kpi_view_dir"):
        return Path(raw)
    return raw
