"""Tasks of redelivery: record the portal's rejection, and prepare a corrected version when Slate can."""

from __future__ import annotations

import tempfile
from pathlib import Path

from prefect import task
from pydantic import BaseModel

from slate.backlot import DeliveryStatus, PortalClient, PortalSourceRequest
from slate.backlot.webhooks import EventType, WebhookEvent
from slate.errors import NotFound
from slate.ingest import materialize
from slate.intake import sync_request
from slate.models import RejectionOrigin
from slate.redelivery import Correction, awaiting_correction, correction_for, inspection_ref, record_rejection
from slate.store import get_request, get_version
from tasks._runtime import actor, blobs, database, emit, portal
from tasks.autocorrect import correct_version
from tasks.common import portal_retries
from tasks.ingest import ingest_source
from tasks.qc import qc_kind

__all__ = ["PortalRejection", "apply_rejection", "prepare_correction", "read_rejection"]


class PortalRejection(BaseModel):
    """The portal's rejection as the flow needs it, with the request as the portal shows it now."""

    request_id: str
    portal_ref: str
    reason_code: str
    reason: str
    timecodes: list[str] = []
    request: PortalSourceRequest | None = None


def portal_rejection(client: PortalClient, event: WebhookEvent) -> PortalRejection:
    """Read the rejection the event announces from the portal (the event body is only a hint)."""
    request_id = event.request_id or ""
    if event.type is EventType.DELIVERY_FAILED:
        delivery = client.get_delivery(str(event.data.get("deliveryId", "")))
        if delivery.status is not DeliveryStatus.FAILED:
            raise NotFound(
                f"delivery {delivery.delivery_id} has not failed", delivery_id=delivery.delivery_id
            )
        return PortalRejection(
            request_id=delivery.request_id,
            portal_ref=inspection_ref(delivery.delivery_id),
            reason_code=delivery.qc.reason_code or "INSPECTION_FAILED",
            reason=delivery.qc.message or "",
        )
    wanted = event.data.get("redeliveryId")
    for item in client.iter_redelivery_requests(request_id=request_id):
        if wanted is None or item.redelivery_id == wanted:
            return PortalRejection(
                request_id=item.request_id,
                portal_ref=item.redelivery_id,
                reason_code=item.reason_code,
                reason=item.reason,
                timecodes=item.timecodes,
            )
    raise NotFound(f"the portal lists no redelivery request {wanted} for {request_id}", request_id=request_id)


@task(
    name="read rejection",
    **portal_retries(),
)
def read_rejection(event: WebhookEvent) -> PortalRejection:
    """The portal's rejection named by ``event``, and the request's status on the portal now.

    The status is read here, not taken from Slate's copy (which only reconcile refreshes), so the
    correction that follows is judged on REDELIVERY_REQUESTED, as the portal is asking.
    """
    with portal() as client:
        rejection = portal_rejection(client, event)
        rejection.request = client.get_source_request(rejection.request_id)
        return rejection


@task(name="record rejection")
def apply_rejection(rejection: PortalRejection) -> int | None:
    """Record it once (RED, REDELIVERY_REQUESTED); the rejected version's id, None when already answered.

    A rejection recorded earlier (by reconcile, or by a run that died before correcting) still
    returns its version while no newer version answers it, so the correction is not lost.
    """
    with database() as db:
        with db.session() as session:
            events = sync_request(session, rejection.request, actor="portal") if rejection.request else []
            recorded, rejected = record_rejection(
                session,
                rejection.request_id,
                origin=RejectionOrigin.PORTAL,
                reason_code=rejection.reason_code,
                description=rejection.reason,
                timecodes=rejection.timecodes,
                actor=actor(),
                portal_ref=rejection.portal_ref,
            )
        if events + rejected:
            with db.session() as session:
                emit(events + rejected, get_request(session, rejection.request_id))
        if not rejected:  # recorded before: carry on only if nothing has answered it yet
            with db.session() as session:
                return awaiting_correction(session, rejection.portal_ref)
    return recorded.version_id


@task(name="prepare corrected version")
def prepare_correction(request_id: str, version_id: int, reason_code: str) -> str | None:
    """Make the new version a correction needs; None when a person must decide."""
    correction = correction_for(reason_code)
    if correction is None:
        return None
    with database() as db, db.session() as session:
        request = get_request(session, request_id)
        version = get_version(session, version_id)
    with tempfile.TemporaryDirectory(prefix="slate-redeliver-") as scratch:
        if correction is Correction.METADATA_ONLY:
            original = materialize(blobs(), version.blob_key, Path(scratch))
            ingest_source.fn(request_id, str(original))
            return "the same file again, with corrected metadata"
        return correct_version(request, version, qc_kind(request.source_type), None, Path(scratch))
