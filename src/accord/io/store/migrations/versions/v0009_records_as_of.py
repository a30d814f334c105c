"""The instant a ticket's records were computed at is stored once per ticket
(``tickets.records_as_of``), not in each record: a recompute then leaves a record whose
figures did not change unwritten, where a column ``as_of`` in every record made it rewrite
every record of the ticket. A record computed at another instant than its ticket's others
keeps its own in ``records.as_of_apart`` (NULL: the ticket's); the reads give every record
the same ``as_of`` as before.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("records_as_of", sa.BigInteger, nullable=True))
    op.add_column("records", sa.Column("as_of_apart", sa.BigInteger, nullable=True))
    op.execute(
        "UPDATE tickets SET records_as_of = "
        "(SELECT max(r.as_of) FROM records r WHERE r.ticket_id = tickets.ticket_id)"
    )
    # a record whose instant is not its ticket's (or that has no ticket row) keeps its own
    op.execute(
        "UPDATE records SET as_of_apart = as_of WHERE NOT EXISTS (SELECT 1 FROM tickets k "
        "WHERE k.ticket_id = records.ticket_id AND k.records_as_of = records.as_of)"
    )
    # no index holds the column: SQLite (3.35+) drops it in place, without a table copy
    op.drop_column("records", "as_of")


def downgrade() -> None:
    op.add_column(
        "records",
        sa.Column("as_of", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    )
    op.execute(
        "UPDATE records SET as_of = coalesce(as_of_apart, (SELECT k.records_as_of FROM tickets k "
        "WHERE k.ticket_id = records.ticket_id), 0)"
    )
    op.drop_column("records", "as_of_apart")
    op.drop_column("tickets", "records_as_of")
