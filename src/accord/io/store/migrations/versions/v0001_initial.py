"""The first schema: events, quarantine, configuration versions, tickets, records, the
recompute queue and tokens.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Written out rather than imported from schema.py: a migration must keep creating the schema
# of its own time, whatever the model becomes later.
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("ticket_id", sa.Text, nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("ts_us", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(16), nullable=True),
        sa.Column("public", sa.Boolean, nullable=True),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("digest", sa.LargeBinary(16), nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )
    op.create_index("ix_events_ticket_id", "events", ["ticket_id", "seq"])
    op.create_table(
        "quarantine",
        sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.JSON, nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "config_versions",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("effective_from", sa.BigInteger, nullable=False),
        sa.Column("uploaded_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "tickets",
        sa.Column("ticket_id", sa.Text, primary_key=True),
        sa.Column("customer", sa.Text, nullable=True),
        sa.Column("team", sa.Text, nullable=True),
        sa.Column("priority", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=True),
        sa.Column("assignee", sa.Text, nullable=True),
        sa.Column("first_ts", sa.BigInteger, nullable=False),
        sa.Column("last_ts", sa.BigInteger, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("computed_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_tickets_customer", "tickets", ["customer", "ticket_id"])
    op.create_table(
        "records",
        sa.Column("ticket_id", sa.Text, primary_key=True),
        sa.Column("metric", sa.Text, primary_key=True),
        sa.Column("cycle", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("policy", sa.Text, nullable=True),
        sa.Column("policy_version", sa.Integer, nullable=True),
        sa.Column("calendar", sa.Text, nullable=True),
        sa.Column("priority", sa.Text, nullable=True),
        sa.Column("customer", sa.Text, nullable=True),
        sa.Column("team", sa.Text, nullable=True),
        sa.Column("assignee", sa.Text, nullable=True),
        sa.Column("channel", sa.Text, nullable=True),
        sa.Column("target", sa.BigInteger, nullable=True),
        sa.Column("start", sa.BigInteger, nullable=False),
        sa.Column("stop", sa.BigInteger, nullable=True),
        sa.Column("due", sa.BigInteger, nullable=True),
        sa.Column("breached_at", sa.BigInteger, nullable=True),
        sa.Column("business_elapsed", sa.BigInteger, nullable=False),
        sa.Column("paused_business", sa.BigInteger, nullable=False),
        sa.Column("calendar_elapsed", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("breached_now", sa.Boolean, nullable=False),
        sa.Column("ever_breached", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.BigInteger, nullable=False),
        sa.Column("warnings", sa.JSON, nullable=False),
        sa.Column("explanation", sa.JSON, nullable=False),
        sa.Column("ticket_customer", sa.Text, nullable=True),
        sa.Column("queued", sa.Boolean, nullable=False),
        sa.Column("due_sort", sa.BigInteger, nullable=False),
        sa.Column("start_month", sa.String(7), nullable=False),
    )
    op.create_index(
        "ix_records_open_due",
        "records",
        ["queued", "due_sort", "ticket_id", "metric", "cycle"],
    )
    op.create_index(
        "ix_records_customer_open_due", "records", ["ticket_customer", "queued", "due_sort"]
    )
    op.create_table(
        "dirty",
        sa.Column("ticket_id", sa.Text, primary_key=True),
        sa.Column("mark", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("customer", sa.Text, nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    for table in ("tokens", "dirty", "records", "tickets", "config_versions", "quarantine"):
        op.drop_table(table)
    op.drop_table("events")
