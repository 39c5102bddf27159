"""Tasks of reconciliation: read the portal's changes, apply them in chunks, repair the rest."""

from __future__ import annotations

import asyncio
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.events import emit_event
from sqlalchemy.orm import Session

from slate.backlot import DeliveryStatus, PortalSourceRequest, RedeliveryRequest
from slate.backlot.webhooks import EventType, WebhookEvent
from slate.delivery import record_inspections
from slate.models import MaterialStatus, PortalStatus
from slate.reconcile import (
    REDELIVERY_WATERMARK,
    REQUEST_WATERMARK,
    Change,
    ChangeKind,
    apply_redeliveries,
    apply_requests,
    fetch_changed_redeliveries,
    fetch_changed_requests,
    read_watermark,
    stored_failures,
    watermark_after,
    write_watermark,
)
from slate.redelivery import correction_for, inspection_ref, is_inspection_ref
from slate.store import get_request
from slate.store.webhook_events import record_events
from tasks._runtime import actor, database, emit, portal
from tasks.common import portal_retries

__all__ = [
    "apply_redelivery_requests",
    "apply_request_chunk",
    "dispatch_stored_webhooks",
    "failed_inspections",
    "failed_records",
    "fetch_changes",
    "publish_changes",
    "save_watermarks",
]


@task(
    name="fetch portal changes",
    **portal_retries(),
)
def fetch_changes() -> tuple[list[PortalSourceRequest], list[RedeliveryRequest]]:
    """Every request and redelivery request changed since the stored watermarks."""
    with database() as db, portal() as client:
        requests = fetch_changed_requests(client, read_watermark(db, REQUEST_WATERMARK))
        redeliveries = fetch_changed_redeliveries(client, read_watermark(db, REDELIVERY_WATERMARK))
    return requests, redeliveries


@task(name="records that failed before")
def failed_records(
    requests: list[PortalSourceRequest], redeliveries: list[RedeliveryRequest]
) -> tuple[list[PortalSourceRequest], list[RedeliveryRequest]]:
    """The records earlier runs could not apply, to try again; the portal's newer copy wins.

    They sit behind the watermark (it moved past them so they hold nothing back); a record the
    portal changed meanwhile is among ``requests`` or ``redeliveries`` already and is not repeated.
    """
    with database() as db:
        old_requests, old_redeliveries = stored_failures(db)
    fresh = {r.request_id for r in requests}
    fresh_redeliveries = {r.redelivery_id for r in redeliveries}
    return (
        [r for r in old_requests if r.request_id not in fresh],
        [r for r in old_redeliveries if r.redelivery_id not in fresh_redeliveries],
    )


def _emit_all(changes: list[Change]) -> None:
    """One event per status change; assignments merely created are announced in one event per chunk.

    A first reconcile of a large catalogue creates thousands of assignments at once; an event for
    each would cost more than the work itself (the server stores every event).
    """
    created = [c.request_id for c in changes if [e.event for e in c.events] == ["slate.material.create"]]
    for change in changes:
        if change.events and change.request_id not in created:
            emit(change.events)
    if created:
        emit_event(
            event="slate.reconcile.assignments-created",
            resource={"prefect.resource.id": "slate.reconcile", "prefect.resource.name": "reconcile"},
            payload={"count": len(created), "request_ids": created},
        )


@task(name="apply request changes")
def apply_request_chunk(requests: list[PortalSourceRequest]) -> list[Change]:
    """Sync one chunk of portal requests (created, updated, canceled, uncanceled)."""
    with database() as db:
        changes = apply_requests(db, requests, actor())
    _emit_all(changes)
    return changes


@task(name="apply redelivery requests")
def apply_redelivery_requests(redeliveries: list[RedeliveryRequest]) -> list[Change]:
    """Record every redelivery request once; queue a redelivery run for those Slate can correct.

    A redelivery request reconcile records first is one whose webhook never came (or has not come
    yet), so the run the webhook would have started is queued here (as a stored event, started by
    :func:`dispatch_stored_webhooks` in the same reconcile run). Its run is keyed by the portal's
    id for the rejection (:func:`tasks.dispatch.routes.run_key`), so a webhook arriving late starts
    no second correction.
    """
    with database() as db:
        changes = apply_redeliveries(db, redeliveries, actor(), on_recorded=_queue_correction)
    _emit_all(changes)
    return changes


