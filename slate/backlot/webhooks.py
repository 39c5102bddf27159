"""The portal's webhook contract: event types, the event body, and its HMAC-SHA256 signature.

Shared by the emulator (which signs) and the receiver (which verifies), so the two can never
disagree. Headers:

* ``X-Slate-Webhook-Id`` — the event's unique id (also in the body).
* ``X-Slate-Webhook-Timestamp`` — Unix seconds when the portal signed it.
* ``X-Slate-Webhook-Signature`` — ``v1=<hex>``, the HMAC-SHA256 of ``f"{timestamp}.".encode() + body``
  with the shared secret. Several ``v1=`` values separated by spaces are accepted (key rotation).

A receiver refuses a timestamp outside the tolerance window, so a captured request cannot be
replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from slate.models import ID_MAX_LENGTH, ID_PATTERN

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "HEADER_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "EventType",
    "WebhookEvent",
    "sign",
    "signature_headers",
    "verify",
]

HEADER_ID = "X-Slate-Webhook-Id"
HEADER_TIMESTAMP = "X-Slate-Webhook-Timestamp"
HEADER_SIGNATURE = "X-Slate-Webhook-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class EventType(StrEnum):
    """What the portal tells us about."""

    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_UPDATED = "assignment.updated"
    ASSIGNMENT_CANCELED = "assignment.canceled"
    REDELIVERY_REQUESTED = "redelivery.requested"
    PROXY_AVAILABLE = "proxy.available"
    DELIVERY_PROCESSED = "delivery.processed"
    DELIVERY_ACCEPTED = "delivery.accepted"
    DELIVERY_FAILED = "delivery.failed"


class WebhookEvent(BaseModel):
    """The JSON body of one webhook.

    Strict only about what the receiver needs (an id, a type, when it happened) and lenient
    where the portal may grow without telling us: fields we do not know are accepted and kept
    (they are part of the stored body), and a type we do not know stays a plain string, so the
    event is stored and ignored (:attr:`known_type` is False) rather than refused and lost.
    The request id must be an id (:data:`slate.models.ID_PATTERN`, at most the column's width):
    it becomes a path segment of portal calls, so ``../../etc/passwd`` is refused at the door.
    """

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=128)
    type: EventType | Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        union_mode="left_to_right"
    )
    occurred_at: datetime
    request_id: str | None = Field(default=None, min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def known_type(self) -> bool:
        """Whether Slate knows this event type (others are stored and ignored)."""
        return isinstance(self.type, EventType)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1=`` signature of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def signature_headers(
    secret: str, event_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The three headers a sender puts on a webhook request."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        HEADER_ID: event_id,
        HEADER_TIMESTAMP: str(ts),
        HEADER_SIGNATURE: sign(secret, ts, body),
        "Content-Type": "application/json",
    }


def verify(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> str | None:
    """Check a webhook's signature and freshness.

    Returns None when the request is authentic and fresh, otherwise the reason it is not (for the
    401 answer and the log; never the expected signature).
    """
    if not timestamp_header or not signature_header:
        return "missing timestamp or signature header"
    try:
        ts = int(timestamp_header)
    except ValueError:
        return "timestamp header is not an integer"
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        return f"timestamp outside the {tolerance}s tolerance window"
    expected = sign(secret, ts, body)
    candidates = [part for part in signature_header.split() if part.startswith("v1=")]
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        return "signature does not match"
    return None
