"""Users, roles and groups; passwords hashed with argon2id and never kept or logged in clear.

A role says what a person may do anywhere (:mod:`slate.people._access` holds the table); a group
gathers people (an internal team, freelancers, a vendor) so that one share reaches them all, and
its admin manages its members.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from slate.errors import InvalidInput, NotFound
from slate.people._rows import GroupRow, MembershipRow, UserRow, WebSessionRow

__all__ = [
    "EXTERNAL_ROLES",
    "Group",
    "GroupKind",
    "Role",
    "User",
    "add_user",
    "disable_user",
    "get_user",
    "hash_password",
    "list_users",
    "verify_password",
]


class PasswordSettings(BaseSettings):
    """argon2id cost (env ``SLATE_PASSWORD_*``); the defaults are argon2-cffi's (RFC 9106 low-memory)."""

    model_config = SettingsConfigDict(env_prefix="SLATE_PASSWORD_", extra="ignore")

    time_cost: int = Field(default=3, ge=1)
    memory_cost_kib: int = Field(default=65536, ge=8)
    parallelism: int = Field(default=4, ge=1)


@cache
def _hasher() -> PasswordHasher:
    cost = PasswordSettings()
    return PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_cost_kib, parallelism=cost.parallelism
    )


@cache
def dummy_hash() -> str:
    """Verified against when the name is unknown, so that a wrong name takes as long as a wrong password."""
    return _hasher().hash("slate-no-such-user-password")


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")
MIN_PASSWORD = 10


class Role(StrEnum):
    """What a person is to the vendor; each role's rights are in :data:`slate.people.ROLE_ACTIONS`."""

    ADMIN = "admin"
    PROJECT_MANAGER = "project_manager"
    OPERATOR = "operator"
    FREELANCER = "freelancer"
    VENDOR = "vendor"  # a third party or subcontractor
    VIEWER = "viewer"


#: Roles that see only what is shared with them, on every list and page.
EXTERNAL_ROLES = frozenset({Role.FREELANCER, Role.VENDOR})


class GroupKind(StrEnum):
    INTERNAL = "internal"
    FREELANCE = "freelance"
    VENDOR = "vendor"


class User(BaseModel):
    """A person as the workspace knows them (never with their password hash)."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    name: str
    role: Role
    disabled: bool
    group_ids: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def external(self) -> bool:
        """Whether this person sees only what is shared with them."""
        return self.role in EXTERNAL_ROLES

    @property
    def actor(self) -> str:
        """The name the audit trail records for what this person does."""
        return self.name


class Group(BaseModel):
    model_config = ConfigDict(frozen=True)

    group_id: int
    name: str
    kind: GroupKind
    admin: str | None


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; parameters inside the hash)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters", rule="password length")
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a malformed hash never matches."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _user(session: Session, row: UserRow) -> User:
    groups = session.execute(
        select(GroupRow.group_id, GroupRow.name)
        .join(MembershipRow, MembershipRow.group_id == GroupRow.group_id)
        .where(MembershipRow.user_id == row.user_id)
        .order_by(GroupRow.name)
    ).all()
    return User(
        user_id=row.user_id,
        name=row.name,
        role=Role(row.role),
        disabled=row.disabled,
        group_ids=tuple(g.group_id for g in groups),
        groups=tuple(g.name for g in groups),
    )


def _group_kind(role: Role) -> GroupKind:
    if role is Role.FREELANCER:
        return GroupKind.FREELANCE
    if role is Role.VENDOR:
        return GroupKind.VENDOR
    return GroupKind.INTERNAL


def ensure_group(session: Session, name: str, kind: GroupKind) -> GroupRow:
    """The group ``name``, created with ``kind`` on first use."""
    row = session.scalar(select(GroupRow).where(GroupRow.name == name))
    if row is None:
        row = GroupRow(name=name, kind=kind.value, admin_user_id=None)
        session.add(row)
        session.flush()
    return row


def add_user(
    session: Session,
    name: str,
    role: Role,
    password: str,
    *,
    group: str | None = None,
    group_admin: bool = False,
) -> User:
    """Create a user (and their group on first use); the password is stored only as its hash."""
    if not _NAME.match(name):
        raise InvalidInput(f"{name!r} is not a user name (letters, digits, . _ @ -)", rule="user name")
    if session.scalar(select(UserRow.user_id).where(UserRow.name == name)) is not None:
        raise InvalidInput(f"user {name!r} already exists", rule="unique user name")
    row = UserRow(
        name=name,
        role=role.value,
        password_hash=hash_password(password),
        disabled=False,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    if group:
        group_row = ensure_group(session, group, _group_kind(role))
        session.add(MembershipRow(user_id=row.user_id, group_id=group_row.group_id))
        if group_admin:
            group_row.admin_user_id = row.user_id
        session.flush()
    return _user(session, row)


def get_user(session: Session, user_id: int) -> User:
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}", user_id=user_id)
    return _user(session, row)


def find_user(session: Session, name: str) -> tuple[User, str] | None:
    """The user called ``name`` with their stored hash, or None."""
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    return None if row is None else (_user(session, row), row.password_hash)


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return [_user(session, r) for r in session.scalars(select(UserRow).order_by(UserRow.name))]


def list_groups(session: Session) -> list[Group]:
    rows = session.execute(
        select(GroupRow, UserRow.name).outerjoin(UserRow, UserRow.user_id == GroupRow.admin_user_id)
    ).all()
    return sorted(
        (Group(group_id=g.group_id, name=g.name, kind=GroupKind(g.kind), admin=a) for g, a in rows),
        key=lambda g: g.name,
    )


def disable_user(session: Session, name: str) -> User:
    """Disable ``name`` and revoke every session they hold (they are signed out everywhere at once)."""
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise NotFound(f"no user {name!r}", name=name)
    row.disabled = True
    now = datetime.now(UTC)
    for web_session in session.scalars(
        select(WebSessionRow).where(WebSessionRow.user_id == row.user_id, WebSessionRow.revoked_at.is_(None))
    ):
        web_session.revoked_at = now
    session.flush()
    return _user(session, row)
