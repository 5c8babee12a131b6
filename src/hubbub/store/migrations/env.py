"""Alembic environment: always given a live connection by hubbub.store.migrate."""

from __future__ import annotations

from alembic import context

from hubbub.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through hubbub.store.migrate")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
