"""A partial index over the open clocks holding every column the at-risk queue filters and
sorts by, so that the working list's counts and sorts read it instead of the stored rows.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Written out rather than imported from schema.py: a migration must keep creating the schema
# of its own time, whatever the model becomes later.
_COLUMNS = [
    "queued",
    "due_sort",
    "ticket_id",
    "metric",
    "cycle",
    "ticket_customer",
    "team",
    "priority",
    "policy",
    "assignee",
    "channel",
    "state",
    "due",
    "start",
]


def upgrade() -> None:
    queued = sa.column("queued", sa.Boolean).is_(True)
    op.create_index(
        "ix_records_queue_cover",
        "records",
        _COLUMNS,
        sqlite_where=queued,
        postgresql_where=queued,
    )


def downgrade() -> None:
    op.drop_index("ix_records_queue_cover", table_name="records")
