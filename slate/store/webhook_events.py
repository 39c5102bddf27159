"""The webhook outbox: every portal event the receiver accepted, and what became of it.

The receiver writes an event here *before* it answers the portal, so an acknowledged event can
never be lost; the dispatcher later turns each pending event into a Prefect flow run and records
the run's id. The event id is unique: a redelivered webhook finds its row already there and is
acknowledged without a second run. Rows pass through :class:`DispatchState`::

    pending ──► dispatched      a flow run exists for it (its id is recorded)
       │  ╲───► ignored         no deployment is routed for its type (not an error); an event
       │                        of a type Slate does not know is stored ignored at once
       └──────► failed          gave up after repeated non-transient errors (see ``last_error``);
                                ``slate webhooks --requeue`` puts it back to pending

An unreachable Prefect API is transient: the event stays ``pending`` with the error (an outage
is not counted as an attempt), and is dispatched when the API returns. Functions take an open
:class:`~sqlalchemy.orm.Session` (from :meth:`slate.store.Database.session`) and return pydantic
records, never live rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Index, Integer, String, Text, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from slate.backlot.webhooks import WebhookEvent
from slate.models import DispatchState
from slate.store._schema import Base

__all__ = [
    "DispatchOutcome",
    "DispatchState",
    "OutboxEntry",
    "WebhookEventRow",
    "count_by_state",
    "due_events",
    "get_event",
    "list_events",
    "record_event",
    "record_events",
    "record_outcomes",
    "requeue",
    "requeue_failed",
]


class WebhookEventRow(Base):
    """One accepted webhook (the outbox)."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_state_seq", "state", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))
    deployment: Mapped[str | None] = mapped_column(String(256))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxEntry(BaseModel):
    """A stored event as callers see it."""

    model_config = ConfigDict(frozen=True)

    seq: int
    event_id: str
    event_type: str
    request_id: str | None
    occurred_at: datetime
    received_at: datetime
    state: DispatchState
    deployment: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    flow_run_id: str | None
    dispatched_at: datetime | None
    body: dict[str, Any]

    def event(self) -> WebhookEvent:
        """The event as the portal sent it."""
        return WebhookEvent.model_validate(self.body)


class DispatchOutcome(BaseModel):
    """What one dispatch attempt did to one event (written back in batches)."""

    model_config = ConfigDict(frozen=True)

    seq: int
    state: DispatchState
    attempts: int
    deployment: str | None = None
    flow_run_id: str | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    dispatched_at: datetime | None = None


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time Slate stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _entry(row: WebhookEventRow) -> OutboxEntry:
    data = {c.key: getattr(row, c.key) for c in WebhookEventRow.__table__.columns}
    for key in ("occurred_at", "received_at", "next_attempt_at", "dispatched_at"):
        data[key] = _utc(data[key])
    return OutboxEntry.model_validate(data)


def record_event(session: Session, event: WebhookEvent, *, received_at: datetime | None = None) -> bool:
    """Store ``event`` as pending; False when its id is already stored (a redelivery)."""
    return record_events(session, [event], received_at=received_at)[0]


def record_events(
    session: Session, events: Sequence[WebhookEvent], *, received_at: datetime | None = None
) -> list[bool]:
    """Store ``events`` as pending, in one statement; for each, whether it was new.

    An event of a type Slate does not know is stored already ``ignored``: kept for the record,
    never dispatched.

    ``INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING event_id``: the unique event id decides,
    so deliveries of one event racing each other (even within ``events``) store exactly one row,
    and only the first occurrence counts as new.
    """
    if not events:
        return []
    at = received_at or datetime.now(UTC)
    rows = [
        {
            "event_id": event.id,
            "event_type": str(event.type),
            "request_id": event.request_id,
            "occurred_at": event.occurred_at,
            "received_at": at,
            "body": event.model_dump(mode="json"),
            "state": (DispatchState.PENDING if event.known_type else DispatchState.IGNORED).value,
            "attempts": 0,
        }
        for event in events
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(WebhookEventRow)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(WebhookEventRow.event_id)
    )
    inserted = set(session.scalars(statement, rows))
    seen: set[str] = set()
    new = []
    for event in events:
        new.append(event.id in inserted and event.id not in seen)
        seen.add(event.id)
    return new


def get_event(session: Session, event_id: str) -> OutboxEntry | None:
    """The stored event ``event_id``, if any."""
    row = session.scalars(select(WebhookEventRow).where(WebhookEventRow.event_id == event_id)).first()
    return None if row is None else _entry(row)


def due_events(session: Session, *, limit: int, now: datetime | None = None) -> list[OutboxEntry]:
    """Pending events whose next attempt is due, oldest first."""
    moment = now or datetime.now(UTC)
    query = (
        select(WebhookEventRow)
        .where(WebhookEventRow.state == DispatchState.PENDING.value)
        .where(or_(WebhookEventRow.next_attempt_at.is_(None), WebhookEventRow.next_attempt_at <= moment))
        .order_by(WebhookEventRow.seq)
        .limit(limit)
    )
    return [_entry(row) for row in session.scalars(query)]


def record_outcomes(session: Session, outcomes: Sequence[DispatchOutcome]) -> None:
    """Write a batch of dispatch results in one statement (bulk UPDATE by primary key)."""
    if outcomes:
        rows = [outcome.model_dump() for outcome in outcomes]
        for row in rows:
            row["state"] = str(row["state"])
        session.execute(update(WebhookEventRow), rows)


def list_events(
    session: Session, *, state: DispatchState | None = None, limit: int | None = 100
) -> list[OutboxEntry]:
    """Stored events, newest first, optionally only those in ``state``."""
    query = select(WebhookEventRow).order_by(WebhookEventRow.seq.desc()).limit(limit)
    if state is not None:
        query = query.where(WebhookEventRow.state == state.value)
    return [_entry(row) for row in session.scalars(query)]


def count_by_state(session: Session) -> dict[DispatchState, int]:
    """How many events are in each state (every state present, zeros included)."""
    counts = dict.fromkeys(DispatchState, 0)
    query = select(WebhookEventRow.state, func.count()).group_by(WebhookEventRow.state)
    for state, count in session.execute(query):
        counts[DispatchState(state)] = int(count)
    return counts


def requeue_failed(session: Session, event_ids: Sequence[str] | None = None) -> int:
    """Put failed events (all, or those named) back to pending with a fresh attempt count."""
    return len(requeue(session, event_ids))


def requeue(session: Session, event_ids: Sequence[str] | None = None) -> list[str]:
    """Like :func:`requeue_failed`, returning the ids put back (oldest first) for the operator.

    Only ``failed`` events move: a named event in another state is left as it is, so requeueing
    can never start a second run for a dispatched event.
    """
    statement = (
        update(WebhookEventRow)
        .where(WebhookEventRow.state == DispatchState.FAILED.value)
        .values(state=DispatchState.PENDING.value, attempts=0, next_attempt_at=None)
        .returning(WebhookEventRow.seq, WebhookEventRow.event_id)
    )
    if event_ids is not None:
        statement = statement.where(WebhookEventRow.event_id.in_(list(event_ids)))
    return [event_id for _, event_id in sorted(session.execute(statement).tuples())]
