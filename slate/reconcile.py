"""Reconciliation: repair whatever a webhook missed, from the portal's change feed.

It reads the requests and redelivery requests changed since the stored watermark, applies each
through the same functions the webhook-driven flows use (:mod:`slate.intake`,
:mod:`slate.redelivery`), and moves the watermark forward only after the changes are stored.
Each item is applied in its own transaction, so one request in a state that refuses a change
(recorded as ``skipped`` with the reason) never blocks the rest. An item that failed for a
passing reason (a concurrent edit, the portal or the store briefly unavailable) is recorded as
``retry``, and the watermark stops short of it so the next run applies it again. Running it
twice changes nothing the second time: every step is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy.orm import Session

from slate.backlot import PortalClient, PortalSourceRequest, RedeliveryRequest
from slate.errors import ConflictError, PortalUnavailable, SlateError, StorageError
from slate.intake import sync_request
from slate.lifecycle import LifecycleEvent
from slate.models import RejectionOrigin
from slate.redelivery import record_rejection
from slate.store import Database, WatermarkRow

__all__ = [
    "REDELIVERY_WATERMARK",
    "REQUEST_WATERMARK",
    "Change",
    "ChangeKind",
    "apply_redeliveries",
    "apply_requests",
    "fetch_changed_redeliveries",
    "fetch_changed_requests",
    "read_watermark",
    "watermark_after",
    "write_watermark",
]

REQUEST_WATERMARK = "portal.requests"
REDELIVERY_WATERMARK = "portal.redeliveries"

#: Failures that may pass by themselves: the item is tried again by the next run.
_TRANSIENT = (ConflictError, PortalUnavailable, StorageError)


def _failed(request_id: str, exc: SlateError) -> Change:
    kind = ChangeKind.RETRY if isinstance(exc, _TRANSIENT) else ChangeKind.SKIPPED
    return Change(request_id=request_id, kind=kind, detail=str(exc))


def watermark_after(applied: Iterable[tuple[str, datetime]], retry: set[str]) -> datetime | None:
    """The newest change time the watermark may move to: short of the oldest item to retry.

    ``applied`` pairs each item's request id with its change time. Items at or after the oldest
    one to retry are read again by the next run (applying them twice is harmless); None means
    the watermark stays where it is.
    """
    items = list(applied)
    oldest_retry = min((at for rid, at in items if rid in retry), default=None)
    done = [at for _, at in items if oldest_retry is None or at < oldest_retry]
    return max(done, default=None)


class ChangeKind(StrEnum):
    """What a reconcile :class:`Change` is about, or why it did not happen."""

    REQUEST = "request"  # an assignment created or updated from the portal's record
    REDELIVERY = "redelivery"  # a rejection recorded
    PROXY = "proxy"  # a proxy attached as a material
    WEBHOOKS = "webhooks"  # stored webhook events started
    RETRY = "retry"  # failed in a way that may pass: tried again by the next run
    SKIPPED = "skipped"  # failed for good: an operator must look


class Change(BaseModel):
    """One thing reconciliation changed (or had to skip), for the run's table artifact."""

    request_id: str
    kind: ChangeKind
    detail: str
    events: list[LifecycleEvent] = []


def read_watermark(database: Database, name: str) -> datetime | None:
    """The stored watermark ``name``, or None before the first run."""
    with database.session() as session:
        row = session.get(WatermarkRow, name)
        return datetime.fromisoformat(row.value) if row else None


def write_watermark(database: Database, name: str, value: datetime) -> None:
    """Move watermark ``name`` forward to ``value`` (never backwards)."""
    with database.session() as session:
        row = session.get(WatermarkRow, name)
        if row is None:
            session.add(WatermarkRow(name=name, value=value.isoformat(), updated_at=datetime.now(UTC)))
        elif datetime.fromisoformat(row.value) < value:
            row.value = value.isoformat()
            row.updated_at = datetime.now(UTC)


def apply_requests(database: Database, requests: Iterable[PortalSourceRequest], actor: str) -> list[Change]:
    """Sync each portal request; return what changed."""
    changes: list[Change] = []
    for portal in requests:
        try:
            with database.session() as session:
                events = sync_request(session, portal, actor=actor)
        except SlateError as exc:
            changes.append(_failed(portal.request_id, exc))
            continue
        if events:
            detail = ", ".join(f"{e.event.split('.')[-2]} {e.from_state or '∅'}→{e.to_state}" for e in events)
            changes.append(
                Change(
                    request_id=portal.request_id,
                    kind=ChangeKind.REQUEST,
                    detail=detail,
                    events=events,
                )
            )
    return changes


def apply_redeliveries(
    database: Database,
    redeliveries: Iterable[RedeliveryRequest],
    actor: str,
    *,
    on_recorded: Callable[[Session, RedeliveryRequest], None] | None = None,
) -> list[Change]:
    """Record each redelivery request once; return what changed.

    ``on_recorded`` runs in the transaction that records a new one, so what it writes (the
    event that starts its correction) is stored together with the rejection or not at all.
    """
    changes: list[Change] = []
    for item in redeliveries:
        try:
            with database.session() as session:
                _, events = record_rejection(
                    session,
                    item.request_id,
                    origin=RejectionOrigin.PORTAL,
                    reason_code=item.reason_code,
                    description=item.reason,
                    timecodes=item.timecodes,
                    actor=actor,
                    portal_ref=item.redelivery_id,
                )
                if events and on_recorded is not None:
                    on_recorded(session, item)
        except SlateError as exc:
            changes.append(_failed(item.request_id, exc))
            continue
        if events:
            changes.append(
                Change(
                    request_id=item.request_id,
                    kind=ChangeKind.REDELIVERY,
                    detail=item.reason_code,
                    events=events,
                )
            )
    return changes


def fetch_changed_requests(portal: PortalClient, since: datetime | None) -> list[PortalSourceRequest]:
    """Every request changed after ``since``, oldest change first."""
    return list(portal.iter_source_requests(changed_since=since))


def fetch_changed_redeliveries(portal: PortalClient, since: datetime | None) -> list[RedeliveryRequest]:
    """Every redelivery request created after ``since``."""
    return list(portal.iter_redelivery_requests(changed_since=since))
