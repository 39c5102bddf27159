"""The emulator's own SQLite database (never Slate's): requests, deliveries, materials, outbox.

Times are stored as naive UTC (SQLite has no zones) and given a zone again on the way out.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

__all__ = [
    "AssetRow",
    "Base",
    "CommentRow",
    "DeliveryRow",
    "OutboxRow",
    "RedeliveryRow",
    "RequestRow",
    "aware",
    "decode_cursor",
    "encode_cursor",
    "make_engine",
    "naive",
    "utcnow",
]


def utcnow() -> datetime:
    """Now, as stored: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def aware(value: datetime) -> datetime:
    """A stored time with its zone back."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def naive(value: datetime) -> datetime:
    """A time given by a caller, as stored."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def encode_cursor(at: datetime, key: str) -> str:
    """An opaque keyset cursor: the (time, id) of the last item of a page."""
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{key}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor stands for; ValueError when it is not one of ours."""
    try:
        at, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return naive(datetime.fromisoformat(at)), key
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"malformed cursor {cursor!r}") from exc


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class RequestRow(Base):
    __tablename__ = "source_requests"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    movie_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(255))
    show_name: Mapped[str | None] = mapped_column(String(255))
    season_number: Mapped[int | None] = mapped_column(Integer)
    episode_number: Mapped[int | None] = mapped_column(Integer)
    episode_title: Mapped[str | None] = mapped_column(String(255))
    package_id: Mapped[str | None] = mapped_column(String(64))
    source_type: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(35))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    status_before_cancel: Mapped[str | None] = mapped_column(String(32))
    content_partner: Mapped[str] = mapped_column(String(255))
    fulfillment_partner: Mapped[str | None] = mapped_column(String(255))
    audio_channels: Mapped[int | None] = mapped_column(Integer)
    runtime_seconds: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class DeliveryRow(Base):
    __tablename__ = "deliveries"

    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"), index=True)
    declaration: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(32))
    qc_status: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    bytes_received: Mapped[int] = mapped_column(Integer, default=0)
    file_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RedeliveryRow(Base):
    __tablename__ = "redelivery_requests"

    redelivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"), index=True)
    delivery_id: Mapped[str | None] = mapped_column(String(64))
    reason_code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    timecodes: Mapped[list[str]]
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class AssetRow(Base):
    __tablename__ = "download_assets"

    asset_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    movie_id: Mapped[str] = mapped_column(String(64), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32))
    #: For a locked proxy: the fulfillment partner whose name it carries.
    partner: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(35))
    file_name: Mapped[str] = mapped_column(String(255))
    file_path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    qc_status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class CommentRow(Base):
    __tablename__ = "comments"

    comment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"), index=True)
    author: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class OutboxRow(Base):
    """A webhook to send; it stays until the receiver acknowledged it (or a fault dropped it)."""

    __tablename__ = "webhook_outbox"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)  # PENDING, SENT, DROPPED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


def make_engine(path: Path) -> tuple[Engine, sessionmaker[Any]]:
    """An engine on the emulator's SQLite file (WAL, so the workers and the API share it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    Base.metadata.create_all(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)
