"""Ticket owners: each ticket's current customer kept at ingest (``ticket_owners``), the log of
its changes (``ticket_moves``) and who may read each alert (``alerts.owner``), so that customer
isolation never waits for a recompute.

The owners of the stored events are computed here once (one pass over the created and updated
events), and the columns reads filter on (``tickets.customer``, ``records.ticket_customer``,
``alerts.owner``) are set from them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Written out rather than imported from schema.py: a migration must keep creating the schema
# of its own time, whatever the model becomes later.
_CHUNK = 1_000


def _text(v: Any) -> str | None:
    # a field as the summaries read it (accord.core.ownership.field_text at this revision)
    if v is None or v == "" or v == []:
        return None
    return str(tuple(v)) if isinstance(v, list) else str(v)


def upgrade() -> None:
    op.create_table(
        "ticket_owners",
        sa.Column("ticket_id", sa.Text, primary_key=True),
        sa.Column("customer", sa.Text, nullable=True),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("ts_us", sa.Integer, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ticket_moves",
        sa.Column("n", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("ticket_id", sa.Text, nullable=False),
        sa.Column("from_customer", sa.Text, nullable=True),
        sa.Column("to_customer", sa.Text, nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ticket_moves_from", "ticket_moves", ["from_customer", "n"])
    op.add_column("alerts", sa.Column("owner", sa.Text, nullable=True))
    op.drop_index("ix_alerts_customer", table_name="alerts")
    op.create_index("ix_alerts_owner", "alerts", ["owner", "id"])
    op.create_index("ix_alerts_ticket_id", "alerts", ["ticket_id"])
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    events = sa.table(
        "events",
        sa.column("ticket_id", sa.Text),
        sa.column("ts", sa.BigInteger),
        sa.column("ts_us", sa.Integer),
        sa.column("seq", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("fields", sa.JSON),
    )
    owners: dict[str, tuple[tuple[int, int, int], str | None]] = {}
    q = sa.select(
        events.c.ticket_id, events.c.ts, events.c.ts_us, events.c.seq, events.c.fields
    ).where(events.c.kind.in_(("created", "updated")))
    # streamed: the events need not fit in memory, only one owner per ticket
    streamed = conn.execute(q, execution_options={"yield_per": 10_000})
    for tid, ts, ts_us, seq, fields in streamed:
        if not isinstance(fields, dict) or "customer" not in fields:
            continue
        key = (int(ts), int(ts_us), int(seq))
        got = owners.get(tid)
        if got is None or key > got[0]:
            owners[tid] = (key, _text(fields["customer"]))
    table = sa.table(
        "ticket_owners",
        sa.column("ticket_id", sa.Text),
        sa.column("customer", sa.Text),
        sa.column("ts", sa.BigInteger),
        sa.column("ts_us", sa.Integer),
        sa.column("seq", sa.BigInteger),
    )
    rows = [
        {"ticket_id": tid, "customer": c, "ts": k[0], "ts_us": k[1], "seq": k[2]}
        for tid, (k, c) in owners.items()
    ]
    for i in range(0, len(rows), _CHUNK):
        conn.execute(table.insert(), rows[i : i + _CHUNK])

    # what the reads filter on, from the owners (NULL where no event names a customer)
    def owner(tbl: str) -> str:
        return f"(SELECT o.customer FROM ticket_owners o WHERE o.ticket_id = {tbl}.ticket_id)"

    distinct = "IS NOT" if conn.dialect.name == "sqlite" else "IS DISTINCT FROM"
    for tbl, col in (("tickets", "customer"), ("records", "ticket_customer")):
        conn.execute(
            sa.text(f"UPDATE {tbl} SET {col} = {owner(tbl)} WHERE {col} {distinct} {owner(tbl)}")
        )
    conn.execute(
        sa.text(
            "UPDATE alerts SET owner = "
            f"CASE WHEN ticket_id IS NULL THEN customer ELSE {owner('alerts')} END"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_ticket_id", table_name="alerts")
    op.drop_index("ix_alerts_owner", table_name="alerts")
    op.create_index("ix_alerts_customer", "alerts", ["customer", "id"])
    with op.batch_alter_table("alerts") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("owner")
    op.drop_index("ix_ticket_moves_from", table_name="ticket_moves")
    op.drop_table("ticket_moves")
    op.drop_table("ticket_owners")
