"""Alembic environment: always run programmatically by :func:`accord.io.store.migrate`, which
hands over an open connection in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from accord.io.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when someone runs the alembic CLI
    raise RuntimeError("run the migrations with accord.io.store.migrate(engine)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
