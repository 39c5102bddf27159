"""Source requests, their comments, and cancel/uncancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from slate.backlot._contract import CancelRequest, Comment, NewComment, Page, PortalSourceRequest
from slate.backlot.emulator._auth import Caller
from slate.backlot.emulator._db import CommentRow, RequestRow, encode_cursor, naive, utcnow
from slate.backlot.emulator._state import ApiError, Emulator, get_emulator, new_id
from slate.backlot.emulator._views import (
    after_cursor,
    comment_view,
    request_view,
    visible_request,
    visible_requests,
)
from slate.backlot.emulator._webhooks import emit
from slate.backlot.webhooks import EventType
from slate.models import PortalStatus, SourceType

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["source requests"])
Portal = Annotated[Emulator, Depends(get_emulator)]


@router.get("/requests", response_model=Page[PortalSourceRequest], summary="List source requests")
def list_requests(
    *,
    emulator: Portal,
    caller: Caller,
    changed_since: Annotated[datetime | None, Query(alias="changedSince")] = None,
    status: PortalStatus | None = None,
    source_type: Annotated[SourceType | None, Query(alias="sourceType")] = None,
    movie_id: Annotated[str | None, Query(alias="movieId")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[PortalSourceRequest]:
    """Requests visible to the caller, oldest change first; ``changedSince`` is exclusive."""
    query = visible_requests(caller)
    if changed_since is not None:
        query = query.where(RequestRow.updated_at > naive(changed_since))
    if status is not None:
        query = query.where(RequestRow.status == status.value)
    if source_type is not None:
        query = query.where(RequestRow.source_type == source_type.value)
    if movie_id is not None:
        query = query.where(RequestRow.movie_id == movie_id)
    query = after_cursor(query, cursor, RequestRow.updated_at, RequestRow.request_id)
    with emulator.session() as session:
        rows = session.scalars(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].updated_at, rows[-1].request_id) if more else None
    return Page[PortalSourceRequest](items=[request_view(r) for r in rows], next_cursor=next_cursor)


@router.get("/requests/{request_id}", response_model=PortalSourceRequest, summary="Get a source request")
def get_request(request_id: str, emulator: Portal, caller: Caller) -> PortalSourceRequest:
    with emulator.session() as session:
        return request_view(visible_request(session, caller, request_id))


@router.post("/requests/cancel", response_model=PortalSourceRequest, summary="Cancel a source request")
def cancel(body: CancelRequest, emulator: Portal, caller: Caller) -> PortalSourceRequest:
    with emulator.session() as session:
        row = visible_request(session, caller, body.request_id)
        if row.status == PortalStatus.CANCELED.value:
            raise ApiError(409, f"source request {row.request_id} is already canceled", "ALREADY_CANCELED")
        row.status_before_cancel, row.status, row.updated_at = (
            row.status,
            PortalStatus.CANCELED.value,
            utcnow(),
        )
        emit(session, EventType.ASSIGNMENT_CANCELED, row.request_id, reason=body.reason)
        return request_view(row)


@router.post("/requests/uncancel", response_model=PortalSourceRequest, summary="Undo a cancellation")
def uncancel(body: CancelRequest, emulator: Portal, caller: Caller) -> PortalSourceRequest:
    with emulator.session() as session:
        row = visible_request(session, caller, body.request_id)
        if row.status != PortalStatus.CANCELED.value:
            raise ApiError(409, f"source request {row.request_id} is not canceled", "NOT_CANCELED")
        row.status = row.status_before_cancel or PortalStatus.OPEN.value
        row.status_before_cancel, row.updated_at = None, utcnow()
        emit(session, EventType.ASSIGNMENT_UPDATED, row.request_id, status=row.status)
        return request_view(row)


@router.get("/requests/{request_id}/comments", response_model=list[Comment], summary="List comments")
def list_comments(request_id: str, emulator: Portal, caller: Caller) -> list[Comment]:
    with emulator.session() as session:
        visible_request(session, caller, request_id)
        rows = session.scalars(
            select(CommentRow)
            .where(CommentRow.request_id == request_id)
            .order_by(CommentRow.created_at, CommentRow.comment_id)
        ).all()
        return [comment_view(r) for r in rows]


@router.post(
    "/requests/{request_id}/comments", response_model=Comment, status_code=201, summary="Post a comment"
)
def post_comment(request_id: str, body: NewComment, emulator: Portal, caller: Caller) -> Comment:
    with emulator.session() as session:
        visible_request(session, caller, request_id)
        row = CommentRow(
            comment_id=new_id("C"),
            request_id=request_id,
            author=caller.account.partner,
            body=body.body,
            created_at=utcnow(),
        )
        session.add(row)
        return comment_view(row)
