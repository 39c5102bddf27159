"""HTTP plumbing of the portal client: authentication, retries with backoff and jitter.

:class:`PortalTransport` wraps every call in :func:`~slate.backlot._errors.translate_errors`, adds
the bearer token (refreshing it once on a 401) and retries :class:`PortalUnavailable` with
exponential backoff and jitter, honouring the portal's ``Retry-After``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
from pydantic import BaseModel, Field

from slate.backlot._auth import ClientCredentials
from slate.backlot._errors import translate_errors
from slate.errors import PortalUnavailable
from slate.logging import get_logger

__all__ = ["PortalTransport", "RetryPolicy"]

log = get_logger(__name__)


class RetryPolicy(BaseModel):
    """How many attempts a call gets and how long to wait between them."""

    max_attempts: int = Field(default=5, ge=1)
    backoff_base: float = Field(default=0.5, ge=0)
    backoff_max: float = Field(default=30.0, ge=0)
    #: A Retry-After above this is not waited for; the call fails as unavailable at once.
    retry_after_max: float = Field(default=120.0, ge=0)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay after failed ``attempt`` (1-based): exponential, capped, with equal jitter."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class PortalTransport:
    """Authenticated, retried, translated HTTP calls to the portal."""

    def __init__(
        self,
        http: httpx.Client,
        credentials: ClientCredentials,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._policy = policy
        self._sleep = sleep
        self._rng = rng or random.Random()

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: Callable[[], Iterable[bytes]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one call, with retries; the answer is a success or this raises.

        ``content`` is a factory so that each attempt streams the body afresh from its start.
        """

        def send() -> httpx.Response:
            body = content() if content is not None else None
            return self._http.request(
                method, path, params=params, json=json, content=body, headers=self._headers(headers)
            )

        return self._with_retries(operation, send)

    @contextmanager
    def stream(
        self, method: str, path: str, *, operation: str, headers: Mapping[str, str] | None = None
    ) -> Iterator[httpx.Response]:
        """Open a streamed answer (retried until its headers arrive); the caller reads the body."""

        def send() -> httpx.Response:
            request = self._http.build_request(method, path, headers=self._headers(headers))
            return self._http.send(request, stream=True)

        response = self._with_retries(operation, send)
        try:
            yield response
        finally:
            response.close()

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._credentials.token()}"}
        headers.update(extra or {})
        return headers

    def _with_retries(self, operation: str, send: Callable[[], httpx.Response]) -> httpx.Response:
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                with translate_errors(operation):
                    response = send()
                    if response.status_code == 401 and not refreshed:
                        # The token may have been revoked or expired early: one fresh token, once.
                        response.close()
                        self._credentials.invalidate()
                        refreshed = True
                        attempt -= 1
                        log.info("portal token refused, refreshing", operation=operation)
                        continue
                    if response.is_error:
                        response.read()
                        response.raise_for_status()
                return response
            except PortalUnavailable as exc:
                delay = self._delay(exc, attempt, operation)
                log.warning(
                    "portal call failed, retrying",
                    operation=operation,
                    attempt=attempt,
                    status=exc.data.get("status"),
                    delay=round(delay, 3),
                )
                self._sleep(delay)

    def _delay(self, exc: PortalUnavailable, attempt: int, operation: str) -> float:
        """How long to wait before the next attempt, or re-raise when there is none."""
        if attempt >= self._policy.max_attempts:
            raise PortalUnavailable(
                f"{exc.message} (gave up after {attempt} attempts)", **{**exc.data, "attempts": attempt}
            ) from exc
        retry_after = exc.data.get("retry_after")
        if retry_after is None:
            return self._policy.backoff(attempt, self._rng)
        if retry_after > self._policy.retry_after_max:
            raise PortalUnavailable(
                f"{exc.message} (Retry-After {retry_after:.0f}s is beyond the "
                f"{self._policy.retry_after_max:.0f}s this client waits)",
                **{**exc.data, "attempts": attempt},
            ) from exc
        # Honour the server's wish, plus a little jitter so that clients do not return in step.
        return float(retry_after) + self._rng.uniform(0, min(1.0, self._policy.backoff_base))
