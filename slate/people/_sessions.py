"""Signing in: rate-limited password checks and server-side sessions that can be revoked.

The browser's cookie holds a random token; the database keeps only its SHA-256, the user, a CSRF
token and an expiry. Every request looks the session up, so a revoked session or a disabled user
is refused at once by every workspace process. Failed logins are rows too: every process counts
the same failures.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from slate.errors import LoginRefused, TooManyAttempts
from slate.people._rows import LoginAttemptRow, UserRow, WebSessionRow
from slate.people._users import User, dummy_hash, find_user, get_user, verify_password

__all__ = ["LoginPolicy", "SignedIn", "log_in", "resolve_session", "revoke_session"]


class LoginPolicy(BaseModel):
    """How many failures are tolerated, over which window, and how long a session lasts."""

    model_config = ConfigDict(frozen=True)

    max_failures_per_name: int = 5
    max_failures_per_client: int = 20
    window: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(hours=12)


class SignedIn(BaseModel):
    """A live session: who, the token for the cookie (only on log-in) and the form token."""

    model_config = ConfigDict(frozen=True)

    user: User
    token: str = ""
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _failures(session: Session, column: InstrumentedAttribute[str], value: str, since: datetime) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(LoginAttemptRow)
        .where(column == value, LoginAttemptRow.succeeded.is_(False), LoginAttemptRow.at >= since)
    )
    return int(count or 0)


def log_in(
    session: Session, name: str, password: str, *, client: str, policy: LoginPolicy | None = None
) -> SignedIn:
    """Check a password and open a session; refused when too many recent failures, for name or client.

    A wrong name, a wrong password and a disabled user are refused alike (:class:`LoginRefused`),
    in about the same time, so the answer tells nothing about which names exist. The attempt is
    written in the caller's transaction, which must be committed even when this raises: a
    failure that is rolled back would not count toward the limit.
    """
    policy = policy or LoginPolicy()
    now = datetime.now(UTC)
    since = now - policy.window
    name = name.strip()[:128]
    client = client[:64]
    if (
        _failures(session, LoginAttemptRow.name, name, since) >= policy.max_failures_per_name
        or _failures(session, LoginAttemptRow.client, client, since) >= policy.max_failures_per_client
    ):
        raise TooManyAttempts("too many failed logins; wait a few minutes and try again")
    found = find_user(session, name)
    ok = verify_password(found[1] if found else dummy_hash(), password)
    user = found[0] if found else None
    succeeded = bool(ok and user is not None and not user.disabled)
    session.add(LoginAttemptRow(name=name, client=client, succeeded=succeeded, at=now))
    session.flush()
    if not succeeded or user is None:
        raise LoginRefused("wrong name or password")
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSessionRow(
            token_hash=_digest(token),
            user_id=user.user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + policy.session_lifetime,
            revoked_at=None,
        )
    )
    session.flush()
    return SignedIn(user=user, token=token, csrf_token=csrf)


def resolve_session(session: Session, token: str) -> SignedIn | None:
    """The live session of ``token``; None if unknown, expired, revoked or its user is disabled."""
    if not token or len(token) > 128:
        return None
    row = session.execute(
        select(WebSessionRow, UserRow.disabled)
        .join(UserRow, UserRow.user_id == WebSessionRow.user_id)
        .where(WebSessionRow.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    web_session, disabled = row
    expires = web_session.expires_at
    if expires.tzinfo is None:  # SQLite hands back naive datetimes
        expires = expires.replace(tzinfo=UTC)
    if disabled or web_session.revoked_at is not None or expires <= datetime.now(UTC):
        return None
    return SignedIn(user=get_user(session, web_session.user_id), csrf_token=web_session.csrf_token)


def revoke_session(session: Session, token: str) -> None:
    """End the session of ``token`` (log out); unknown tokens are ignored."""
    row = session.get(WebSessionRow, _digest(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.flush()
