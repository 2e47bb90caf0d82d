"""Alembic environment: migrations run on a connection handed over by the ledger."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table="ledger_alembic_version")
with context.begin_transaction():
    context.run_migrations()
