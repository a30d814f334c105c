"""The real store: SQLAlchemy Core over SQLite (the default, a file) or PostgreSQL (psycopg 3).

Durability
----------

Every write is one transaction committed before the method returns, so once the service
answers, what it acknowledged is on disk as far as the database promises. SQLite runs in WAL
mode with ``synchronous=FULL`` by default: a commit is fsync'ed to the WAL, so it survives a
killed process *and* a power loss. ``synchronous=NORMAL`` (``ACCORD_SQLITE_SYNCHRONOUS``) is
faster and still survives a killed process (the WAL is written before the commit returns),
but the last commits may roll back after a power loss or an OS crash.

Concurrency
-----------

SQLite allows one writer at a time. Write transactions start with ``BEGIN IMMEDIATE`` so that
they queue on the lock (``busy_timeout``) instead of failing when a read inside them would have
to be upgraded; reads use a second engine with plain ``BEGIN`` and never wait for writers (WAL).
On PostgreSQL the unique ``event_id`` settles races between concurrent ingests: a transaction
that loses one is retried, and then sees the other's event as already stored.
"""

from accord.io.store.sql.admin import AdminPart
from accord.io.store.sql.alerts import AlertsPart
from accord.io.store.sql.columns import ColumnsPart
from accord.io.store.sql.connection import SQLITE_SYNCHRONOUS, migrate
from accord.io.store.sql.events import EventsPart
from accord.io.store.sql.failures import FailuresPart
from accord.io.store.sql.lists import ListsPart
from accord.io.store.sql.owners import OwnersPart
from accord.io.store.sql.results import ResultsPart
from accord.io.store.sql.saves import SavesPart
from accord.io.store.sql.upkeep import UpkeepPart


class SqlStore(
    EventsPart,
    SavesPart,
    ResultsPart,
    ColumnsPart,
    ListsPart,
    OwnersPart,
    AdminPart,
    AlertsPart,
    FailuresPart,
    UpkeepPart,
):
    """The :class:`~accord.io.store.base.Store` over a database URL.

    ``sqlite:///path/to/accord.db`` or ``postgresql+psycopg://user@host/db``. The schema is
    migrated on open. Its methods live in one module per area of the store (events, the
    recompute's saves, results, the working lists, current customers, configuration and
    tokens, alerts, failed recomputes, the database's upkeep), over the connections of
    :class:`~accord.io.store.sql.connection.SqlBase`.
    """


__all__ = ["SQLITE_SYNCHRONOUS", "SqlStore", "migrate"]
