"""The alert delivery log: alerts (one per dedupe key) and their attempts per channel.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Written out rather than imported from schema.py: a migration must keep creating the schema
# of its own time, whatever the model becomes later.
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("ticket_id", sa.Text, nullable=True),
        sa.Column("customer", sa.Text, nullable=True),
        sa.Column("metric", sa.Text, nullable=True),
        sa.Column("cycle", sa.Text, nullable=False),
        sa.Column("threshold", sa.Text, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("deliver_at", sa.BigInteger, nullable=False),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("link", sa.Text, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("acknowledged_by", sa.Text, nullable=True),
        sa.Column("acknowledged_at", sa.BigInteger, nullable=True),
        sa.Column("snoozed_until", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("key", name="uq_alerts_key"),
    )
    op.create_index("ix_alerts_customer", "alerts", ["customer", "id"])
    op.create_index("ix_alerts_state", "alerts", ["state", "next_attempt_at"])
    op.create_table(
        "alert_attempts",
        sa.Column("alert_id", sa.BigInteger, sa.ForeignKey("alerts.id"), primary_key=True),
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("finished_at", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("alert_attempts")
    op.drop_index("ix_alerts_state", table_name="alerts")
    op.drop_index("ix_alerts_customer", table_name="alerts")
    op.drop_table("alerts")
