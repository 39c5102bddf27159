"""Intake: make Slate's record of an assignment match what the portal says about it.

Used by the webhook-driven intake flow and by reconciliation alike, so both repair the same
way. It is idempotent: applying the same portal record twice changes nothing the second time.
The portal's fields (title, due date, its status…) are copied; Slate's own (material status,
Service Type, notes, costs) are never overwritten. A portal cancellation cancels our material;
an uncancellation brings it back.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from slate import lifecycle
from slate.backlot import PortalSourceRequest
from slate.lifecycle import DELIVERABLE, LifecycleEvent
from slate.models import MaterialStatus, PortalStatus, SourceType
from slate.store import SourceRequestRow

__all__ = ["PORTAL_FIELDS", "slot_name", "sync_request"]

#: Fields the portal owns: copied from it on every sync.
PORTAL_FIELDS = (
    "movie_id",
    "title",
    "show_name",
    "season",
    "episode_number",
    "episode_title",
    "package_id",
    "due_date",
    "content_partner",
    "fulfillment_partner",
    "runtime_seconds",
    "audio_channels",
    "portal_status",
)


def slot_name(source_type: SourceType) -> str:
    """The name of the deliverable asset a request of this type expects (one per request)."""
    return source_type.value.lower()


def _create(session: Session, portal: PortalSourceRequest, actor: str) -> list[LifecycleEvent]:
    events = lifecycle.create_request(
        session, portal.to_domain(), actor=actor, reason="assignment from the portal"
    )
    lifecycle.ensure_asset(
        session, portal.request_id, slot_name(portal.source_type), portal.source_type.category, DELIVERABLE
    )
    return events


def _copy_portal_fields(
    session: Session, row: SourceRequestRow, portal: PortalSourceRequest, actor: str
) -> list[LifecycleEvent]:
    record = portal.to_domain()
    events: list[LifecycleEvent] = []
    for name in PORTAL_FIELDS:
        new = getattr(record, name)
        new = new.value if isinstance(new, PortalStatus) else new
        if getattr(row, name) != new:
            if name == "portal_status":
                events.append(lifecycle.record_portal_status(session, row.request_id, str(new), actor=actor))
            else:
                setattr(row, name, new)
    return events


def _follow_cancellation(session: Session, row: SourceRequestRow, actor: str) -> list[LifecycleEvent]:
    canceled_there = row.portal_status == PortalStatus.CANCELED
    canceled_here = row.material_status == MaterialStatus.CANCELED
    reason = "the portal canceled the request" if canceled_there else "the portal uncanceled the request"
    if canceled_there and not canceled_here:
        return lifecycle.apply(session, row.request_id, "cancel", actor=actor, reason=reason)
    if canceled_here and not canceled_there:
        return lifecycle.uncancel(session, row.request_id, actor=actor, reason=reason)
    return []


def sync_request(
    session: Session, portal: PortalSourceRequest, *, actor: str = "portal"
) -> list[LifecycleEvent]:
    """Create or update the request from the portal's record; return the lifecycle events."""
    row = session.get(SourceRequestRow, portal.request_id)
    events: list[LifecycleEvent] = []
    if row is None:
        events += _create(session, portal, actor)
        row = session.get(SourceRequestRow, portal.request_id)
        assert row is not None
    else:
        events += _copy_portal_fields(session, row, portal, actor)
    events += _follow_cancellation(session, row, actor)
    session.flush()
    return events
