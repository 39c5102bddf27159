"""OAuth2 client-credentials tokens for the portal, refreshed before they expire.

The token is kept in memory only and never logged: log lines name its lifetime, not its value.
A token is refreshed when less than a margin of its life is left (the margin is capped at half
the lifetime so a short-lived token is not refreshed on every call), and on demand after the
portal answered 401 (:meth:`ClientCredentials.invalidate`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
from pydantic import BaseModel, Field, SecretStr, ValidationError

from slate.backlot._errors import translate_errors
from slate.errors import PortalRejected
from slate.logging import get_logger

__all__ = ["ClientCredentials", "TokenResponse"]

log = get_logger(__name__)


class TokenResponse(BaseModel):
    """The token endpoint's answer (RFC 6749 §5.1)."""

    access_token: SecretStr
    token_type: str = "Bearer"
    expires_in: int = Field(gt=0)


class ClientCredentials:
    """Fetches and caches an access token with the client-credentials grant."""

    def __init__(
        self,
        http: httpx.Client,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        scope: str = "",
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: SecretStr | None = None
        self._refresh_at = 0.0
        self.fetches = 0  # how many tokens this object has obtained (observable in tests)

    def token(self) -> str:
        """A valid access token, fetching a new one if the cached one is (nearly) expired."""
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._fetch()
            assert self._token is not None
            return self._token.get_secret_value()

    def invalidate(self) -> None:
        """Forget the cached token (the portal refused it); the next call fetches a new one."""
        with self._lock:
            self._token = None

    def _fetch(self) -> None:
        data = {"grant_type": "client_credentials"}
        if self._scope:
            data["scope"] = self._scope
        auth = (self._client_id, self._client_secret.get_secret_value())
        with translate_errors("token"):
            response = self._http.post(self._token_url, data=data, auth=auth)
            response.raise_for_status()
        try:
            answer = TokenResponse.model_validate_json(response.content)
        except ValidationError as exc:
            raise PortalRejected(
                "portal token: the answer is not an OAuth2 token response",
                operation="token",
                status=response.status_code,
                portal_message=str(exc.errors(include_input=False))[:500],
                reason_code=None,
            ) from exc
        margin = min(self._refresh_margin, answer.expires_in / 2)
        self._token = answer.access_token
        self._refresh_at = self._clock() + answer.expires_in - margin
        self.fetches += 1
        log.info("portal token obtained", expires_in=answer.expires_in, client_id=self._client_id)
