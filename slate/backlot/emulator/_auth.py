"""The emulator's OAuth2 token endpoint and the bearer-token check of every API call.

Like the portal, ``POST /as/token.oauth2`` takes a form body; the client authenticates with HTTP
Basic (RFC 6749 §2.3.1) or with ``client_id``/``client_secret`` form fields. Tokens live in memory
with a configurable, possibly very short lifetime so that tests can watch the client refresh.
"""

from __future__ import annotations

import base64
import hmac
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from slate.backlot.emulator._config import Account
from slate.backlot.emulator._state import ApiError, Emulator, Principal, get_emulator

__all__ = ["current_principal", "router"]

router = APIRouter(tags=["auth"])
#: Declares the bearer scheme in the OpenAPI document (the check itself is ours, for the 401 body).
bearer = HTTPBearer(auto_error=False, description="An access token from POST /as/token.oauth2")


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def _find_account(emulator: Emulator, client_id: str, secret: str) -> Account | None:
    for account in emulator.config.accounts:
        if account.client_id == client_id and hmac.compare_digest(
            account.client_secret.get_secret_value().encode(), secret.encode()
        ):
            return account
    return None


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


@router.post(
    "/as/token.oauth2",
    summary="Get an access token (OAuth2 client credentials)",
    responses={400: {"description": "unsupported grant"}, 401: {"description": "unknown client"}},
)
async def token(request: Request, emulator: Annotated[Emulator, Depends(get_emulator)]) -> JSONResponse:
    """Form body: ``grant_type=client_credentials`` (``password`` is accepted too), optional ``scope``."""
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
    if form.get("grant_type") not in {"client_credentials", "password"}:
        return _oauth_error(400, "unsupported_grant_type", "use grant_type=client_credentials")
    credentials = _basic_credentials(request.headers.get("authorization"))
    if credentials is None:
        credentials = (form.get("client_id", ""), form.get("client_secret", ""))
    account = _find_account(emulator, *credentials)
    if account is None:
        return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
    access_token = emulator.issue_token(account)
    return JSONResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": emulator.token_ttl,
            "scope": form.get("scope", "sourcedelivery"),
        },
        headers={"Cache-Control": "no-store"},
    )


def current_principal(
    emulator: Annotated[Emulator, Depends(get_emulator)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """FastAPI dependency: the caller's account, or 401 when the bearer token is missing or stale."""
    principal = emulator.principal(credentials.credentials) if credentials is not None else None
    if principal is None:
        raise ApiError(401, "missing, unknown or expired access token", "UNAUTHORIZED")
    return principal


Caller = Annotated[Principal, Depends(current_principal)]
