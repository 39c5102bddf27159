"""Alembic environment: runs Slate's migrations on the connection the caller hands over."""

from __future__ import annotations

from alembic import context

from slate.store._schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - Slate always passes its own connection
    raise RuntimeError("Slate's migrations run through slate.store.upgrade(), which passes a connection")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
