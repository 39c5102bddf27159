"""Signed webhooks from an outbox, sent by a background worker that retries until acknowledged.

:func:`emit` writes the event in the same transaction as the change it announces, so an event is
never lost even if the receiver is down or the emulator restarts. :class:`WebhookWorker` sends due
events with the headers of :mod:`slate.backlot.webhooks` and, on any failure (refused connection,
timeout, non-2xx), schedules the next attempt after an exponential backoff. The "drop" fault marks
an event sent without sending it (a lost webhook); "duplicate" sends it twice.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from slate.backlot.emulator._db import OutboxRow, aware, utcnow
from slate.backlot.emulator._state import Emulator, new_id
from slate.backlot.webhooks import EventType, WebhookEvent, signature_headers
from slate.logging import get_logger

__all__ = ["WebhookWorker", "emit"]

log = get_logger(__name__)


def emit(session: Session, event_type: EventType, request_id: str | None, **data: Any) -> str:
    """Queue a webhook in the caller's transaction; returns its event id."""
    now = utcnow()
    # Built unchecked: the portal sends what it holds (even an id Slate refuses); judging it is the
    # receiver's business, and a refused webhook must not make the portal's own change fail.
    event = WebhookEvent.model_construct(
        id=new_id("EVT"), type=event_type, occurred_at=aware(now), request_id=request_id, data=data
    )
    session.add(
        OutboxRow(
            event_id=event.id,
            type=event_type.value,
            request_id=request_id,
            body=event.model_dump_json(),
            state="PENDING",
            attempts=0,
            next_attempt_at=0.0,
            created_at=now,
        )
    )
    return event.id


class WebhookWorker:
    """A thread that delivers due outbox events to the configured URL."""

    def __init__(self, emulator: Emulator, poll_interval: float = 0.1) -> None:
        self.emulator = emulator
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="portal-webhooks", daemon=True)
        self._http = httpx.Client(timeout=emulator.config.webhook_timeout)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.emulator.webhooks_wakeup.set()
        self._thread.join(timeout=10)
        self._http.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.send_due()
            except Exception:  # the worker must outlive any single failure
                log.exception("portal emulator webhook worker failed a round")
            self.emulator.webhooks_wakeup.wait(self.poll_interval)
            self.emulator.webhooks_wakeup.clear()

    def send_due(self) -> int:
        """Send every due pending event once; returns how many were acknowledged."""
        url = self.emulator.webhook_url
        if not url:
            return 0
        with self.emulator.session() as session:
            due = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.state == "PENDING", OutboxRow.next_attempt_at <= time.time())
                .order_by(OutboxRow.created_at, OutboxRow.event_id)
                .limit(50)
            ).all()
        sent = 0
        for row in due:
            sent += self._deliver(row, url)
        return sent

    def _deliver(self, row: OutboxRow, url: str) -> int:
        faults = self.emulator.faults
        if row.attempts == 0 and faults.take("drop_webhooks"):
            self._record(row.event_id, "DROPPED", error="dropped by an injected fault")
            return 0
        copies = 2 if row.attempts == 0 and faults.take("duplicate_webhooks") else 1
        body = row.body.encode()
        secret = self.emulator.config.webhook_secret.get_secret_value()
        error: str | None = None
        for _ in range(copies):
            try:
                response = self._http.post(
                    url, content=body, headers=signature_headers(secret, row.event_id, body)
                )
                if not response.is_success:
                    error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
        if error is None:
            self._record(row.event_id, "SENT")
            return 1
        self._record(row.event_id, "PENDING", error=error)
        return 0

    def _record(self, event_id: str, state: str, error: str | None = None) -> None:
        config = self.emulator.config
        with self.emulator.session() as session:
            row = session.get(OutboxRow, event_id)
            if row is None:  # the portal was reset meanwhile
                return
            row.attempts += 1
            row.state = state
            row.last_error = error
            if state == "SENT":
                row.sent_at = utcnow()
            else:
                delay = min(
                    config.webhook_backoff_max, config.webhook_backoff_base * 2.0 ** (row.attempts - 1)
                )
                row.next_attempt_at = time.time() + delay
                log.info(
                    "portal emulator webhook not acknowledged", event_id=event_id, error=error, retry_in=delay
                )
