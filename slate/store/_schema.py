"""Database rows of the domain (SQLAlchemy 2 typed ORM).

The schema is created only by the Alembic migrations in ``migrations/``; these classes must match
them (a test compares the two). Rows that people edit carry ``row_version``, SQLAlchemy's
optimistic-concurrency column: an UPDATE whose row changed since it was read matches nothing and
is refused, so two operators cannot silently overwrite each other.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AssetRow",
    "AssetVersionRow",
    "AuditEventRow",
    "Base",
    "DeliveryRow",
    "QCReportRow",
    "RateBucketRow",
    "RejectionRow",
    "SourceRequestRow",
    "WatermarkRow",
]


class Base(DeclarativeBase):
    """Declarative base of every Slate table."""

    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}  # noqa: RUF012


class SourceRequestRow(Base):
    __tablename__ = "source_requests"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    movie_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(512))
    show_name: Mapped[str | None] = mapped_column(String(512))
    season: Mapped[int | None] = mapped_column(Integer)
    episode_number: Mapped[int | None] = mapped_column(Integer)
    episode_title: Mapped[str | None] = mapped_column(String(512))
    package_id: Mapped[str | None] = mapped_column(String(64))
    source_type: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(35))
    service_type: Mapped[str | None] = mapped_column(String(32))
    service_other: Mapped[str | None] = mapped_column(String(256))
    due_date: Mapped[date | None] = mapped_column(Date)
    content_partner: Mapped[str | None] = mapped_column(String(256))
    fulfillment_partner: Mapped[str | None] = mapped_column(String(256))
    portal_status: Mapped[str] = mapped_column(String(32))
    material_status: Mapped[str] = mapped_column(String(32))
    runtime_seconds: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    audio_channels: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    internal_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    third_party_fee: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012


class AssetRow(Base):
    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("request_id", "name"),)

    asset_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"))
    category: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    #: ``deliverable`` (what the vendor delivers) or ``material`` (what the portal gives: proxies, templates).
    role: Mapped[str] = mapped_column(String(16), default="deliverable")
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")  # migration 0004

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012


class AssetVersionRow(Base):
    __tablename__ = "asset_versions"
    __table_args__ = (UniqueConstraint("asset_id", "number"),)

    version_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.asset_id"))
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"))
    number: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(512))
    blob_key: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    probe: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    color: Mapped[str] = mapped_column(String(16))
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("request_id", "attempt"),
        # At most one attempt in flight per request: the claim two workers race for (migration 0005).
        Index(
            "ux_deliveries_one_pending",
            "request_id",
            unique=True,
            sqlite_where=text("outcome = 'PENDING'"),
            postgresql_where=text("outcome = 'PENDING'"),
        ),
    )

    delivery_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("asset_versions.version_id"))
    attempt: Mapped[int] = mapped_column(Integer)
    destination: Mapped[str] = mapped_column(String(1024))
    service_type: Mapped[str] = mapped_column(String(32))
    service_other: Mapped[str | None] = mapped_column(String(256))
    bytes_sent: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[float | None] = mapped_column()
    portal_delivery_id: Mapped[str | None] = mapped_column(String(128))
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: A pending attempt is live until then; its worker renews it while it uploads.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RejectionRow(Base):
    __tablename__ = "rejections"

    rejection_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("asset_versions.version_id"))
    origin: Mapped[str] = mapped_column(String(16))
    #: The portal's id for its redelivery request, so that a webhook and reconcile record it once.
    portal_ref: Mapped[str | None] = mapped_column(String(128), unique=True)
    reason_code: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    timecodes: Mapped[list[str]] = mapped_column(JSON, default=list)
    raised_by: Mapped[str] = mapped_column(String(128))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEventRow(Base):
    """One append-only audit line. Nothing ever updates or deletes these rows."""

    __tablename__ = "audit_events"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("asset_versions.version_id"))
    subject: Mapped[str] = mapped_column(String(16))
    transition: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text, default="")
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QCReportRow(Base):
    """A QC report on one version, kept whole (JSON) beside its verdict."""

    __tablename__ = "qc_reports"

    report_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("asset_versions.version_id"), index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"))
    profile: Mapped[str] = mapped_column(String(64))
    worst: Mapped[str | None] = mapped_column(String(16))
    blocked: Mapped[bool] = mapped_column(Boolean)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WatermarkRow(Base):
    """How far a scheduled job has read a changing source (e.g. the portal's change feed)."""

    __tablename__ = "watermarks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RateBucketRow(Base):
    """A token bucket shared by every worker: bandwidth owed and when it was last refilled."""

    __tablename__ = "rate_buckets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    rate_bps: Mapped[float] = mapped_column()
    tokens: Mapped[float] = mapped_column()
    updated_at: Mapped[float] = mapped_column()
