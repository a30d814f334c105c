"""Tickets whose recompute failed: ``failed_tickets`` (the error, the first and last failure,
the attempts), so that one ticket the recompute cannot compute or store is set aside instead
of being retried forever.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Written out rather than imported from schema.py: a migration must keep creating the schema
# of its own time, whatever the model becomes later.


def upgrade() -> None:
    op.create_table(
        "failed_tickets",
        sa.Column("ticket_id", sa.Text, primary_key=True),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("first_failed_at", sa.BigInteger, nullable=False),
        sa.Column("last_failed_at", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("failed_tickets")
