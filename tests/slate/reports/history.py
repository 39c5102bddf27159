"""A generated history for the reports: requests, versions, deliveries and rejections at given times.

Requests and versions go through the lifecycle (as in production); deliveries and rejections are
written as rows with the times a test chooses, since reports only read them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from slate import lifecycle
from slate.models import AssetCategory, MaterialStatus, PortalStatus, ServiceType, SourceType, StoredFile
from slate.settings import reset_settings
from slate.store import Database, DeliveryRow, RejectionRow, SourceRequestRow, open_database
from tests.slate.builders import new_request

_CATEGORY = {
    SourceType.AV_MUXED: AssetCategory.VIDEO,
    SourceType.AUDIO_PRINTMASTER: AssetCategory.AUDIO,
    SourceType.SECONDARY_AUDIO: AssetCategory.AUDIO,
}


def request(db: Database, request_id: str, **overrides: Any) -> None:
    """A request with a Service Type (subtitling unless said otherwise)."""
    data: dict[str, Any] = {"service": {"type": ServiceType.SUBTITLING}}
    data.update(overrides)
    with db.session() as session:
        lifecycle.create_request(session, new_request(request_id, **data), actor="test")


def version(
    db: Database, request_id: str, *, by: str = "alice", probe: dict[str, Any] | None = None, n: int = 0
) -> int:
    """A new version of the request's deliverable, made by ``by``."""
    with db.session() as session:
        row = session.get(SourceRequestRow, request_id)
        assert row is not None
        category = _CATEGORY.get(SourceType(row.source_type), AssetCategory.TIMED_TEXT)
        content = f"{request_id}-{by}-{n}".encode()
        version_id, _ = lifecycle.receive_version(
            session,
            request_id,
            asset_name="main",
            category=category,
            stored=StoredFile(
                file_name=f"{request_id}.bin",
                blob_key=f"{request_id}/{hashlib.sha256(content).hexdigest()}",
                size=len(content),
                md5=hashlib.md5(content).hexdigest(),
                sha256=hashlib.sha256(content).hexdigest(),
                probe=probe or {},
            ),
            actor=by,
        )
    return version_id


def proxy(db: Database, request_id: str, duration_ms: int) -> None:
    """The request's Final Proxy, probed at ``duration_ms``."""
    with db.session() as session:
        lifecycle.attach_material(
            session,
            request_id,
            asset_name="final_proxy",
            category=AssetCategory.VIDEO,
            stored=StoredFile(
                file_name="proxy.mp4",
                blob_key=f"{request_id}/proxy",
                size=1,
                md5="0" * 32,
                sha256=hashlib.sha256(request_id.encode()).hexdigest(),
                probe={"duration_ms": duration_ms},
            ),
            actor="portal",
        )


def deliver(db: Database, request_id: str, version_id: int, at: datetime, outcome: str = "DELIVERED") -> None:
    """A delivery of ``version_id`` that the portal received at ``at``."""
    with db.session() as session:
        attempt = 1 + sum(1 for _ in session.query(DeliveryRow).filter_by(request_id=request_id))
        session.add(
            DeliveryRow(
                request_id=request_id,
                version_id=version_id,
                attempt=attempt,
                destination="portal",
                service_type="SUBTITLING",
                bytes_sent=1,
                outcome=outcome,
                started_at=at,
                finished_at=at,
            )
        )
        row = session.get(SourceRequestRow, request_id)
        assert row is not None
        row.material_status = MaterialStatus.DELIVERED.value


def reject(
    db: Database,
    request_id: str,
    version_id: int,
    at: datetime,
    code: str = "TIMED_TEXT_OFFSET",
    *,
    origin: str = "PORTAL",
    by: str = "portal",
) -> None:
    """A rejection of ``version_id`` raised at ``at``."""
    with db.session() as session:
        session.add(
            RejectionRow(
                request_id=request_id,
                version_id=version_id,
                origin=origin,
                reason_code=code,
                description="",
                timecodes=[],
                raised_by=by,
                raised_at=at,
            )
        )
        row = session.get(SourceRequestRow, request_id)
        assert row is not None
        row.material_status = MaterialStatus.REDELIVERY_REQUESTED.value


def accept(db: Database, request_id: str) -> None:
    """The portal accepted the request's delivery."""
    with db.session() as session:
        row = session.get(SourceRequestRow, request_id)
        assert row is not None
        row.portal_status = PortalStatus.ACCEPTED.value
        row.material_status = MaterialStatus.DELIVERED.value


def runtime(seconds: str) -> Decimal:
    """A stated runtime."""
    return Decimal(seconds)


@contextmanager
def report_home(monkeypatch: pytest.MonkeyPatch, home: Path, timezone: str) -> Iterator[Database]:
    """A Slate home of its own (SQLite database, blob store) whose reports end days in ``timezone``."""
    monkeypatch.setenv("SLATE_HOME", str(home))
    monkeypatch.delenv("SLATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("SLATE_REPORTS_TIMEZONE", timezone)
    reset_settings()
    database = open_database()
    try:
        yield database
    finally:
        database.dispose()
        reset_settings()
