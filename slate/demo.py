"""The embedded demo: one assignment walked through the lifecycle on the default (local) parts.

It uses only what a fresh machine has after ``make demo`` installs it: a SQLite database and a
blob folder under ``SLATE_HOME``, and ffmpeg to make a real media file. Every step goes through the
same lifecycle module the flows use, so the audit trail it prints is the real one.
"""

from __future__ import annotations

import subprocess
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from slate import lifecycle
from slate.errors import MediaError
from slate.logging import bound, get_logger
from slate.models import AssetCategory, Service, ServiceType, SourceRequest, SourceType, StoredFile
from slate.objects import BlobStore, open_blob_store
from slate.store import Database, open_database

__all__ = ["DemoResult", "make_printmaster", "run_demo"]

log = get_logger(__name__)


class DemoResult(BaseModel):
    """What the demo made, so the caller (and its test) can look at it."""

    request_id: str
    version_id: int
    blob_key: str
    database_url: str


def make_printmaster(path: Path, seconds: int = 4) -> Path:
    """Write a 5.1, 48 kHz, 24-bit WAV: a different tone per channel, a low one in the LFE."""
    tones = [440, 554, 660, 60, 880, 990]
    inputs: list[str] = []
    for frequency in tones:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=48000:duration={seconds}"]
    labels = "".join(f"[{i}:a]" for i in range(len(tones)))
    graph = f"{labels}join=inputs=6:channel_layout=5.1(side)[a]"
    command = ["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[a]"]
    command += ["-c:a", "pcm_s24le", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise MediaError(f"ffmpeg could not write {path}: {done.stderr.strip()}", path=str(path))
    return path


def _assignment(request_id: str) -> SourceRequest:
    return SourceRequest(
        request_id=request_id,
        movie_id="81000001",
        title="The Long Night",
        show_name="The Long Night",
        season=1,
        episode_number=1,
        episode_title="Pilot",
        package_id="PKG-DEMO",
        source_type=SourceType.AUDIO_PRINTMASTER,
        language="en",
        due_date=date.today() + timedelta(days=14),
        content_partner="Northlight Studios",
        fulfillment_partner="Acme Post",
    )


def _ingest(database: Database, blobs: BlobStore, request_id: str, media: Path) -> tuple[int, str]:
    key = f"{request_id}/printmaster/{media.name}"
    stored = blobs.put_path(key, media)
    log.info("stored", key=key, size=stored.size, sha256=stored.sha256)
    with database.session() as session:
        version_id, _ = lifecycle.receive_version(
            session,
            request_id,
            asset_name="printmaster",
            category=AssetCategory.AUDIO,
            stored=StoredFile(
                file_name=media.name, blob_key=key, size=stored.size, md5=stored.md5, sha256=stored.sha256
            ),
            actor="demo",
        )
    return version_id, key


def run_demo(database_url: str | None = None, blobs: BlobStore | None = None) -> DemoResult:
    """Create an assignment, ingest a generated printmaster, accept it and deliver it."""
    request_id = f"SR-DEMO-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    database = open_database(database_url)
    blobs = blobs or open_blob_store()
    try:
        with bound(request_id=request_id), database.session() as session:
            lifecycle.create_request(session, _assignment(request_id), actor="demo", reason="demo assignment")
        with tempfile.TemporaryDirectory() as scratch:
            media = make_printmaster(Path(scratch) / "pilot_printmaster_51.wav")
            version_id, key = _ingest(database, blobs, request_id, media)
        with database.session() as session:
            lifecycle.apply(
                session, request_id, "accept", actor="demo", reason="demo: accepted", version_id=version_id
            )
            lifecycle.set_service(session, request_id, Service(type=ServiceType.MIXING), actor="demo")
            lifecycle.apply(
                session,
                request_id,
                "deliver",
                actor="demo",
                reason="demo: delivery recorded",
                version_id=version_id,
            )
        return DemoResult(
            request_id=request_id,
            version_id=version_id,
            blob_key=key,
            database_url=database.engine.url.render_as_string(),
        )
    finally:
        database.dispose()
