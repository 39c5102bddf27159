"""Proxies: the watermark read back from the locked proxy, and proxy sync into the blob store."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Literal

import pytest

from slate.backlot import DownloadAssetType, HttpPortalClient
from slate.backlot.emulator._config import FULFILLMENT_PARTNER
from slate.backlot.emulator._proxies import make_proxy, watermark_filter
from slate.downloads import Selection, download_files, parse_types, select_materials
from slate.downloads.proxy_sync import sync_proxies
from slate.lifecycle import create_request
from slate.models import AssetColor
from slate.objects import LocalStore
from slate.program import program_timing
from slate.settings import reset_settings
from slate.store import Database, list_versions
from tests.downloads.conftest import Materials
from tests.fixtures.portal import PortalServer

T = DownloadAssetType
AV_REQUEST = "SR-81001001-00"
SUB_REQUEST = "SR-81001001-06"


def gray_frame(
    path: Path, burn: str | None = None, *, expansion: Literal["none", "normal"] = "none"
) -> bytes:
    """The 320x180 frame of ``path`` at 0.5 s as 8-bit gray pixels.

    With ``burn``, that text is first drawn on the frame exactly as the emulator draws a watermark
    (its own drawtext settings), giving what a locked proxy made for that name should look like.
    """
    with tempfile.TemporaryDirectory(prefix="slate-test-wm-") as tmp:
        drawn = ""
        if burn is not None:
            text_file = Path(tmp) / "name.txt"
            text_file.write_text(burn, encoding="utf-8")
            drawn = watermark_filter(text_file, expansion=expansion) + ","
        command = ["ffmpeg", "-nostdin", "-v", "error", "-ss", "0.5", "-i", str(path), "-frames:v", "1"]
        command += ["-vf", f"{drawn}scale=320:180", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
        return subprocess.run(command, capture_output=True, check=True, timeout=60).stdout


def misdrawn(locked: bytes, final: bytes, expected: bytes) -> tuple[int, int]:
    """How many pixels the watermark covers, and at how many the locked proxy disagrees with ``expected``.

    Watermark pixels depart from the unmarked Final Proxy by more than compression noise (16
    levels) in either picture; a disagreement is a stroke present in one picture only (48 levels).
    """
    assert len(locked) == len(final) == len(expected) == 320 * 180
    mark = [
        i for i in range(len(final)) if abs(locked[i] - final[i]) > 16 or abs(expected[i] - final[i]) > 16
    ]
    return len(mark), sum(abs(locked[i] - expected[i]) > 48 for i in mark)


def test_the_locked_proxy_carries_the_fulfillment_partners_name(
    portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path
) -> None:
    portal.seed(with_proxies=True)
    files = select_materials(portal_client, Selection(request_ids=[AV_REQUEST], types=parse_types(["video"])))
    download_files(portal_client, files, tmp_path)
    by_type = {f.asset.type: tmp_path / f.relpath for f in files}
    locked, final = gray_frame(by_type[T.LOCKED_PROXY]), gray_frame(by_type[T.FINAL_PROXY])
    # Our name drawn on the Final Proxy's picture is what the locked proxy shows, stroke for stroke.
    area, wrong = misdrawn(locked, final, gray_frame(by_type[T.FINAL_PROXY], burn=FULFILLMENT_PARTNER))
    assert area > 2000 and wrong <= area // 100, (area, wrong)
    # Any other name does not match: another vendor's, and ours with one letter changed.
    for other in ("Harbourside Dubbing", "Slate Localisation"):
        area, wrong = misdrawn(locked, final, gray_frame(by_type[T.FINAL_PROXY], burn=other))
        assert wrong > 100, (other, area, wrong)


def test_a_partner_name_with_percent_signs_and_backslashes_is_burned_in_literally(tmp_path: Path) -> None:
    source = tmp_path / "source.mp4"
    picture = ["-f", "lavfi", "-i", "testsrc=size=320x180:rate=24:duration=1", "-pix_fmt", "yuv420p"]
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", *picture, str(source)], check=True, timeout=60)
    name = "Acme %{pts} 100% \\o/"
    final_path = make_proxy(source, tmp_path / "final.mp4")
    locked = gray_frame(make_proxy(source, tmp_path / "locked.mp4", watermark=name))
    final = gray_frame(final_path)
    # Drawn by drawtext's own escapes (\% and \\), the name as written is what the proxy shows...
    escaped = name.replace("\\", "\\\\").replace("%", "\\%")
    area, wrong = misdrawn(locked, final, gray_frame(final_path, burn=escaped, expansion="normal"))
    assert area > 2000 and wrong <= area // 100, (area, wrong)
    # ...not the name with %{pts} expanded to the frame's time.
    area, wrong = misdrawn(locked, final, gray_frame(final_path, burn=name, expansion="normal"))
    assert wrong > 100, (area, wrong)


@pytest.fixture
def blobs(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "objects")


def track(db: Database, client: HttpPortalClient, *request_ids: str) -> None:
    """Slate takes on the portal's requests (as intake would)."""
    with db.session() as session:
        for request_id in request_ids:
            create_request(session, client.get_source_request(request_id).to_domain(), actor="test")


