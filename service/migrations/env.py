"""Alembic's entry point: migrate on the connection `service.migrate` hands over, with the
store's tables as the target (what autogenerate compares against)."""

from __future__ import annotations

from alembic import context

from service.store import METADATA

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
