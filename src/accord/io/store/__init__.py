"""The store edge: where the service keeps events, the quarantine, configuration versions,
metric records and tokens.

- :class:`~accord.io.store.base.Store`: the interface;
- :class:`~accord.io.store.sql.SqlStore`: SQLite (a file, the default) or PostgreSQL, with the
  Alembic migrations shipped in ``migrations/`` and run on open;
- :class:`~accord.io.store.memory.MemoryStore`: the in-memory double for unit tests.
"""

from __future__ import annotations

import os

from accord.io.store.base import (
    ALERT_STATES,
    AlertAttemptRecord,
    AlertQuery,
    ClockCursor,
    ClockQuery,
    ComplianceRow,
    ConfigVersion,
    EventOutcome,
    FailedTicket,
    Incoming,
    QuarantineEntry,
    Scope,
    Store,
    StoredAlert,
    StoreStats,
    TicketMove,
    TicketQuery,
    TicketResult,
    TicketSummary,
    TokenRecord,
)
from accord.io.store.memory import MemoryStore
from accord.io.store.sql import SqlStore, migrate

DATABASE_URL_ENV = "ACCORD_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///accord.db"


def database_url(explicit: str | None = None) -> str:
    """The database URL: ``explicit``, else ``$ACCORD_DATABASE_URL``, else ``accord.db`` in the
    working directory."""
    return explicit or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def open_store(url: str | None = None, *, sqlite_synchronous: str = "FULL") -> SqlStore:
    """Open (and migrate) the store at ``url`` (see :func:`database_url`)."""
    return SqlStore(database_url(url), sqlite_synchronous=sqlite_synchronous)


__all__ = [
    "ALERT_STATES",
    "DATABASE_URL_ENV",
    "DEFAULT_DATABASE_URL",
    "AlertAttemptRecord",
    "AlertQuery",
    "ClockCursor",
    "ClockQuery",
    "ComplianceRow",
    "ConfigVersion",
    "EventOutcome",
    "FailedTicket",
    "Incoming",
    "MemoryStore",
    "QuarantineEntry",
    "Scope",
    "SqlStore",
    "Store",
    "StoreStats",
    "StoredAlert",
    "TicketMove",
    "TicketQuery",
    "TicketResult",
    "TicketSummary",
    "TokenRecord",
    "database_url",
    "migrate",
    "open_store",
]
