"""Reading and editing records: rows in, pydantic records out.

``get_*`` return validated records (:mod:`slate.models`) so callers never hold a live row across a
transaction. Edits take the ``row_version`` the caller read; an edit based on a stale read is
refused with :class:`~slate.errors.ConflictError` instead of silently overwriting someone else's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from slate.errors import ConflictError, InvalidInput, NotFound
from slate.models import AssetColor, AssetRole, AssetVersion, AuditEvent, Service, ServiceType, SourceRequest
from slate.store._schema import AssetRow, AssetVersionRow, AuditEventRow, SourceRequestRow

__all__ = [
    "audit_trail",
    "current_version",
    "deliverable_versions",
    "get_request",
    "get_version",
    "list_requests",
    "list_versions",
    "update_request",
]

#: Colours of a version that is the deliverable's current one (not superseded, not rejected).
CURRENT_COLORS = tuple(c.value for c in AssetColor if c.current)

#: Fields an operator may edit directly. Statuses change only through the lifecycle module.
EDITABLE_FIELDS = frozenset(
    {
        "notes",
        "due_date",
        "internal_cost",
        "third_party_fee",
        "runtime_seconds",
        "package_id",
        "episode_title",
    }
)


def _request_record(row: SourceRequestRow) -> SourceRequest:
    service = None
    if row.service_type:
        service = Service(type=ServiceType(row.service_type), other=row.service_other)
    data = {c.key: getattr(row, c.key) for c in SourceRequestRow.__table__.columns}
    data.pop("service_type")
    data.pop("service_other")
    return SourceRequest.model_validate({**data, "service": service})


def get_request(session: Session, request_id: str) -> SourceRequest:
    """The request ``request_id``, or :class:`NotFound`."""
    row = session.get(SourceRequestRow, request_id)
    if row is None:
        raise NotFound(f"no source request {request_id!r}", request_id=request_id)
    return _request_record(row)


def list_requests(session: Session) -> list[SourceRequest]:
    """Every request, by id."""
    rows = session.scalars(select(SourceRequestRow).order_by(SourceRequestRow.request_id))
    return [_request_record(r) for r in rows]


def _version_record(row: AssetVersionRow, asset: AssetRow) -> AssetVersion:
    return AssetVersion.model_validate(row).model_copy(
        update={"role": AssetRole(asset.role), "asset_name": asset.name}
    )


def _with_asset() -> Select[tuple[AssetVersionRow, AssetRow]]:
    return select(AssetVersionRow, AssetRow).join(AssetRow, AssetRow.asset_id == AssetVersionRow.asset_id)


def get_version(session: Session, version_id: int) -> AssetVersion:
    """The version ``version_id``, or :class:`NotFound`."""
    found = session.execute(_with_asset().where(AssetVersionRow.version_id == version_id)).first()
    if found is None:
        raise NotFound(f"no asset version {version_id}", version_id=version_id)
    return _version_record(*found)


def deliverable_versions(request_id: str) -> Select[tuple[AssetVersionRow]]:
    """A query of the versions of the request's deliverables; portal materials (proxies) never count."""
    return (
        select(AssetVersionRow)
        .join(AssetRow, AssetRow.asset_id == AssetVersionRow.asset_id)
        .where(AssetVersionRow.request_id == request_id, AssetRow.role == AssetRole.DELIVERABLE.value)
    )


def current_version(session: Session, request_id: str) -> AssetVersion | None:
    """The request's own current version: its deliverable's newest active (or not yet accepted) one.

    The one place that says what "current" means. Materials the portal gave (proxies) are versions
    too, but never the request's current one, whatever their colour.
    """
    query = (
        _with_asset()
        .where(
            AssetVersionRow.request_id == request_id,
            AssetRow.role == AssetRole.DELIVERABLE.value,
            AssetVersionRow.color.in_(CURRENT_COLORS),
        )
        .order_by(AssetVersionRow.version_id.desc())
    )
    found = session.execute(query).first()
    return _version_record(*found) if found else None


def list_versions(session: Session, request_id: str) -> list[AssetVersion]:
    """Every version of every asset of a request (deliverables and materials, each marked), oldest first."""
    rows = session.execute(
        _with_asset().where(AssetVersionRow.request_id == request_id).order_by(AssetVersionRow.version_id)
    )
    return [_version_record(version, asset) for version, asset in rows]


def audit_trail(session: Session, request_id: str) -> list[AuditEvent]:
    """The audit lines of a request in the order they were written."""
    rows = session.scalars(
        select(AuditEventRow).where(AuditEventRow.request_id == request_id).order_by(AuditEventRow.event_id)
    )
    return [AuditEvent.model_validate(r) for r in rows]


def update_request(
    session: Session, request_id: str, *, expected_row_version: int, **changes: Any
) -> SourceRequest:
    """Edit operator fields of a request, refusing if it changed since ``expected_row_version`` was read."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(
            f"{request_id}: {', '.join(sorted(unknown))} cannot be edited here; "
            f"editable fields are {', '.join(sorted(EDITABLE_FIELDS))}",
            request_id=request_id,
            fields=sorted(unknown),
        )
    row = session.get(SourceRequestRow, request_id)
    if row is None:
        raise NotFound(f"no source request {request_id!r}", request_id=request_id)
    if row.row_version != expected_row_version:
        raise ConflictError(
            f"{request_id} was changed by someone else "
            f"(now version {row.row_version}, you read {expected_row_version})",
            request_id=request_id,
            expected=expected_row_version,
            actual=row.row_version,
        )
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    return _request_record(row)
