"""Builders for domain records in tests: a request, a version, a snapshot of every table."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from slate import lifecycle
from slate.models import AssetCategory, SourceRequest, SourceType, StoredFile
from slate.store import Base, Database


def new_request(request_id: str = "SR-1", **overrides: Any) -> SourceRequest:
    """A subtitle assignment for an episode, with every field a real one has."""
    data: dict[str, Any] = {
        "request_id": request_id,
        "movie_id": "81234567",
        "title": "The Long Night",
        "show_name": "The Long Night",
        "season": 1,
        "episode_number": 3,
        "episode_title": "Dawn",
        "package_id": "PKG-9",
        "source_type": SourceType.SUBTITLE,
        "language": "en",
        "content_partner": "Northlight Studios",
        "fulfillment_partner": "Acme Localization",
    }
    data.update(overrides)
    return SourceRequest(**data)


def create(db: Database, request_id: str = "SR-1", **overrides: Any) -> None:
    """Create a request in ``db``."""
    with db.session() as session:
        lifecycle.create_request(session, new_request(request_id, **overrides), actor="test")


def stored_file(content: bytes, file_name: str, folder: str) -> StoredFile:
    """``content`` as the blob store would have kept it, under ``folder``/its digest."""
    sha256 = hashlib.sha256(content).hexdigest()
    return StoredFile(
        file_name=file_name,
        blob_key=f"{folder}/{sha256}",
        size=len(content),
        md5=hashlib.md5(content).hexdigest(),
        sha256=sha256,
    )


def put_version(db: Database, request_id: str = "SR-1", content: bytes = b"1\n", asset: str = "main") -> int:
    """Receive a new version of ``asset`` and return its id."""
    with db.session() as session:
        version_id, _ = lifecycle.receive_version(
            session,
            request_id,
            asset_name=asset,
            category=AssetCategory.TIMED_TEXT,
            stored=stored_file(content, "episode.ttml", request_id),
            actor="test",
        )
    return version_id


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that a refused operation wrote nothing."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out