def _queue_correction(session: Session, item: RedeliveryRequest) -> None:
    """Store the event of a rejection Slate can correct (same transaction as the rejection)."""
    if correction_for(item.reason_code):
        record_events(session, [_redelivery_event(item)])


def _redelivery_event(item: RedeliveryRequest) -> WebhookEvent:
    """The event the portal would have sent for ``item`` (failed inspections are ``delivery:<id>``)."""
    if is_inspection_ref(item.redelivery_id):
        kind, data = EventType.DELIVERY_FAILED, {"deliveryId": item.delivery_id}
    else:
        kind, data = EventType.REDELIVERY_REQUESTED, {"redeliveryId": item.redelivery_id}
    return WebhookEvent(
        id=f"reconcile:{item.redelivery_id}"[:128],
        type=kind,
        occurred_at=item.created_at,
        request_id=item.request_id,
        data=data,
    )


@task(
    name="find failed inspections",
    **portal_retries(2),
)
def failed_inspections(requests: list[PortalSourceRequest]) -> list[RedeliveryRequest]:
    """Deliveries the portal's inspection failed while we think them delivered, as rejections to record."""
    found: list[RedeliveryRequest] = []
    with database() as db, portal() as client:
        for record in requests:
            if record.status is not PortalStatus.REDELIVERY_REQUESTED:
                continue
            with db.session() as session:
                if get_request(session, record.request_id).material_status is not MaterialStatus.DELIVERED:
                    continue
            for delivery in client.list_deliveries(record.request_id):
                if delivery.status is DeliveryStatus.FAILED:
                    found.append(
                        RedeliveryRequest(
                            redelivery_id=inspection_ref(delivery.delivery_id),
                            request_id=record.request_id,
                            delivery_id=delivery.delivery_id,
                            reason_code=delivery.qc.reason_code or "INSPECTION_FAILED",
                            reason=delivery.qc.message or "",
                            created_at=delivery.updated_at,
                        )
                    )
    return found


#: Portal statuses after which a delivery's inspection or QC may have answered.
_INSPECTED = (PortalStatus.PROCESSED, PortalStatus.ACCEPTED, PortalStatus.REDELIVERY_REQUESTED)


@task(name="record delivery verdicts")
def record_delivery_verdicts(requests: list[PortalSourceRequest]) -> list[Change]:
    """The portal's verdicts on our deliveries, written into their receipts (see ``record_inspections``)."""
    changes: list[Change] = []
    with database() as db, portal() as client:
        for record in requests:
            if record.status not in _INSPECTED:
                continue
            for line in record_inspections(db, client, record.request_id):
                changes.append(Change(request_id=record.request_id, kind=ChangeKind.RECEIPT, detail=line))
    return changes


@task(name="save watermarks")
def save_watermarks(
    requests: list[PortalSourceRequest], redeliveries: list[RedeliveryRequest], changes: list[Change]
) -> None:
    """Move the watermarks to the newest change read, short of any item to retry.

    Items that ``failed`` do not hold it back: they are stored and tried again by later runs.
    """
    retry = {c.request_id for c in changes if c.kind is ChangeKind.RETRY}
    with database() as db:
        newest = watermark_after(((r.request_id, r.updated_at) for r in requests), retry)
        if newest is not None:
            write_watermark(db, REQUEST_WATERMARK, newest)
        newest = watermark_after(((r.request_id, r.created_at) for r in redeliveries), retry)
        if newest is not None:
            write_watermark(db, REDELIVERY_WATERMARK, newest)


@task(name="dispatch stored webhooks")
def dispatch_stored_webhooks() -> int:
    """Start the runs of webhook events that were stored but never started (Prefect was down)."""
    from tasks.dispatch.dispatcher import dispatch_pending

    with database() as db:
        report = asyncio.run(dispatch_pending(db))
    return report.dispatched


@task(name="publish reconcile table")
def publish_changes(changes: list[Change], seen: int) -> list[dict[str, Any]]:
    """A table artifact of what reconciliation changed."""
    rows = [{"request": c.request_id, "change": c.kind, "detail": c.detail} for c in changes]
    failed = sum(c.kind is ChangeKind.FAILED for c in changes)
    description = f"Reconciled {seen} portal change(s): {len(changes)} applied or skipped"
    if failed:
        description += f"; {failed} FAILED (kept with their reason, tried again by the next run)"
    create_table_artifact(
        rows or [{"request": "-", "change": "nothing to do", "detail": ""}], description=description
    )
    return rows
