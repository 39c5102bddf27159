"""QC's view of the program comes from the Final Proxy: its start timecode decides a timeline offset."""

from __future__ import annotations

import subprocess
from pathlib import Path

from slate.backlot import DownloadAssetType, HttpPortalClient
from slate.downloads.proxy_sync import sync_proxies
from slate.lifecycle import create_request
from slate.objects import LocalStore
from slate.program import program_timing
from slate.store import Database, get_request
from tasks.qc import qc_context, validate_file
from tests.downloads.conftest import Materials
from tests.fixtures.portal import PortalServer

MOVIE = "81900070"


def final_proxy(portal: PortalServer, materials: Materials, start_timecode: str | None) -> None:
    """A 2 s Final Proxy for ``MOVIE`` on the emulator, with a timecode track when given."""
    path = portal.emulator.file_path("test-materials", MOVIE, f"{MOVIE}_final_proxy.mp4")
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", "testsrc=size=320x180:rate=25:duration=2", "-pix_fmt", "yuv420p"]
    command += ["-timecode", start_timecode] if start_timecode else []
    subprocess.run([*command, str(path)], check=True, timeout=60)
    materials.material(MOVIE, DownloadAssetType.FINAL_PROXY, data=path.read_bytes(), name=path.name)


def subtitle(tmp_path: Path, hour: int) -> Path:
    """Two short events, half a second into the program, on a timeline starting at ``hour``."""
    path = tmp_path / f"from_{hour:02d}h.srt"
    path.write_text(
        f"1\n{hour:02d}:00:00,500 --> {hour:02d}:00:01,000\nHello there.\n\n"
        f"2\n{hour:02d}:00:01,200 --> {hour:02d}:00:01,800\nGood night.\n",
        encoding="utf-8",
    )
    return path


def offset_findings(db: Database, blobs: LocalStore, request_id: str, path: Path) -> list[str]:
    """QC's TT_START_OFFSET findings on ``path``, with the context built as ``run_qc`` builds it."""
    with db.session() as session:
        request = get_request(session, request_id)
    context = qc_context(request, "subtitle", program_timing(db, blobs, request_id))
    report = validate_file(path, "subtitle", context, subject=path.name)
    return [f"{f.code} {f.severity}" for f in report.findings if f.code == "TT_START_OFFSET"]


def test_a_subtitle_timed_from_one_hour_fits_a_final_proxy_that_starts_there(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, db: Database, tmp_path: Path
) -> None:
    request_id = materials.assignment(MOVIE, title="Starts at One", source_type="SUBTITLE")
    final_proxy(portal, materials, "01:00:00:00")
    blobs = LocalStore(tmp_path / "objects")
    with db.session() as session:
        create_request(session, portal_client.get_source_request(request_id).to_domain(), actor="test")
    sync_proxies(portal_client, db, blobs)
    timing = program_timing(db, blobs, request_id)
    assert timing is not None and timing.start_timecode == "01:00:00:00"
    # On the proxy's timeline, the file timed from 01:00:00:00 is in place...
    assert offset_findings(db, blobs, request_id, subtitle(tmp_path, hour=1)) == []
    # ...and the one timed from zero is an hour early.
    assert offset_findings(db, blobs, request_id, subtitle(tmp_path, hour=0)) == ["TT_START_OFFSET BLOCKER"]


def test_an_unreadable_final_proxy_leaves_qc_without_its_facts_rather_than_failing(
    portal: PortalServer, portal_client: HttpPortalClient, materials: Materials, db: Database, tmp_path: Path
) -> None:
    request_id = materials.assignment(MOVIE, title="Broken", source_type="SUBTITLE", runtime_seconds="90")
    materials.material(MOVIE, DownloadAssetType.FINAL_PROXY, data=b"not a video", name="broken_final.mp4")
    blobs = LocalStore(tmp_path / "objects")
    with db.session() as session:
        create_request(session, portal_client.get_source_request(request_id).to_domain(), actor="test")
    assert {r.outcome for r in sync_proxies(portal_client, db, blobs)} == {"attached"}
    timing = program_timing(db, blobs, request_id)
    # The request's runtime still stands; what only the proxy could tell stays unknown.
    assert timing is not None and (timing.duration_ms, timing.source) == (90_000, "request")
    assert timing.frame_rate is None and timing.start_timecode is None
    with db.session() as session:
        context = qc_context(get_request(session, request_id), "subtitle", timing)
    assert context.program_duration == 90 and context.start_timecode is None and context.fps is None
