"""Reconciliation: repair whatever a webhook missed, from the portal's change feed.

It reads the requests and redelivery requests changed since the stored watermark, applies each
through the same functions the webhook-driven flows use (:mod:`slate.intake`,
:mod:`slate.redelivery`), and moves the watermark forward only after the changes are stored.
Each item is applied in its own transaction, so one request in a state that refuses a change
(recorded as ``skipped`` with the reason) never blocks the rest. An item that failed for a
passing reason (a concurrent edit, the portal or the store briefly unavailable) is recorded as
``retry``, and the watermark stops short of it so the next run applies it again. Any other
failure (a record the model or a column refuses, a bug) is ``failed``: stored with its reason and
the record in :mod:`slate.store.reconcile_failures`, applied again by every later run until it
goes through, and never holding the watermark back, so one bad record cannot stop the changes
after it. Running it twice changes nothing the second time: every step is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from slate.backlot import PortalClient, PortalSourceRequest, RedeliveryRequest
from slate.errors import ConflictError, FrozenRecord, PortalUnavailable, StorageError, TransitionError
from slate.intake import sync_request
from slate.lifecycle import LifecycleEvent
from slate.models import RejectionOrigin
from slate.redelivery import record_rejection
from slate.store import Database, WatermarkRow
from slate.store.reconcile_failures import clear_failures, list_failures, record_failure

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
    "stored_failures",
    "watermark_after",
    "write_watermark",
]

REQUEST_WATERMARK = "portal.requests"
REDELIVERY_WATERMARK = "portal.redeliveries"

#: Failures that may pass by themselves: the item is tried again by the next run.
_TRANSIENT = (ConflictError, PortalUnavailable, StorageError)
#: Refusals of the lifecycle: the change is not for this request in its state, deliberately.
_REFUSED = (TransitionError, FrozenRecord)

REQUEST = "request"
REDELIVERY = "redelivery"


def _reason(exc: Exception) -> str:
    """What went wrong, in one line an operator can act on (no input values: they may be huge)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors(include_url=False)
        )
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:500]}"


def _failed(request_id: str, exc: Exception) -> Change:
    if isinstance(exc, _TRANSIENT):
        return Change(request_id=request_id, kind=ChangeKind.RETRY, detail=str(exc))
    if isinstance(exc, _REFUSED):
        return Change(request_id=request_id, kind=ChangeKind.SKIPPED, detail=str(exc))
    return Change(request_id=request_id, kind=ChangeKind.FAILED, detail=_reason(exc))


def _remember(database: Database, kind: str, item_id: str, change: Change, record: BaseModel) -> None:
    """Store a ``failed`` item for the next runs (its own transaction: the item's was rolled back)."""
    if change.kind is not ChangeKind.FAILED:
        return
    payload: dict[str, Any] = record.model_dump(mode="json", by_alias=True)
    with database.session() as session:
        record_failure(session, kind, item_id, change.detail, payload)


def _forget(database: Database, kind: str, applied: list[str], failing: set[str]) -> None:
    """Remove the stored failures of items that have now been applied."""
    done = [item for item in applied if item in failing]
    if done:
        with database.session() as session:
            clear_failures(session, kind, done)


def stored_failures(database: Database) -> tuple[list[PortalSourceRequest], list[RedeliveryRequest]]:
    """The records earlier runs could not apply, to be applied again."""
    with database.session() as session:
        failures = list_failures(session)
    requests = [PortalSourceRequest.model_validate(f.payload) for f in failures if f.kind == REQUEST]
    redeliveries = [RedeliveryRequest.model_validate(f.payload) for f in failures if f.kind == REDELIVERY]
    return requests, redeliveries


def _failing(database: Database, kind: str) -> set[str]:
    with database.session() as session:
        return {f.item_id for f in list_failures(session, kind)}


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
    SKIPPED = "skipped"  # refused by the lifecycle in the request's state, deliberately
    FAILED = "failed"  # the record could not be applied: stored, shown, tried again each run
    RECEIPT = "receipt"  # the portal's later verdict on a delivery recorded


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
    """Sync each portal request, each in its own transaction; return what changed or failed."""
    changes: list[Change] = []
    failing, applied = _failing(database, REQUEST), []
    for portal in requests:
        try:
            with database.session() as session:
                events = sync_request(session, portal, actor=actor)
        except Exception as exc:
            change = _failed(portal.request_id, exc)
            _remember(database, REQUEST, portal.request_id, change, portal)
            changes.append(change)
            continue
        applied.append(portal.request_id)
        if events:
            detail = ", ".join(f"{e.event.split('.')[-2]} {e.from_state or '∅'}→{e.to_state}" for e in events)
            changes.append(
                Change(request_id=portal.request_id, kind=ChangeKind.REQUEST, detail=detail, events=events)
            )
    _forget(database, REQUEST, applied, failing)
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
    failing, applied = _failing(database, REDELIVERY), []
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
        except Exception as exc:
            change = _failed(item.request_id, exc)
            _remember(database, REDELIVERY, item.redelivery_id, change, item)
            changes.append(change)
            continue
        applied.append(item.redelivery_id)
        if events:
            changes.append(
                Change(
                    request_id=item.request_id,
                    kind=ChangeKind.REDELIVERY,
                    detail=item.reason_code,
                    events=events,
                )
            )
    _forget(database, REDELIVERY, applied, failing)
    return changes


def fetch_changed_requests(portal: PortalClient, since: datetime | None) -> list[PortalSourceRequest]:
    """Every request changed after ``since``, oldest change first."""
    return list(portal.iter_source_requests(changed_since=since))


def fetch_changed_redeliveries(portal: PortalClient, since: datetime | None) -> list[RedeliveryRequest]:
    """Every redelivery request created after ``since``."""
    return list(portal.iter_redelivery_requests(changed_since=since))
