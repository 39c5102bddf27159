"""Shares: rights on a version, an asset, a request or a package, for a user or a group.

A share is live until it expires or is revoked; nothing is deleted, so who had access and when
stays on record. :func:`visible_requests` is the one filter every list applies for people who see
only what is shared with them, and :func:`grant_for` what their shares allow on one request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, String, and_, cast, false, or_, select
from sqlalchemy.orm import Session

from slate.errors import InvalidInput, NotFound
from slate.people._access import Grant
from slate.people._rows import GroupRow, ShareDownloadRow, ShareRow, UserRow
from slate.people._users import User
from slate.store import AssetRow, AssetVersionRow, SourceRequestRow

__all__ = [
    "Share",
    "ShareSubject",
    "create_share",
    "grant_for",
    "log_download",
    "revoke_share",
    "shares_of_request",
    "visible_requests",
]


class ShareSubject(StrEnum):
    VERSION = "version"
    ASSET = "asset"
    REQUEST = "request"
    PACKAGE = "package"


class Share(BaseModel):
    """A share as people see it (grantee by name)."""

    model_config = ConfigDict(frozen=True)

    share_id: int
    subject_type: ShareSubject
    subject_id: str
    grantee: str
    can_view: bool
    can_download: bool
    can_upload: bool
    can_edit: bool
    expires_at: datetime | None
    note: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    live: bool


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _live(now: datetime) -> ColumnElement[bool]:
    return and_(ShareRow.revoked_at.is_(None), or_(ShareRow.expires_at.is_(None), ShareRow.expires_at > now))


def _to_user(user: User) -> ColumnElement[bool]:
    clauses = [ShareRow.grantee_user_id == user.user_id]
    if user.group_ids:
        clauses.append(ShareRow.grantee_group_id.in_(user.group_ids))
    return or_(*clauses)


def _subject_exists(session: Session, subject: ShareSubject, subject_id: str) -> bool:
    if subject is ShareSubject.REQUEST:
        return session.get(SourceRequestRow, subject_id) is not None
    if subject is ShareSubject.PACKAGE:
        found = select(SourceRequestRow.request_id).where(SourceRequestRow.package_id == subject_id)
        return session.scalar(found.limit(1)) is not None
    if not subject_id.isdigit():
        return False
    row_type = AssetRow if subject is ShareSubject.ASSET else AssetVersionRow
    return session.get(row_type, int(subject_id)) is not None


def create_share(
    session: Session,
    subject: ShareSubject,
    subject_id: str,
    *,
    grantee: str,
    created_by: str,
    can_download: bool = False,
    can_upload: bool = False,
    can_edit: bool = False,
    expires_at: datetime | None = None,
    note: str = "",
) -> Share:
    """Share ``subject`` with the user or group called ``grantee`` (a user's name wins)."""
    if not _subject_exists(session, subject, subject_id):
        raise NotFound(f"no {subject.value} {subject_id!r} to share", subject=subject.value, id=subject_id)
    user_id = session.scalar(select(UserRow.user_id).where(UserRow.name == grantee))
    group_id = None
    if user_id is None:
        group_id = session.scalar(select(GroupRow.group_id).where(GroupRow.name == grantee))
        if group_id is None:
            raise NotFound(f"no user or group {grantee!r}", grantee=grantee)
    now = datetime.now(UTC)
    if expires_at is not None and _aware(expires_at) <= now:  # type: ignore[operator]
        raise InvalidInput("a share's expiry must be in the future", rule="expiry in the future")
    row = ShareRow(
        subject_type=subject.value,
        subject_id=subject_id,
        grantee_user_id=user_id,
        grantee_group_id=group_id,
        can_view=True,
        can_download=can_download,
        can_upload=can_upload,
        can_edit=can_edit,
        expires_at=expires_at,
        note=note,
        created_by=created_by,
        created_at=now,
        revoked_at=None,
        revoked_by=None,
    )
    session.add(row)
    session.flush()
    return _share(session, row, now)


def revoke_share(session: Session, share_id: int, *, actor: str) -> None:
    """End a share now; it stays on record."""
    row = session.get(ShareRow, share_id)
    if row is None:
        raise NotFound(f"no share {share_id}", share_id=share_id)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        row.revoked_by = actor
        session.flush()


def _share(session: Session, row: ShareRow, now: datetime) -> Share:
    if row.grantee_user_id is not None:
        grantee = session.scalar(select(UserRow.name).where(UserRow.user_id == row.grantee_user_id))
    else:
        grantee = session.scalar(select(GroupRow.name).where(GroupRow.group_id == row.grantee_group_id))
    expires = _aware(row.expires_at)
    return Share(
        share_id=row.share_id,
        subject_type=ShareSubject(row.subject_type),
        subject_id=row.subject_id,
        grantee=grantee or "?",
        can_view=row.can_view,
        can_download=row.can_download,
        can_upload=row.can_upload,
        can_edit=row.can_edit,
        expires_at=expires,
        note=row.note,
        created_by=row.created_by,
        created_at=_aware(row.created_at) or now,
        revoked_at=_aware(row.revoked_at),
        live=row.revoked_at is None and (expires is None or expires > now),
    )


def _subjects_of_request(session: Session, request_id: str) -> ColumnElement[bool]:
    """Share rows whose subject is this request, its package, one of its assets or versions."""
    package = session.scalar(
        select(SourceRequestRow.package_id).where(SourceRequestRow.request_id == request_id)
    )
    assets = select(cast(AssetRow.asset_id, String)).where(AssetRow.request_id == request_id)
    versions = select(cast(AssetVersionRow.version_id, String)).where(
        AssetVersionRow.request_id == request_id
    )
    return or_(
        and_(ShareRow.subject_type == ShareSubject.REQUEST.value, ShareRow.subject_id == request_id),
        and_(ShareRow.subject_type == ShareSubject.PACKAGE.value, ShareRow.subject_id == package)
        if package
        else false(),
        and_(ShareRow.subject_type == ShareSubject.ASSET.value, ShareRow.subject_id.in_(assets)),
        and_(ShareRow.subject_type == ShareSubject.VERSION.value, ShareRow.subject_id.in_(versions)),
    )


def shares_of_request(session: Session, request_id: str) -> list[Share]:
    """Every share touching a request (live or not), newest first."""
    now = datetime.now(UTC)
    rows = session.scalars(
        select(ShareRow).where(_subjects_of_request(session, request_id)).order_by(ShareRow.share_id.desc())
    )
    return [_share(session, r, now) for r in rows]


def _versions_reached(session: Session, rows: list[ShareRow]) -> frozenset[int] | None:
    if any(r.subject_type in (ShareSubject.REQUEST.value, ShareSubject.PACKAGE.value) for r in rows):
        return None
    ids = {int(r.subject_id) for r in rows if r.subject_type == ShareSubject.VERSION.value}
    assets = [int(r.subject_id) for r in rows if r.subject_type == ShareSubject.ASSET.value]
    if assets:
        ids |= set(
            session.scalars(select(AssetVersionRow.version_id).where(AssetVersionRow.asset_id.in_(assets)))
        )
    return frozenset(ids)


def grant_for(session: Session, user: User, request_id: str) -> Grant:
    """What ``user``'s live shares allow on ``request_id`` (nothing when none reaches it)."""
    now = datetime.now(UTC)
    rows = list(
        session.scalars(
            select(ShareRow)
            .where(_subjects_of_request(session, request_id), _to_user(user), _live(now))
            .order_by(ShareRow.share_id)
        )
    )
    if not rows:
        return Grant()
    download = next((r.share_id for r in rows if r.can_download), None)
    return Grant(
        can_view=any(r.can_view for r in rows),
        can_download=download is not None,
        can_upload=any(r.can_upload for r in rows),
        can_edit=any(r.can_edit for r in rows),
        version_ids=_versions_reached(session, rows),
        download_share_id=download,
    )


def visible_requests(user: User, now: datetime | None = None) -> ColumnElement[bool] | None:
    """A WHERE clause on ``source_requests`` keeping what ``user`` may see; None when they see all."""
    if not user.external:
        return None
    now = now or datetime.now(UTC)
    mine = and_(_to_user(user), _live(now), ShareRow.can_view.is_(True))

    def subjects(kind: ShareSubject) -> object:
        return select(ShareRow.subject_id).where(mine, ShareRow.subject_type == kind.value)

    by_asset = select(AssetRow.request_id).where(
        cast(AssetRow.asset_id, String).in_(subjects(ShareSubject.ASSET))  # type: ignore[arg-type]
    )
    by_version = select(AssetVersionRow.request_id).where(
        cast(AssetVersionRow.version_id, String).in_(subjects(ShareSubject.VERSION))  # type: ignore[arg-type]
    )
    return or_(
        SourceRequestRow.request_id.in_(subjects(ShareSubject.REQUEST)),  # type: ignore[arg-type]
        SourceRequestRow.package_id.in_(subjects(ShareSubject.PACKAGE)),  # type: ignore[arg-type]
        SourceRequestRow.request_id.in_(by_asset),
        SourceRequestRow.request_id.in_(by_version),
    )


def log_download(session: Session, share_id: int, user: User, version_id: int) -> None:
    """Record a download made through a share."""
    session.add(
        ShareDownloadRow(share_id=share_id, user_id=user.user_id, version_id=version_id, at=datetime.now(UTC))
    )
    session.flush()


def downloads_of_share(session: Session, share_id: int) -> int:
    """How many downloads went through a share."""
    return len(
        list(
            session.scalars(select(ShareDownloadRow.download_id).where(ShareDownloadRow.share_id == share_id))
        )
    )
