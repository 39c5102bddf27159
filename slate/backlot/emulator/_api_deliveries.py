"""Deliveries (register, upload, inspect) and redelivery requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from slate.backlot._contract import (
    DeliveryDeclaration,
    DeliveryStatus,
    Page,
    PortalDelivery,
    QcStatus,
    RedeliveryRequest,
)
from slate.backlot.emulator._auth import Caller
from slate.backlot.emulator._db import DeliveryRow, RedeliveryRow, RequestRow, encode_cursor, naive, utcnow
from slate.backlot.emulator._processing import process_delivery
from slate.backlot.emulator._state import ApiError, Emulator, Principal, get_emulator, new_id
from slate.backlot.emulator._views import (
    after_cursor,
    delivery_view,
    redelivery_view,
    visible_request,
    visible_requests,
)
from slate.models import PortalStatus

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["deliveries"])
Portal = Annotated[Emulator, Depends(get_emulator)]

#: A request accepts a new file only in these states (as on the portal's delivery page).
DELIVERABLE = {PortalStatus.OPEN.value, PortalStatus.REDELIVERY_REQUESTED.value}


@router.post(
    "/requests/{request_id}/deliveries",
    response_model=PortalDelivery,
    status_code=201,
    summary="Register a delivery (its declaration); then PUT its file",
)
def create_delivery(
    request_id: str, declaration: DeliveryDeclaration, emulator: Portal, caller: Caller
) -> PortalDelivery:
    try:
        declaration.service  # noqa: B018 - validates the OTHER-needs-text rule
    except ValueError as exc:
        raise ApiError(422, str(exc), "INVALID_SERVICE_TYPE") from exc
    with emulator.session() as session:
        request = visible_request(session, caller, request_id)
        if request.status not in DELIVERABLE:
            raise ApiError(
                409,
                f"source request {request_id} is {request.status}: it takes no delivery",
                "REQUEST_NOT_OPEN",
            )
        now = utcnow()
        row = DeliveryRow(
            delivery_id=new_id("DLV"),
            request_id=request_id,
            declaration=declaration.model_dump(mode="json"),
            status=DeliveryStatus.AWAITING_UPLOAD.value,
            qc_status=QcStatus.PENDING.value,
            bytes_received=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        return delivery_view(row)


def _owned_delivery(emulator: Emulator, caller: Principal, delivery_id: str) -> DeliveryRow:
    with emulator.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        if row is None:
            raise ApiError(404, f"delivery {delivery_id} not found", "DELIVERY_NOT_FOUND")
        visible_request(session, caller, row.request_id)
        return row


def _received(emulator: Emulator, delivery_id: str, path: str, size: int) -> PortalDelivery:
    with emulator.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        request = session.get(RequestRow, row.request_id) if row else None
        if row is None or request is None:
            raise ApiError(404, f"delivery {delivery_id} not found", "DELIVERY_NOT_FOUND")
        now = utcnow()
        row.file_path, row.bytes_received, row.updated_at = path, size, now
        row.status = DeliveryStatus.PENDING_INSPECTION.value
        request.status, request.updated_at = PortalStatus.DELIVERED.value, now
        view = delivery_view(row)
    emulator.submit(process_delivery, emulator, delivery_id)
    return view


@router.put(
    "/deliveries/{delivery_id}/file",
    response_model=PortalDelivery,
    summary="Upload the file of a delivery (raw body, streamed); inspection starts when it is complete",
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string"}}}}},
)
async def upload_file(delivery_id: str, request: Request, emulator: Portal, caller: Caller) -> PortalDelivery:
    row = await run_in_threadpool(_owned_delivery, emulator, caller, delivery_id)
    if row.status != DeliveryStatus.AWAITING_UPLOAD.value:
        raise ApiError(409, f"delivery {delivery_id} already has its file", "ALREADY_UPLOADED")
    name = DeliveryDeclaration.model_validate(row.declaration).file_name
    target = emulator.file_path("deliveries", delivery_id, name)
    partial = target.with_name(f".{name}.part")
    size = 0
    try:
        with partial.open("wb") as fh:
            async for chunk in request.stream():
                fh.write(chunk)
                size += len(chunk)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return await run_in_threadpool(_received, emulator, delivery_id, str(target), size)


@router.get(
    "/deliveries/{delivery_id}", response_model=PortalDelivery, summary="Get a delivery and its QC outcome"
)
def get_delivery(delivery_id: str, emulator: Portal, caller: Caller) -> PortalDelivery:
    return delivery_view(_owned_delivery(emulator, caller, delivery_id))


@router.get(
    "/requests/{request_id}/deliveries",
    response_model=list[PortalDelivery],
    summary="List a request's deliveries",
)
def list_deliveries(request_id: str, emulator: Portal, caller: Caller) -> list[PortalDelivery]:
    with emulator.session() as session:
        visible_request(session, caller, request_id)
        rows = session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.request_id == request_id)
            .order_by(DeliveryRow.created_at, DeliveryRow.delivery_id)
        ).all()
        return [delivery_view(r) for r in rows]


@router.get("/redeliveryRequests", response_model=Page[RedeliveryRequest], summary="List redelivery requests")
def list_redeliveries(
    *,
    emulator: Portal,
    caller: Caller,
    request_id: Annotated[str | None, Query(alias="requestId")] = None,
    changed_since: Annotated[datetime | None, Query(alias="changedSince")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[RedeliveryRequest]:
    visible = visible_requests(caller).with_only_columns(RequestRow.request_id)
    query = select(RedeliveryRow).where(RedeliveryRow.request_id.in_(visible.scalar_subquery()))
    if request_id is not None:
        query = query.where(RedeliveryRow.request_id == request_id)
    if changed_since is not None:
        query = query.where(RedeliveryRow.created_at > naive(changed_since))
    query = after_cursor(query, cursor, RedeliveryRow.created_at, RedeliveryRow.redelivery_id)
    with emulator.session() as session:
        rows = session.scalars(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].redelivery_id) if more else None
    return Page[RedeliveryRequest](items=[redelivery_view(r) for r in rows], next_cursor=next_cursor)
