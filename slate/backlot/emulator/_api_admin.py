"""Admin endpoints: what the studio and the portal's staff do, plus test controls.

Not part of the portal's contract: create and change assignments, manual QC (redelivery request,
acceptance), seed data, inject faults, read statistics and the webhook outbox, reset. They take no
token; the emulator is meant for loopback.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from pydantic.alias_generators import to_camel
from sqlalchemy import select

from slate.backlot._contract import (
    DeliveryStatus,
    PortalDelivery,
    PortalSourceRequest,
    QcStatus,
    RedeliveryRequest,
)
from slate.backlot.emulator._config import CONTENT_PARTNER, FULFILLMENT_PARTNER
from slate.backlot.emulator._db import DeliveryRow, OutboxRow, RedeliveryRow, RequestRow, utcnow
from slate.backlot.emulator._faults import FaultPlan
from slate.backlot.emulator._seed import seed
from slate.backlot.emulator._state import ApiError, Emulator, get_emulator, new_id
from slate.backlot.emulator._views import delivery_view, redelivery_view, request_view
from slate.backlot.emulator._webhooks import emit
from slate.backlot.webhooks import EventType
from slate.models import PortalStatus, SourceType

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["admin (emulator only)"])
Portal = Annotated[Emulator, Depends(get_emulator)]


class _Admin(BaseModel):
    model_config = {"alias_generator": to_camel, "populate_by_name": True, "extra": "forbid"}


class AssignmentSpec(_Admin):
    """A new source request, as the studio creates it."""

    request_id: str | None = None
    movie_id: str
    title: str
    show_name: str | None = None
    season_number: int | None = None
    episode_number: int | None = None
    episode_title: str | None = None
    package_id: str | None = None
    source_type: SourceType
    language: str = "en"
    due_date: date | None = None
    content_partner: str = CONTENT_PARTNER
    fulfillment_partner: str | None = FULFILLMENT_PARTNER
    audio_channels: int | None = None
    runtime_seconds: Decimal | None = None


class AssignmentChange(_Admin):
    """Fields the studio may change on an assignment."""

    due_date: date | None = None
    fulfillment_partner: str | None = None
    language: str | None = None
    status: PortalStatus | None = None


class RedeliveryOrder(_Admin):
    """Manual QC's verdict: why a new file is needed."""

    reason_code: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1)
    timecodes: list[str] = Field(default_factory=list)


class SeedOrder(_Admin):
    with_proxies: bool = False
    notify: bool = False


class EmulatorSettings(_Admin):
    token_ttl: int | None = Field(default=None, ge=1)
    webhook_url: str | None = None


@router.post("/reset", summary="Empty the portal (data, files, faults, statistics)")
def reset(emulator: Portal) -> dict[str, str]:
    emulator.reset()
    return {"status": "reset"}


@router.post("/seed", summary="Seed a show with seasons, episodes, every source type and materials")
def seed_data(order: SeedOrder, emulator: Portal) -> dict[str, int]:
    return seed(emulator, with_proxies=order.with_proxies, notify=order.notify)


@router.post(
    "/assignments", response_model=PortalSourceRequest, status_code=201, summary="Create an assignment"
)
def create_assignment(spec: AssignmentSpec, emulator: Portal) -> PortalSourceRequest:
    now = utcnow()
    values = spec.model_dump(exclude={"request_id", "runtime_seconds"})
    row = RequestRow(
        **values,
        request_id=spec.request_id or new_id("SR"),
        status=PortalStatus.OPEN.value,
        runtime_seconds=str(spec.runtime_seconds) if spec.runtime_seconds is not None else None,
        created_at=now,
        updated_at=now,
    )
    with emulator.session() as session:
        if session.get(RequestRow, row.request_id) is not None:
            raise ApiError(409, f"source request {row.request_id} exists", "REQUEST_EXISTS")
        session.add(row)
        emit(session, EventType.ASSIGNMENT_CREATED, row.request_id, sourceType=row.source_type)
        return request_view(row)


@router.patch("/assignments/{request_id}", response_model=PortalSourceRequest, summary="Change an assignment")
def change_assignment(request_id: str, change: AssignmentChange, emulator: Portal) -> PortalSourceRequest:
    with emulator.session() as session:
        row = _request(session, request_id)
        changed = change.model_dump(exclude_unset=True, mode="json")
        for key, value in changed.items():
            setattr(row, key, date.fromisoformat(value) if key == "due_date" and value else value)
        row.updated_at = utcnow()
        emit(session, EventType.ASSIGNMENT_UPDATED, request_id, changed=sorted(changed))
        return request_view(row)


def _request(session: Any, request_id: str) -> RequestRow:
    row = session.get(RequestRow, request_id)
    if row is None:
        raise ApiError(404, f"source request {request_id} not found", "REQUEST_NOT_FOUND")
    return row  # type: ignore[no-any-return]


