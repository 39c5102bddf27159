"""What the portal does after a file arrives: inspect it, then (for AV) make the two proxies.

Runs in the emulator's background pool, so the upload answers at once with
``PENDING_INSPECTION``, as the portal does; the outcome arrives by webhook or by polling.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from slate.backlot._contract import (
    AssetState,
    DeliveryDeclaration,
    DeliveryStatus,
    DownloadAssetType,
    InspectionReason,
    QcStatus,
)
from slate.backlot.emulator._db import AssetRow, DeliveryRow, RequestRow, utcnow
from slate.backlot.emulator._inspection import inspect_delivery
from slate.backlot.emulator._proxies import make_proxy
from slate.backlot.emulator._state import Emulator, new_id
from slate.backlot.emulator._webhooks import emit
from slate.backlot.webhooks import EventType
from slate.errors import MediaError
from slate.logging import get_logger
from slate.models import AssetCategory, PortalStatus, SourceType

__all__ = ["add_asset", "process_delivery"]

log = get_logger(__name__)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def add_asset(
    emulator: Emulator,
    *,
    movie_id: str,
    kind: DownloadAssetType,
    path: Path,
    request_id: str | None = None,
    partner: str | None = None,
    language: str | None = None,
    state: AssetState = AssetState.ACTIVE,
) -> str:
    """Register a stored file as a material; an older active one of the same kind becomes Upgraded."""
    asset_id = new_id("DA")
    with emulator.session() as session:
        if state is AssetState.ACTIVE:
            older = session.scalars(
                select(AssetRow).where(
                    AssetRow.movie_id == movie_id,
                    AssetRow.type == kind.value,
                    AssetRow.state == AssetState.ACTIVE.value,
                    AssetRow.partner.is_(None) if partner is None else AssetRow.partner == partner,
                    AssetRow.language.is_(None) if language is None else AssetRow.language == language,
                )
            ).all()
            for row in older:
                row.state = AssetState.UPGRADED.value
        session.add(
            AssetRow(
                asset_id=asset_id,
                movie_id=movie_id,
                request_id=request_id,
                type=kind.value,
                state=state.value,
                partner=partner,
                language=language,
                file_name=path.name,
                file_path=str(path),
                size=path.stat().st_size,
                checksum=_sha256(path),
                qc_status=QcStatus.PASSED.value,
                created_at=utcnow(),
            )
        )
    return asset_id


def _finish(emulator: Emulator, delivery_id: str, reason: str | None, message: str | None) -> None:
    """Record the verdict on the delivery and its request, and announce it."""
    with emulator.session() as session:
        delivery = session.get(DeliveryRow, delivery_id)
        if delivery is None:
            return
        request = session.get(RequestRow, delivery.request_id)
        assert request is not None
        now = utcnow()
        failed = reason is not None
        delivery.status = (DeliveryStatus.FAILED if failed else DeliveryStatus.PROCESSED).value
        delivery.qc_status = (QcStatus.FAILED if failed else QcStatus.PENDING).value
        delivery.reason_code, delivery.message, delivery.updated_at = reason, message, now
        request.status = (PortalStatus.REDELIVERY_REQUESTED if failed else PortalStatus.PROCESSED).value
        request.updated_at = now
        event = EventType.DELIVERY_FAILED if failed else EventType.DELIVERY_PROCESSED
        data = {"deliveryId": delivery_id, "status": delivery.status}
        if failed:
            data |= {"reasonCode": reason or "", "message": message or ""}
        emit(session, event, request.request_id, **data)


def _make_proxies(emulator: Emulator, request: RequestRow, source: Path) -> None:
    """The locked proxy (watermarked with the fulfillment partner) and the final proxy."""
    folder = f"proxies/{request.movie_id}/{new_id('P')}"
    final = make_proxy(source, emulator.file_path(folder, f"{request.movie_id}_final_proxy.mp4"))
    partner = request.fulfillment_partner or "UNASSIGNED"
    locked = make_proxy(
        source, emulator.file_path(folder, f"{request.movie_id}_locked_proxy.mp4"), watermark=partner
    )
    ids = [
        add_asset(emulator, movie_id=request.movie_id, kind=DownloadAssetType.FINAL_PROXY, path=final,
                  request_id=request.request_id),
        add_asset(emulator, movie_id=request.movie_id, kind=DownloadAssetType.LOCKED_PROXY, path=locked,
                  request_id=request.request_id, partner=partner),
    ]  # fmt: skip
    with emulator.session() as session:
        emit(session, EventType.PROXY_AVAILABLE, request.request_id, movieId=request.movie_id, assetIds=ids)


def process_delivery(emulator: Emulator, delivery_id: str) -> None:
    """Inspect one received delivery and act on the verdict."""
    with emulator.session() as session:
        delivery = session.get(DeliveryRow, delivery_id)
        if delivery is None or delivery.file_path is None:
            return
        request = session.get(RequestRow, delivery.request_id)
        assert request is not None
        session.expunge(request)
        declared = DeliveryDeclaration.model_validate(delivery.declaration)
        path = Path(delivery.file_path)
    source_type = SourceType(request.source_type)
    try:
        finding = inspect_delivery(path, declared, source_type, request.audio_channels)
    except Exception as exc:  # a broken inspection must not leave the delivery pending forever
        log.exception("portal emulator inspection crashed", delivery_id=delivery_id)
        _finish(
            emulator, delivery_id, InspectionReason.INSPECTION_ERROR.value, f"inspection could not run: {exc}"
        )
        return
    if finding is not None:
        log.info("portal emulator inspection failed", delivery_id=delivery_id, reason=finding.reason)
        _finish(emulator, delivery_id, finding.reason.value, finding.message)
        return
    _finish(emulator, delivery_id, None, None)
    if source_type.category is AssetCategory.VIDEO and source_type in {
        SourceType.AV_MUXED,
        SourceType.SECONDARY_AV_MUXED,
    }:
        try:
            _make_proxies(emulator, request, path)
        except MediaError as exc:
            log.error("portal emulator could not make proxies", delivery_id=delivery_id, error=exc.message)
