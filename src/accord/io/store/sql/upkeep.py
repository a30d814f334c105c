"""What in the database's own setup makes the store degrade as it is used.

On PostgreSQL every recompute rewrites the records of the tickets it recomputes (a running
clock's elapsed time changes at each one), leaving the old version of each row dead in the
table and in its indexes until a vacuum takes it back. With autovacuum off nothing does: in a
10-minute run of 5,000 events a second, 1.48M dead record versions stayed, the records table
and its indexes took 1.6 GiB against 1.0 GiB with autovacuum on, and every later read and
write went through them (docs/performance.md, "Dead rows"). SQLite reuses a page's free space
in place and needs no such upkeep.
"""

from __future__ import annotations

from accord.io.store.sql.connection import SqlBase, _guard

AUTOVACUUM_OFF = (
    "PostgreSQL's autovacuum is off on this server: every recompute leaves the old versions "
    "of the records it rewrites in the tables and their indexes, which grow and slow every "
    "read and write until a VACUUM; turn it on (autovacuum = on, PostgreSQL's default) or "
    "vacuum the store's tables regularly"
)


class UpkeepPart(SqlBase):
    @_guard
    def upkeep_warnings(self) -> list[str]:
        with self._read.connect() as conn:
            if conn.dialect.name != "postgresql":
                return []
            on = conn.exec_driver_sql("SHOW autovacuum").scalar()
        return [] if on == "on" else [AUTOVACUUM_OFF]
