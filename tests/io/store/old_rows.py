"""Writing results as the store did before migration 0009 (each record with its own
``as_of``, no ``records_as_of`` in the ticket rows), for the migration tests: the code of
today writes the rows of today's schema only."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from accord.io.store import TicketResult
from accord.io.store.sql.rows import _record_row, _ticket_row


def upgrade_to(url: str, revision: str) -> None:
    """Create the store's schema of ``revision`` at ``url``."""
    engine = sa.create_engine(url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("accord.io.store") / "migrations"))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def save_before_0009(url: str, results: Sequence[TicketResult]) -> None:
    """Insert the ticket and record rows of ``results`` into a store of revision 0006-0008."""
    meta = sa.MetaData()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            tickets = sa.Table("tickets", meta, autoload_with=conn)
            records = sa.Table("records", meta, autoload_with=conn)
            for r in results:
                row = _ticket_row(r.summary)
                del row["records_as_of"]
                conn.execute(tickets.insert(), [row])
                rows = []
                for rec in r.records:
                    rrow = _record_row(rec, r.summary.customer)
                    del rrow["as_of_apart"]
                    rows.append({**rrow, "as_of": rec.as_of})
                if rows:
                    conn.execute(records.insert(), rows)
    finally:
        engine.dispose()