def proxy_versions(db: Database, request_id: str) -> dict[str, list[tuple[int, AssetColor]]]:
    with db.session() as session:
        versions = list_versions(session, request_id)
    by_blob = {v.blob_key: v for v in versions}
    out: dict[str, list[tuple[int, AssetColor]]] = {"final_proxy": [], "locked_proxy": []}
    for v in by_blob.values():
        kind = "final_proxy" if "/final_proxy/" in v.blob_key else "locked_proxy"
        out[kind].append((v.number, v.color))
    return {k: sorted(v) for k, v in out.items()}


def new_final_proxy(portal: PortalServer, materials: Materials, movie_id: str, seconds: int) -> str:
    path = portal.emulator.file_path("test-materials", movie_id, f"{movie_id}_final_proxy_v2.mp4")
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"testsrc=size=320x180:rate=25:duration={seconds}", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(command, check=True, timeout=60)
    return materials.material(movie_id, T.FINAL_PROXY, data=path.read_bytes(), name=path.name)


def test_proxy_sync_attaches_final_and_locked_apart_and_a_newer_final_supersedes(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    materials: Materials,
    db: Database,
    blobs: LocalStore,
) -> None:
    portal.seed(with_proxies=True)
    track(db, portal_client, AV_REQUEST, SUB_REQUEST)
    first = sync_proxies(portal_client, db, blobs)
    assert sorted((r.request_id, r.asset_name, r.outcome) for r in first) == [
        (AV_REQUEST, "final_proxy", "attached"),
        (AV_REQUEST, "locked_proxy", "attached"),
        (SUB_REQUEST, "final_proxy", "attached"),
        (SUB_REQUEST, "locked_proxy", "attached"),
    ]
    for result in first:
        assert result.blob_key and blobs.head(result.blob_key).sha256 == result.sha256
    assert proxy_versions(db, SUB_REQUEST) == {
        "final_proxy": [(1, AssetColor.LIGHT_BLUE)],
        "locked_proxy": [(1, AssetColor.LIGHT_BLUE)],
    }
    # Reported again (reconcile after a webhook): nothing changes, nothing is fetched.
    downloads_before = portal.stats()["calls"]
    assert {r.outcome for r in sync_proxies(portal_client, db, blobs, [SUB_REQUEST])} == {"unchanged"}
    content = [k for k in portal.stats()["calls"] if k.endswith("/content")]
    assert all(portal.calls(k) == downloads_before.get(k) for k in content)

    new_final_proxy(portal, materials, "81001001", seconds=2)
    # The webhook names one request; the other request of the title is served too.
    second = sync_proxies(portal_client, db, blobs, [SUB_REQUEST])
    assert sorted((r.request_id, r.asset_name, r.outcome) for r in second) == [
        (AV_REQUEST, "final_proxy", "attached"),
        (AV_REQUEST, "locked_proxy", "unchanged"),
        (SUB_REQUEST, "final_proxy", "attached"),
        (SUB_REQUEST, "locked_proxy", "unchanged"),
    ]
    assert proxy_versions(db, SUB_REQUEST) == {
        "final_proxy": [(1, AssetColor.DARK_BLUE), (2, AssetColor.LIGHT_BLUE)],
        "locked_proxy": [(1, AssetColor.LIGHT_BLUE)],
    }
    with db.session() as session:
        final = [v for v in list_versions(session, SUB_REQUEST) if v.color is AssetColor.LIGHT_BLUE]
    facts = next(v.probe for v in final if "/final_proxy/" in v.blob_key)
    video = next(s for s in facts["streams"] if s["codec_type"] == "video")  # slate.media's summary
    assert facts["duration_ms"] == 2000 and float(facts["duration_seconds"]) == 2.0 and video["width"] == 320
    assert sync_proxies(portal_client, db, blobs, ["SR-NOT-HELD"]) == []


