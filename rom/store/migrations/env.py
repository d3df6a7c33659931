"""Alembic environment for rom's store, driven only from code (:func:`rom.store.engine.migrate`).

The caller hands over an open connection that is already inside a transaction (on SQLite
an ``IMMEDIATE`` one, on PostgreSQL holding an advisory lock), so two programs opening the
same new database at once migrate it once, and a failed migration leaves nothing behind.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from rom.store.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("rom's migrations run only through rom.store.engine.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
