"""Helpers the flow tests share: an assignment taken in by intake, media made with ffmpeg, digests."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.intake import intake
from slate.models import AssetVersion, MaterialStatus
from slate.store import Database, get_request, list_versions
from tests.fixtures.portal import PortalServer


def assign_and_intake(portal: PortalServer, **spec: Any) -> str:
    """A new assignment on the emulator, taken in by the intake flow; returns its request id."""
    spec = {"movieId": "81000050", "title": "Undertow", "sourceType": "SUBTITLE", "language": "en", **spec}
    request_id = str(portal.create_assignment(**spec)["requestId"])
    event = {
        "id": f"EVT-{request_id}",
        "type": "assignment.created",
        "occurred_at": datetime.now(UTC).isoformat(),
        "request_id": request_id,
        "data": {},
    }
    assert intake(event) == request_id
    return request_id


def state(db: Database, request_id: str) -> tuple[MaterialStatus, list[AssetVersion]]:
    """The request's material status and its versions."""
    with db.session() as session:
        return get_request(session, request_id).material_status, list_versions(session, request_id)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wav(path: Path, *, channels: int, seconds: float = 0.5) -> Path:
    """A short 48 kHz 24-bit PCM WAV of a tone with ``channels`` channels (2 = stereo, 6 = 5.1)."""
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    tone = f"sine=frequency=440:sample_rate=48000:duration={seconds}"
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", tone,
               "-af", f"aformat=channel_layouts={layout}", "-c:a", "pcm_s24le", str(path)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return path


def stored_files(root: Path) -> list[Path]:
    """Every file under a local blob store's root (empty when nothing was stored)."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
