"""Creating and numbering rows safely when two workers do it at once, on SQLite and PostgreSQL.

Rows keyed by a name (an asset of a request) are inserted with "on conflict do nothing", which both
databases understand, and read back: the second of two concurrent creators finds the first's row
instead of failing on the unique key. Numbering (version *n + 1* of an asset) takes the parent's
row lock first with a write that changes nothing, which is SQLite's database write lock and a row
lock on PostgreSQL, so the second numberer waits and then sees the first's number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["insert_ignoring_duplicates", "lock_row"]


def insert_ignoring_duplicates(
    session: Session, model: Any, values: Mapping[str, Any], keys: Sequence[str]
) -> Executable:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` for the session's database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    return sqlite.insert(model).values(**values).on_conflict_do_nothing(index_elements=list(keys))


def lock_row(session: Session, model: Any, where: ColumnElement[bool]) -> None:
    """Hold the write lock of the rows ``where`` selects until the session's transaction ends.

    The update sets a column to itself (the row version where there is one, else the key): nothing
    changes, but the database takes the lock a real update would.
    """
    columns = model.__table__.columns
    column = columns["row_version"] if "row_version" in columns else model.__table__.primary_key.columns[0]
    session.execute(update(model.__table__).where(where).values({column.name: column}))
