"""Indexes for the working lists' filters and sorts: on the ticket list's columns, on the at-risk
queue's columns over the open clocks (partial), a narrow index that tells whether a ticket
has a clock of a state, metric or channel without reading the clocks' rows, and a trigram
index of the ticket ids for the search by a part of an id (SQLite: an FTS5 table kept by
triggers; PostgreSQL: pg_trgm, when the extension can be created).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Written out rather than imported from schema.py: a migration must keep creating the schema
# of its own time, whatever the model becomes later.
_TICKET_COLUMNS = ("team", "priority", "status", "assignee", "first_ts", "last_ts")
_CLOCK_COLUMNS = (
    "ticket_customer",
    "team",
    "priority",
    "metric",
    "policy",
    "assignee",
    "channel",
    "state",
    "start",
)
_QUEUE_ORDER = ["due_sort", "ticket_id", "metric", "cycle"]


def upgrade() -> None:
    _indexes()
    _search()


def _indexes() -> None:
    # CREATE INDEX reads the existing rows: the new indexes hold them at once
    for name in _TICKET_COLUMNS:
        op.create_index(f"ix_tickets_{name}", "tickets", [name, "ticket_id"])
    op.create_index("ix_tickets_customer_updated", "tickets", ["customer", "last_ts", "ticket_id"])
    queued = sa.column("queued", sa.Boolean).is_(True)
    for name in _CLOCK_COLUMNS:
        op.create_index(
            f"ix_records_queue_{name}",
            "records",
            ["queued", name, *(c for c in _QUEUE_ORDER if c != name)],
            sqlite_where=queued,
            postgresql_where=queued,
        )
    op.create_index(
        "ix_records_ticket_clock",
        "records",
        ["ticket_id", "metric", "channel", "state", "due"],
    )


def _search() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        if not conn.exec_driver_sql("SELECT sqlite_compileoption_used('ENABLE_FTS5')").scalar():
            return  # the search reads every id instead
        # external content: the table keeps the trigrams only, the ids stay in tickets
        op.execute(
            "CREATE VIRTUAL TABLE ticket_search USING fts5(ticket_id, content='tickets', "
            "content_rowid='rowid', tokenize='trigram', detail='none')"
        )
        op.execute(
            "CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN "
            "INSERT INTO ticket_search (rowid, ticket_id) VALUES (new.rowid, new.ticket_id); END"
        )
        op.execute(
            "CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN "
            "INSERT INTO ticket_search (ticket_search, rowid, ticket_id) "
            "VALUES ('delete', old.rowid, old.ticket_id); END"
        )
        op.execute(
            "CREATE TRIGGER ticket_search_update AFTER UPDATE OF ticket_id ON tickets BEGIN "
            "INSERT INTO ticket_search (ticket_search, rowid, ticket_id) "
            "VALUES ('delete', old.rowid, old.ticket_id); "
            "INSERT INTO ticket_search (rowid, ticket_id) VALUES (new.rowid, new.ticket_id); END"
        )
        op.execute("INSERT INTO ticket_search (ticket_search) VALUES ('rebuild')")
        return
    # pg_trgm ships with PostgreSQL, but creating it needs the right: without it, no index.
    # One per database, in public (not in the store's schema, whose drop would take it and
    # every other schema's index along); its operator class is named with its schema.
    try:
        with conn.begin_nested():
            found = conn.exec_driver_sql(_TRGM_SCHEMA).scalar()
            if found is None:
                conn.exec_driver_sql("CREATE EXTENSION pg_trgm SCHEMA public")
                found = conn.exec_driver_sql(_TRGM_SCHEMA).scalar()
            ops = f"{conn.dialect.identifier_preparer.quote(str(found))}.gin_trgm_ops"
            conn.exec_driver_sql(
                f"CREATE INDEX ix_tickets_search ON tickets USING gin (lower(ticket_id) {ops})"
            )
    except sa.exc.DBAPIError:
        return


_TRGM_SCHEMA = (
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
    "WHERE e.extname = 'pg_trgm'"
)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS ticket_search_{name}")
        op.execute("DROP TABLE IF EXISTS ticket_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_tickets_search")
    op.drop_index("ix_records_ticket_clock", table_name="records")
    for name in reversed(_CLOCK_COLUMNS):
        op.drop_index(f"ix_records_queue_{name}", table_name="records")
    op.drop_index("ix_tickets_customer_updated", table_name="tickets")
    for name in reversed(_TICKET_COLUMNS):
        op.drop_index(f"ix_tickets_{name}", table_name="tickets")
