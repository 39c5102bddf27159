"""Database rows of people, sessions and shares (created by migration ``0007_people``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slate.store import Base

__all__ = [
    "GroupRow",
    "LoginAttemptRow",
    "MembershipRow",
    "ShareDownloadRow",
    "ShareRow",
    "UserRow",
    "WebSessionRow",
]

_TZ = DateTime(timezone=True)


class UserRow(Base):
    __tablename__ = "users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    #: An argon2id hash (``$argon2id$…``); the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(_TZ)


class GroupRow(Base):
    __tablename__ = "user_groups"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    admin_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))


class MembershipRow(Base):
    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("user_groups.group_id"), primary_key=True)


class WebSessionRow(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(_TZ)
    expires_at: Mapped[datetime] = mapped_column(_TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(_TZ)


class LoginAttemptRow(Base):
    __tablename__ = "login_attempts"

    attempt_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    client: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(_TZ)


class ShareRow(Base):
    """Rights on a version, an asset, a request or a package, for a user or a group."""

    __tablename__ = "shares"

    share_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    grantee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    grantee_group_id: Mapped[int | None] = mapped_column(ForeignKey("user_groups.group_id"))
    can_view: Mapped[bool] = mapped_column(Boolean)
    can_download: Mapped[bool] = mapped_column(Boolean)
    can_upload: Mapped[bool] = mapped_column(Boolean)
    can_edit: Mapped[bool] = mapped_column(Boolean)
    expires_at: Mapped[datetime | None] = mapped_column(_TZ)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(_TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(_TZ)
    revoked_by: Mapped[str | None] = mapped_column(String(128))


class ShareDownloadRow(Base):
    """One download made through a share (who, which version, when)."""

    __tablename__ = "share_downloads"

    download_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.share_id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("asset_versions.version_id"))
    at: Mapped[datetime] = mapped_column(_TZ)