def test_program_timing_comes_from_the_request_or_else_the_final_proxy(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    materials: Materials,
    db: Database,
    blobs: LocalStore,
) -> None:
    stated = materials.assignment("81900060", title="Stated", source_type="SUBTITLE", runtime_seconds="1800")
    unstated = materials.assignment("81900061", title="Unstated", source_type="SUBTITLE")
    for movie in ("81900060", "81900061"):
        new_final_proxy(portal, materials, movie, seconds=2)
    track(db, portal_client, stated, unstated)
    sync_proxies(portal_client, db, blobs)
    timing = program_timing(db, blobs, unstated)
    assert timing is not None and timing.source == "final_proxy"
    assert timing.duration_ms == 2000 and timing.frame_rate == "25" and timing.start_timecode == "00:00:00:00"
    from_request = program_timing(db, blobs, stated)
    assert from_request is not None and from_request.source == "request"
    assert from_request.duration_ms == 1_800_000 and from_request.start_timecode == "00:00:00:00"


def test_a_locked_proxy_made_for_us_is_kept_when_its_request_moves_to_another_vendor(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    materials: Materials,
    db: Database,
    blobs: LocalStore,
) -> None:
    portal.seed(with_proxies=True)
    track(db, portal_client, SUB_REQUEST)
    # A newer locked proxy made for us; the studio then gives the title's AV request to another vendor.
    locked = portal.emulator.file_path("test-materials", "81001001", "locked_v2.mp4")
    locked.write_bytes(b"a locked proxy made for us")
    materials.material(
        "81001001",
        T.LOCKED_PROXY,
        data=locked.read_bytes(),
        request_id=AV_REQUEST,
        partner=FULFILLMENT_PARTNER,
    )
    portal.admin.patch(f"/assignments/{AV_REQUEST}", json={"fulfillmentPartner": "Harbourside Dubbing"})
    listed = select_materials(
        portal_client, Selection(request_ids=[SUB_REQUEST], types=parse_types(["video"]))
    )
    # The portal says whose name each proxy carries: ours on the locked one, nobody's on the final one.
    assert {(f.asset.type, f.asset.watermark_partner) for f in listed} == {
        (T.LOCKED_PROXY, FULFILLMENT_PARTNER),
        (T.FINAL_PROXY, None),
    }
    outcomes = {r.asset_name: r for r in sync_proxies(portal_client, db, blobs, [SUB_REQUEST])}
    assert outcomes["locked_proxy"].outcome == "attached", outcomes["locked_proxy"].reason
    assert outcomes["final_proxy"].outcome == "attached"
    assert proxy_versions(db, SUB_REQUEST)["locked_proxy"] == [(1, AssetColor.LIGHT_BLUE)]
    stored = outcomes["locked_proxy"].blob_key
    assert stored is not None and blobs.head(stored).size == len(b"a locked proxy made for us")


def test_a_locked_proxy_watermarked_for_another_partner_is_refused_and_nothing_stored(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    db: Database,
    blobs: LocalStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    portal.seed(with_proxies=True)
    track(db, portal_client, SUB_REQUEST)
    # Slate runs as another vendor with these credentials: the locked proxy it is shown carries
    # a name that is not its own.
    monkeypatch.setenv("SLATE_FULFILLMENT_PARTNER_NAME", "Harbourside Dubbing")
    reset_settings()
    try:
        outcomes = {r.asset_name: r for r in sync_proxies(portal_client, db, blobs, [SUB_REQUEST])}
    finally:
        monkeypatch.undo()
        reset_settings()
    refused = outcomes["locked_proxy"]
    assert refused.outcome == "refused" and refused.blob_key is None and refused.version_id is None
    assert f"watermarked for {FULFILLMENT_PARTNER}, not for Harbourside Dubbing" in refused.reason
    assert outcomes["final_proxy"].outcome == "attached"
    assert proxy_versions(db, SUB_REQUEST)["locked_proxy"] == []
    assert [k for k in blobs.list() if "/locked_proxy/" in k] == []
