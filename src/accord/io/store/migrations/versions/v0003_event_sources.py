"""Event sources and the alert loop's watch state: ``events.source`` (where each event came
in, for the ``no_data`` alerts) with an index on (source, received_at), and ``alert_watch``
(a KPI group's last band, the loop's first start).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Written out rather than imported from schema.py: a migration must keep creating the schema
# of its own time, whatever the model becomes later.


def upgrade() -> None:
    # nullable: the events stored before this revision do not know their source
    op.add_column("events", sa.Column("source", sa.Text, nullable=True))
    op.create_index("ix_events_source", "events", ["source", "received_at"])
    op.create_table(
        "alert_watch",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_watch")
    op.drop_index("ix_events_source", table_name="events")
    with op.batch_alter_table("events") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("source")
