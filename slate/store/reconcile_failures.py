"""Records reconciliation could not apply: each with its reason, tried again on every run.

Reconcile applies each portal record on its own. One that fails for a reason that will not pass
by itself (a request id longer than the column, a title the model refuses, a bug) is stored here
with the portal's record as it was read, and the watermark moves past it: the records after it
are never held back. The next run applies the stored record again (or the portal's newer one,
when it changed meanwhile); once applied, its row is removed. The operator sees the rows in the
reconcile run's table and with ``slate reconcile-failures``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from slate.store._schema import Base

__all__ = [
    "ReconcileFailure",
    "ReconcileFailureRow",
    "clear_failures",
    "list_failures",
    "record_failure",
]


class ReconcileFailureRow(Base):
    """One portal record reconcile could not apply."""

    __tablename__ = "reconcile_failures"
    __table_args__ = (UniqueConstraint("kind", "item_key"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: ``request`` or ``redelivery``.
    kind: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the item's id: the id itself may be as long (or as odd) as the reason it failed.
    item_key: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    #: The portal's record as read (JSON, by alias), applied again by the next run.
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(Integer)
    first_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReconcileFailure(BaseModel):
    """A stored failure as callers see it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    kind: str
    item_id: str
    reason: str
    payload: dict[str, Any]
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime


def _key(item_id: str) -> str:
    return hashlib.sha256(item_id.encode("utf-8", "surrogatepass")).hexdigest()


def record_failure(session: Session, kind: str, item_id: str, reason: str, payload: dict[str, Any]) -> None:
    """Store (or update) the failure of ``item_id``: its reason, the record to apply again."""
    now = datetime.now(UTC)
    query = select(ReconcileFailureRow).where(
        ReconcileFailureRow.kind == kind, ReconcileFailureRow.item_key == _key(item_id)
    )
    row = session.scalars(query).first()
    if row is None:
        session.add(
            ReconcileFailureRow(
                kind=kind,
                item_key=_key(item_id),
                item_id=item_id,
                reason=reason,
                payload=payload,
                attempts=1,
                first_failed_at=now,
                last_failed_at=now,
            )
        )
    else:
        row.reason, row.payload, row.attempts, row.last_failed_at = reason, payload, row.attempts + 1, now


def clear_failures(session: Session, kind: str, item_ids: Sequence[str]) -> int:
    """Forget the failures of ``item_ids`` (they were applied); how many there were."""
    if not item_ids:
        return 0
    statement = delete(ReconcileFailureRow).where(
        ReconcileFailureRow.kind == kind, ReconcileFailureRow.item_key.in_([_key(i) for i in item_ids])
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def list_failures(session: Session, kind: str | None = None) -> list[ReconcileFailure]:
    """The stored failures, oldest first (all kinds, or one)."""
    query = select(ReconcileFailureRow).order_by(ReconcileFailureRow.seq)
    if kind is not None:
        query = query.where(ReconcileFailureRow.kind == kind)
    return [ReconcileFailure.model_validate(row) for row in session.scalars(query)]
