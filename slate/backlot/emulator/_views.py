"""Rows of the emulator's database as contract models, and who may see which rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from slate.backlot._contract import (
    AssetState,
    Comment,
    DeliveryDeclaration,
    DeliveryStatus,
    DownloadAsset,
    DownloadAssetType,
    PortalDelivery,
    PortalSourceRequest,
    QcOutcome,
    QcStatus,
    RedeliveryRequest,
)
from slate.backlot.emulator._config import Role
from slate.backlot.emulator._db import (
    AssetRow,
    CommentRow,
    DeliveryRow,
    RedeliveryRow,
    RequestRow,
    aware,
    decode_cursor,
)
from slate.backlot.emulator._state import ApiError, Principal

__all__ = [
    "after_cursor",
    "asset_view",
    "comment_view",
    "delivery_view",
    "redelivery_view",
    "request_view",
    "visible_asset",
    "visible_request",
    "visible_requests",
]


def request_view(row: RequestRow) -> PortalSourceRequest:
    return PortalSourceRequest.model_validate(
        {
            **{c: getattr(row, c) for c in _REQUEST_FIELDS},
            "runtime_seconds": Decimal(row.runtime_seconds) if row.runtime_seconds else None,
            "created_at": aware(row.created_at),
            "updated_at": aware(row.updated_at),
        }
    )


_REQUEST_FIELDS = [
    "request_id",
    "movie_id",
    "title",
    "show_name",
    "season_number",
    "episode_number",
    "episode_title",
    "package_id",
    "source_type",
    "language",
    "due_date",
    "status",
    "content_partner",
    "fulfillment_partner",
    "audio_channels",
]


def delivery_view(row: DeliveryRow) -> PortalDelivery:
    return PortalDelivery(
        delivery_id=row.delivery_id,
        request_id=row.request_id,
        declaration=DeliveryDeclaration.model_validate(row.declaration),
        status=DeliveryStatus(row.status),
        qc=QcOutcome(status=QcStatus(row.qc_status), reason_code=row.reason_code, message=row.message),
        bytes_received=row.bytes_received,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def redelivery_view(row: RedeliveryRow) -> RedeliveryRequest:
    return RedeliveryRequest(
        redelivery_id=row.redelivery_id,
        request_id=row.request_id,
        delivery_id=row.delivery_id,
        reason_code=row.reason_code,
        reason=row.reason,
        timecodes=list(row.timecodes),
        created_at=aware(row.created_at),
    )


def asset_view(row: AssetRow) -> DownloadAsset:
    kind = DownloadAssetType(row.type)
    return DownloadAsset(
        asset_id=row.asset_id,
        movie_id=row.movie_id,
        request_id=row.request_id,
        category=kind.category,
        type=kind,
        type_display_name=display_name(kind),
        state=AssetState(row.state),
        language=row.language,
        file_name=row.file_name,
        size=row.size,
        checksum=row.checksum,
        qc_status=QcStatus(row.qc_status),
        created_at=aware(row.created_at),
        watermark_partner=row.partner,
    )


def display_name(kind: DownloadAssetType) -> str:
    """The label the portal's page shows for a material type."""
    return {
        DownloadAssetType.LOCKED_PROXY: "Production Locked Proxy",
        DownloadAssetType.FINAL_PROXY: "Netflix Final Proxy",
        DownloadAssetType.PRINTMASTER: "Audio Printmaster",
        DownloadAssetType.ME: "Audio M&E",
    }.get(kind, kind.value)


def comment_view(row: CommentRow) -> Comment:
    return Comment(
        comment_id=row.comment_id,
        request_id=row.request_id,
        author=row.author,
        body=row.body,
        created_at=aware(row.created_at),
    )


def visible_requests(principal: Principal) -> Select[Any]:
    """The requests this caller may see: assigned to its partner, or of its titles."""
    account = principal.account
    if account.role is Role.CONTENT_PARTNER:
        return select(RequestRow).where(RequestRow.content_partner == account.partner)
    return select(RequestRow).where(RequestRow.fulfillment_partner == account.partner)


def visible_request(session: Session, principal: Principal, request_id: str) -> RequestRow:
    """One request the caller may see; 404 otherwise (never reveal another partner's requests)."""
    row: RequestRow | None = session.scalars(
        visible_requests(principal).where(RequestRow.request_id == request_id)
    ).first()
    if row is None:
        raise ApiError(404, f"source request {request_id} not found", "REQUEST_NOT_FOUND")
    return row


def visible_asset(principal: Principal) -> Any:
    """The SQL condition for materials this caller may see.

    A content partner never sees a locked proxy (it exists only for fulfillment partners); a
    fulfillment partner sees only the locked proxies carrying its own name.
    """
    account = principal.account
    locked = AssetRow.type == DownloadAssetType.LOCKED_PROXY.value
    if account.role is Role.CONTENT_PARTNER:
        return ~locked
    return or_(~locked, AssetRow.partner == account.partner)


def after_cursor(query: Select[Any], cursor: str | None, at: Any, key: Any) -> Select[Any]:
    """Keyset pagination: rows strictly after the cursor's (time, id), in (time, id) order."""
    if cursor:
        try:
            at_value, key_value = decode_cursor(cursor)
        except ValueError as exc:
            raise ApiError(400, str(exc), "INVALID_CURSOR") from exc
        query = query.where(or_(at > at_value, and_(at == at_value, key > key_value)))
    return query.order_by(at, key)
