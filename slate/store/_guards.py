"""Rules the database layer enforces on every flush, whoever changes the rows.

A version's bytes and identity never change; its metadata (file name, probe summary) may be
corrected until it is delivered, then it is frozen for good. The audit log is append-only.
Checking at flush time covers every code path, not only the ones that remember to ask.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from slate.errors import FrozenRecord
from slate.models import version_label
from slate.store._schema import AssetVersionRow, AuditEventRow

__all__ = ["install_guards"]

_IMMUTABLE = (
    "asset_id",
    "request_id",
    "number",
    "blob_key",
    "size",
    "md5",
    "sha256",
    "created_by",
    "created_at",
)
_METADATA = ("file_name", "probe")


def _changed(row: Any, names: tuple[str, ...]) -> list[str]:
    state = inspect(row)
    return [name for name in names if state.attrs[name].history.has_changes()]


def _was_frozen(row: AssetVersionRow) -> bool:
    history = inspect(row).attrs["frozen"].history
    before = history.deleted[0] if history.deleted else row.frozen
    return bool(before)


def _check_version(row: AssetVersionRow) -> None:
    label = version_label(row.file_name, row.number)
    immutable = _changed(row, _IMMUTABLE)
    if immutable:
        raise FrozenRecord(
            f"{label}: {', '.join(immutable)} never change; store a new version instead",
            version_id=row.version_id,
            fields=immutable,
        )
    if _was_frozen(row):
        if not row.frozen:
            raise FrozenRecord(f"{label} was delivered; it cannot be unfrozen", version_id=row.version_id)
        metadata = _changed(row, _METADATA)
        if metadata:
            raise FrozenRecord(
                f"{label} was delivered; its {', '.join(metadata)} are frozen",
                version_id=row.version_id,
                fields=metadata,
            )


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for row in session.dirty:
        if isinstance(row, AssetVersionRow) and session.is_modified(row):
            _check_version(row)
        elif isinstance(row, AuditEventRow) and session.is_modified(row):
            raise FrozenRecord("audit events are append-only", event_id=row.event_id)
    for row in session.deleted:
        if isinstance(row, AuditEventRow | AssetVersionRow):
            raise FrozenRecord(f"{type(row).__name__} rows are never deleted", row=repr(row))


def install_guards() -> None:
    """Attach the flush-time checks to every session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