@router.post(
    "/requests/{request_id}/redelivery",
    response_model=RedeliveryRequest,
    status_code=201,
    summary="Manual QC: request a redelivery with a reason",
)
def request_redelivery(request_id: str, order: RedeliveryOrder, emulator: Portal) -> RedeliveryRequest:
    with emulator.session() as session:
        request = _request(session, request_id)
        latest = session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.request_id == request_id)
            .order_by(DeliveryRow.created_at.desc(), DeliveryRow.delivery_id.desc())
        ).first()
        now = utcnow()
        if latest is not None:
            latest.status, latest.qc_status = DeliveryStatus.REJECTED.value, QcStatus.FAILED.value
            latest.reason_code, latest.message, latest.updated_at = order.reason_code, order.reason, now
        request.status, request.updated_at = PortalStatus.REDELIVERY_REQUESTED.value, now
        row = RedeliveryRow(
            redelivery_id=new_id("RR"),
            request_id=request_id,
            delivery_id=latest.delivery_id if latest else None,
            reason_code=order.reason_code,
            reason=order.reason,
            timecodes=order.timecodes,
            created_at=now,
        )
        session.add(row)
        emit(
            session,
            EventType.REDELIVERY_REQUESTED,
            request_id,
            redeliveryId=row.redelivery_id,
            deliveryId=row.delivery_id,
            reasonCode=order.reason_code,
            reason=order.reason,
        )
        return redelivery_view(row)


@router.post("/deliveries/{delivery_id}/accept", response_model=PortalDelivery, summary="Manual QC: accept")
def accept_delivery(delivery_id: str, emulator: Portal) -> PortalDelivery:
    with emulator.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        if row is None:
            raise ApiError(404, f"delivery {delivery_id} not found", "DELIVERY_NOT_FOUND")
        if row.status != DeliveryStatus.PROCESSED.value:
            raise ApiError(409, f"delivery {delivery_id} is {row.status}, not PROCESSED", "NOT_PROCESSED")
        request = _request(session, row.request_id)
        now = utcnow()
        row.status, row.qc_status, row.updated_at = DeliveryStatus.ACCEPTED.value, QcStatus.PASSED.value, now
        request.status, request.updated_at = PortalStatus.ACCEPTED.value, now
        emit(session, EventType.DELIVERY_ACCEPTED, row.request_id, deliveryId=delivery_id)
        return delivery_view(row)


@router.get("/faults", response_model=FaultPlan, summary="The current fault plan")
def get_faults(emulator: Portal) -> FaultPlan:
    return emulator.faults.plan


@router.put("/faults", response_model=FaultPlan, summary="Replace the fault plan")
def set_faults(plan: FaultPlan, emulator: Portal) -> FaultPlan:
    emulator.faults.set(plan)
    return emulator.faults.plan


@router.delete("/faults", response_model=FaultPlan, summary="Clear every fault")
def clear_faults(emulator: Portal) -> FaultPlan:
    emulator.faults.clear()
    return emulator.faults.plan


@router.get("/stats", summary="Calls received per METHOD /path, tokens issued, downloads served")
def stats(emulator: Portal) -> dict[str, Any]:
    """``downloads``: each file download in order, with the Range header it had and bytes sent."""
    return {
        "calls": emulator.stats.snapshot(),
        "tokensIssued": emulator.tokens_issued,
        "downloads": emulator.stats.downloads(),
    }


@router.put("/config", summary="Change the token lifetime or the webhook target")
def configure(change: EmulatorSettings, emulator: Portal) -> dict[str, Any]:
    if change.token_ttl is not None:
        emulator.token_ttl = change.token_ttl
    if change.webhook_url is not None:
        emulator.webhook_url = change.webhook_url
        emulator.webhooks_wakeup.set()
    return {"tokenTtl": emulator.token_ttl, "webhookUrl": emulator.webhook_url}


@router.post("/tokens/revoke", summary="Revoke every access token (the next calls get 401)")
def revoke_tokens(emulator: Portal) -> dict[str, int]:
    return {"revoked": emulator.revoke_tokens()}


@router.post("/idle", summary="Wait until inspections and proxy encodes have finished")
def idle(emulator: Portal) -> dict[str, str]:
    emulator.wait_idle()
    return {"status": "idle"}


@router.get("/webhooks", summary="The webhook outbox: every event and its sending state")
def webhooks(emulator: Portal) -> list[dict[str, Any]]:
    with emulator.session() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.created_at, OutboxRow.event_id)).all()
        return [
            {
                "eventId": r.event_id,
                "type": r.type,
                "requestId": r.request_id,
                "state": r.state,
                "attempts": r.attempts,
                "lastError": r.last_error,
            }
            for r in rows
        ]
