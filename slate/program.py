"""The program a request belongs to, as validators need it: its duration, frame rate and start.

A request may state its runtime; the start timecode and frame rate (and the duration, when the
request is silent) come from its current Final Proxy, probed once when proxy sync attached it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from slate.downloads.proxy_sync import current_final_proxy
from slate.errors import MediaError
from slate.logging import get_logger
from slate.media import ProgramTiming, probe_timing
from slate.objects import BlobStore
from slate.store import AssetVersionRow, Database, get_request

__all__ = ["ProgramTiming", "program_timing"]

log = get_logger(__name__)


def _proxy_timing(blobs: BlobStore, version: AssetVersionRow) -> ProgramTiming | None:
    """The Final Proxy's timing: kept from attach time, else probed now; None when unreadable.

    An unreadable proxy must not stop QC: validators then go without its facts, as they did
    before any proxy arrived, and the warning says why.
    """
    if "duration_ms" in version.probe:
        return ProgramTiming.model_validate(version.probe)
    with tempfile.TemporaryDirectory(prefix="slate-proxy-") as tmp:
        local = Path(tmp) / "proxy"
        blobs.get_to_path(version.blob_key, local)
        try:
            return probe_timing(local)
        except MediaError as exc:
            log.warning("final proxy could not be probed", blob_key=version.blob_key, error=exc.message)
            return None


def program_timing(db: Database, blobs: BlobStore, request_id: str) -> ProgramTiming | None:
    """The program's duration and start timecode for validators; None when nothing states them.

    The request's runtime wins when it states one; the start timecode, frame rate (and the
    duration otherwise) come from the request's current Final Proxy.
    """
    with db.session() as session:
        request = get_request(session, request_id)
    version = current_final_proxy(db, request_id)
    proxy = _proxy_timing(blobs, version) if version is not None else None
    if request.runtime_seconds is not None:
        stated = round(request.runtime_seconds * 1000)
        return ProgramTiming(
            duration_ms=stated,
            frame_rate=proxy.frame_rate if proxy else None,
            start_timecode=proxy.start_timecode if proxy else None,
            source="request",
        )
    return proxy
