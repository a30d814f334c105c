"""The recompute takes the tickets waiting longest first: each mark keeps the instant its
ticket was first marked since its last recompute (``since``, not changed by later events of
the ticket), and an index in that order. Marks stored before this revision wait from 0, so
they go first.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "dirty", sa.Column("since", sa.BigInteger, nullable=False, server_default=sa.text("0"))
    )
    op.create_index("ix_dirty_since", "dirty", ["since", "ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_dirty_since", table_name="dirty")
    with op.batch_alter_table("dirty") as batch:
        batch.drop_column("since")
