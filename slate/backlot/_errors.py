"""The ONE place where HTTP answers and transport failures become Slate's portal errors.

:class:`PortalUnavailable` when trying again later may work (429, 5xx, timeouts, refused or dropped
connections) and :class:`PortalRejected` when it will not (any other 4xx), carrying the portal's
own message, the HTTP status and the portal's reason code. Every HTTP call of the client, the
token request included, runs inside :func:`translate_errors`.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from slate.errors import PortalRejected, PortalUnavailable

__all__ = ["RETRYABLE_STATUSES", "error_from_response", "retry_after_seconds", "translate_errors"]

#: Statuses worth retrying: rate limiting and the server's own failures.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` of a response in seconds (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _portal_message(response: httpx.Response) -> tuple[str, str | None]:
    """The portal's own message and reason code from an error answer (JSON or plain text)."""
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()[:500]
        return text or response.reason_phrase, None
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail") or body.get("error_description")
        code = body.get("reasonCode") or body.get("error")
        if not isinstance(message, str):
            message = str(message) if message is not None else response.reason_phrase
        return message, code if isinstance(code, str) else None
    return str(body)[:500], None


def error_from_response(response: httpx.Response, operation: str) -> PortalUnavailable | PortalRejected:
    """The Slate error for an error answer of the portal."""
    message, reason_code = _portal_message(response)
    status = response.status_code
    text = f"portal {operation}: HTTP {status}: {message}"
    if status in RETRYABLE_STATUSES or status >= 500:
        return PortalUnavailable(
            text,
            operation=operation,
            status=status,
            portal_message=message,
            reason_code=reason_code,
            retry_after=retry_after_seconds(response),
        )
    return PortalRejected(
        text, operation=operation, status=status, portal_message=message, reason_code=reason_code
    )


@contextmanager
def translate_errors(operation: str) -> Iterator[None]:
    """Turn httpx's transport errors and raised error statuses into Slate's portal errors."""
    try:
        yield
    except httpx.HTTPStatusError as exc:
        raise error_from_response(exc.response, operation) from exc
    except httpx.TimeoutException as exc:
        raise PortalUnavailable(
            f"portal {operation}: timed out ({type(exc).__name__})", operation=operation, status=None
        ) from exc
    except httpx.TransportError as exc:
        raise PortalUnavailable(
            f"portal {operation}: connection failed ({type(exc).__name__}: {exc})",
            operation=operation,
            status=None,
        ) from exc
