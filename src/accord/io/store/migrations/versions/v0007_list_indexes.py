"""Indexes for the working lists' filters and sorts: on the ticket list's columns, on the at-risk
queue's columns over the open clocks (partial), and a narrow index that tells whether a ticket
has a clock of a state, metric or channel without reading the clocks' rows.

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
    # CREATE INDEX reads the existing rows: the new indexes hold them at once
    for name in _TICKET_COLUMNS:
        op.create_index(f"ix_tickets_{name}", "tickets", [name, "ticket_id"])
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


def downgrade() -> None:
    op.drop_index("ix_records_ticket_clock", table_name="records")
    for name in reversed(_CLOCK_COLUMNS):
        op.drop_index(f"ix_records_queue_{name}", table_name="records")
    for name in reversed(_TICKET_COLUMNS):
        op.drop_index(f"ix_tickets_{name}", table_name="tickets")
