"""Rejections: the portal's redelivery requests and our own, recorded once and kept in history.

A rejection turns the rejected version RED and the request REDELIVERY_REQUESTED, and stays in
the asset's history with who raised it, why, where (timecodes) and, later, how it was resolved.
The portal's rejections carry its redelivery id, so a webhook and the scheduled reconciliation
reporting the same one record it once.

Some reasons name a defect Slate can correct by itself (a time offset, a frame-rate or time-base
mix-up, a channel order, metadata only); :data:`AUTO_CORRECTIONS` maps them, as data, to the
correction to try. Anything else waits for an operator or a new upload.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from slate import lifecycle
from slate.errors import NotFound
from slate.lifecycle import LifecycleEvent
from slate.models import AssetColor, MaterialStatus, Rejection, RejectionOrigin
from slate.store import AssetVersionRow, RejectionRow, SourceRequestRow

__all__ = [
    "AUTO_CORRECTIONS",
    "Correction",
    "awaiting_correction",
    "correction_for",
    "inspection_ref",
    "is_inspection_ref",
    "record_rejection",
    "resolve",
]


#: The prefix of a rejection the portal gave as a failed inspection: it is known by its delivery.
_INSPECTION_PREFIX = "delivery:"


def inspection_ref(delivery_id: str) -> str:
    """The reference of the rejection a failed inspection of ``delivery_id`` stands for.

    A redelivery request has the portal's own id; a failed inspection has none but its delivery's,
    so it is named ``delivery:<id>`` wherever a rejection is keyed (recorded, reconciled, dispatched).
    """
    return f"{_INSPECTION_PREFIX}{delivery_id}"


def is_inspection_ref(ref: str) -> bool:
    """True for the reference of a failed inspection (see :func:`inspection_ref`)."""
    return ref.startswith(_INSPECTION_PREFIX)


class Correction(StrEnum):
    """What Slate can do by itself about a rejection."""

    TIMED_TEXT = "timed_text"  # re-time, shift or snap the subtitle file and write TTML
    CHANNEL_ORDER = "channel_order"  # remap audio channels into the standard order
    METADATA_ONLY = "metadata_only"  # the bytes were right: deliver them again with corrected metadata


#: Reason codes (the portal's and our own) → the correction to try. Matched case-insensitively.
AUTO_CORRECTIONS: dict[str, Correction] = {
    "TIME_BASE_MISMATCH": Correction.TIMED_TEXT,
    "SYNC_GLOBAL_OFFSET": Correction.TIMED_TEXT,
    "SYNC_GLOBAL_DRIFT": Correction.TIMED_TEXT,
    "TIMED_TEXT_OFFSET": Correction.TIMED_TEXT,
    "FRAME_RATE": Correction.TIMED_TEXT,
    "AUDIO_CHANNEL_MISMAP": Correction.CHANNEL_ORDER,
    "CHANNEL_MAPPING": Correction.CHANNEL_ORDER,
    "METADATA_ONLY": Correction.METADATA_ONLY,
}


def correction_for(reason_code: str) -> Correction | None:
    """The correction a reason code calls for, or None when a person must decide."""
    return AUTO_CORRECTIONS.get(reason_code.strip().upper())


def _rejected_version(session: Session, request_id: str, version_id: int | None) -> AssetVersionRow:
    if version_id is not None:
        row = session.get(AssetVersionRow, version_id)
    else:
        row = session.scalar(
            lifecycle.deliverable_versions(request_id)
            .where(AssetVersionRow.color.in_([AssetColor.LIGHT_BLUE.value, AssetColor.GRAY.value]))
            .order_by(AssetVersionRow.frozen.desc(), AssetVersionRow.version_id.desc())
        )
    if row is None:
        raise NotFound(f"{request_id} has no current version to reject", request_id=request_id)
    return row


def record_rejection(
    session: Session,
    request_id: str,
    *,
    origin: RejectionOrigin,
    reason_code: str,
    description: str = "",
    timecodes: list[str] | None = None,
    actor: str,
    portal_ref: str | None = None,
    version_id: int | None = None,
) -> tuple[Rejection, list[LifecycleEvent]]:
    """Record a rejection and apply it; a portal rejection already recorded changes nothing."""
    if portal_ref is not None:
        known = session.scalar(select(RejectionRow).where(RejectionRow.portal_ref == portal_ref))
        if known is not None:
            return Rejection.model_validate(known), []
    version = _rejected_version(session, request_id, version_id)
    row = RejectionRow(
        request_id=request_id,
        version_id=version.version_id,
        origin=origin.value,
        portal_ref=portal_ref,
        reason_code=reason_code,
        description=description,
        timecodes=list(timecodes or []),
        raised_by=actor,
        raised_at=datetime.now(UTC),
    )
    session.add(row)
    reason = f"{origin.value.lower()} rejection {reason_code}: {description}".strip(": ")
    events = lifecycle.apply(
        session, request_id, "reject", actor=actor, reason=reason, version_id=version.version_id
    )
    return Rejection.model_validate(row), events


def awaiting_correction(session: Session, portal_ref: str) -> int | None:
    """The rejected version of portal rejection ``portal_ref`` if nothing has answered it yet.

    A rejection recorded by reconcile (its webhook was lost) or by a run that died before its
    correction still needs one: the request is REDELIVERY_REQUESTED and no newer version of the
    rejected asset exists. Then a redelivery run picks the work up where it stopped.
    """
    rejection = session.scalar(select(RejectionRow).where(RejectionRow.portal_ref == portal_ref))
    if rejection is None or rejection.version_id is None or rejection.resolution is not None:
        return None
    request = session.get(SourceRequestRow, rejection.request_id)
    if request is None or request.material_status != MaterialStatus.REDELIVERY_REQUESTED.value:
        return None
    rejected = session.get(AssetVersionRow, rejection.version_id)
    assert rejected is not None  # a foreign key
    newer = session.scalar(
        select(AssetVersionRow.version_id).where(
            AssetVersionRow.asset_id == rejected.asset_id, AssetVersionRow.number > rejected.number
        )
    )
    return None if newer is not None else rejected.version_id


def resolve(session: Session, rejection_id: int, resolution: str) -> None:
    """Say how a rejection was resolved (a corrected version delivered, an operator's decision)."""
    row = session.get(RejectionRow, rejection_id)
    if row is None:
        raise NotFound(f"no rejection {rejection_id}", rejection_id=rejection_id)
    row.resolution = resolution
    row.resolved_at = datetime.now(UTC)
