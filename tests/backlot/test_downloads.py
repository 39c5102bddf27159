"""Download Materials: search across requests, manifests, resumable verified downloads."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from slate.backlot import AssetState, DownloadAssetType, DownloadCategory, HttpPortalClient, TokenBucket
from slate.backlot._download import download_to
from slate.backlot._transport import PortalTransport, RetryPolicy
from slate.errors import IntegrityError
from tests.fixtures.portal import PortalServer

EPISODE_1 = "SR-81001001-06"  # the French subtitle request of S01E01


def _printmaster(client: HttpPortalClient) -> tuple[str, str, int]:
    page = client.search_download_assets(request_ids=[EPISODE_1], types=[DownloadAssetType.PRINTMASTER])
    (asset,) = page.items
    return asset.asset_id, asset.checksum, asset.size


def _downloads(portal: PortalServer, asset_id: str) -> list[dict[str, Any]]:
    """The emulator's log of this asset's downloads: Range header asked for and bytes it sent."""
    return [d for d in portal.stats()["downloads"] if d["assetId"] == asset_id]


def test_search_across_requests_by_category_type_and_state(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    portal.seed()
    requests = ["SR-81001001-06", "SR-81001002-06", "SR-81002003-06"]
    audio = list(
        portal_client.iter_download_assets(request_ids=requests, categories=[DownloadCategory.AUDIO])
    )
    assert {a.movie_id for a in audio} == {"81001001", "81001002", "81002003"}
    assert {a.type for a in audio} == {DownloadAssetType.PRINTMASTER, DownloadAssetType.ME}
    assert all(a.category is DownloadCategory.AUDIO for a in audio)

    templates = list(
        portal_client.iter_download_assets(
            request_ids=requests[:1], types=[DownloadAssetType.ENGLISH_TEMPLATE], limit=1
        )
    )
    assert sorted(a.state for a in templates) == [AssetState.ACTIVE, AssetState.UPGRADED]
    pending = portal_client.search_download_assets(request_ids=requests, states=[AssetState.NOT_AVAILABLE])
    assert [a.type for a in pending.items] == [DownloadAssetType.CLOSED_CAPTION]


def test_manifest_lists_files_with_checksums(portal: PortalServer, portal_client: HttpPortalClient) -> None:
    portal.seed()
    assets = list(portal_client.iter_download_assets(request_ids=[EPISODE_1]))
    (manifest,) = portal_client.get_download_assets_manifests([a.asset_id for a in assets])
    assert manifest.movie_id == "81001001"
    assert {e.asset_id for e in manifest.entries} == {a.asset_id for a in assets}
    entry = manifest.entries[0]
    assert entry.download_path == f"/v1/downloads/assets/{entry.asset_id}/content"
    assert entry.type_display_name


def test_download_is_verified(portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path) -> None:
    portal.seed()
    asset_id, checksum, size = _printmaster(portal_client)
    result = portal_client.download_asset(asset_id, tmp_path / "pm.wav", sha256=checksum)
    assert result.size == size and result.resumes == 0
    assert hashlib.sha256((tmp_path / "pm.wav").read_bytes()).hexdigest() == checksum


def test_interrupted_download_resumes_by_range(
    portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path
) -> None:
    portal.seed()
    asset_id, checksum, size = _printmaster(portal_client)
    portal.faults(interruptDownloads=2, interruptAfterBytes=5000)
    dest = tmp_path / "pm.wav"
    # the default 1 MiB chunks: what arrived before the cut is kept though no chunk was complete
    result = portal_client.download_asset(asset_id, dest, sha256=checksum)
    assert result.resumes == 2
    assert result.sha256 == checksum and dest.stat().st_size == size
    assert portal.calls(f"GET /v1/downloads/assets/{asset_id}/content") == 3
    assert not (tmp_path / ".pm.wav.part").exists()
    # each attempt asked for the bytes after those it had, and nothing was sent twice
    served = _downloads(portal, asset_id)
    assert [(d["range"], d["bytesSent"]) for d in served] == [
        (None, 5000),
        ("bytes=5000-", 5000),
        ("bytes=10000-", size - 10000),
    ]
    assert sum(d["bytesSent"] for d in served) == size


def test_part_file_left_by_an_earlier_run_is_resumed(
    portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path
) -> None:
    portal.seed()
    asset_id, checksum, size = _printmaster(portal_client)
    whole = tmp_path / "whole.wav"
    portal_client.download_asset(asset_id, whole)
    (tmp_path / ".again.wav.part").write_bytes(whole.read_bytes()[: size // 2])
    result = portal_client.download_asset(asset_id, tmp_path / "again.wav", sha256=checksum)
    assert result.sha256 == checksum and result.size == size
    # the second run asked only for the half it did not have
    first, second = _downloads(portal, asset_id)
    assert (first["range"], first["bytesSent"]) == (None, size)
    assert (second["range"], second["bytesSent"]) == (f"bytes={size // 2}-", size - size // 2)


def test_corrupt_download_is_fetched_again(
    portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path
) -> None:
    portal.seed()
    asset_id, checksum, _ = _printmaster(portal_client)
    portal.faults(corruptDownloads=1)
    result = portal_client.download_asset(asset_id, tmp_path / "pm.wav", sha256=checksum)
    assert result.sha256 == checksum
    assert portal.calls(f"GET /v1/downloads/assets/{asset_id}/content") == 2


def test_persistently_corrupt_download_leaves_nothing(
    portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path
) -> None:
    portal.seed()
    asset_id, checksum, _ = _printmaster(portal_client)
    portal.faults(corruptDownloads=5)
    with pytest.raises(IntegrityError, match=r"pm\.wav") as caught:
        portal_client.download_asset(asset_id, tmp_path / "pm.wav", sha256=checksum)
    assert caught.value.data["expected_sha256"] == checksum
    assert list(tmp_path.iterdir()) == []


def test_bandwidth_cap_slows_the_download(
    portal: PortalServer, portal_client: HttpPortalClient, tmp_path: Path
) -> None:
    portal.seed()
    asset_id, _, size = _printmaster(portal_client)
    rate = 40_000
    portal.faults(downloadBytesPerSecond=rate)
    started = time.monotonic()
    portal_client.download_asset(asset_id, tmp_path / "pm.wav")
    assert time.monotonic() - started >= 0.8 * size / rate


def test_token_bucket_paces_to_its_rate() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(1000, burst=100, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        bucket(100)
    assert now[0] == pytest.approx(0.9)  # 1000 bytes at 1000 B/s, less the 100-byte burst


def test_a_server_that_would_compress_sends_the_file_as_it_is(tmp_path: Path) -> None:
    """Bytes are read raw (to keep a partial chunk on a cut), so the client asks for no encoding."""
    body = b"<tt xmlns='http://www.w3.org/ns/ttml'>" + b"<p>a subtitle line</p>\n" * 5000 + b"</tt>"

    class Compressing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            wanted = self.headers.get("Accept-Encoding") or ""
            data = gzip.compress(body) if "gzip" in wanted else body
            self.send_response(200)
            if data is not body:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Compressing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}")
    try:
        transport = PortalTransport(client, _NoLogin(), RetryPolicy(max_attempts=1))  # type: ignore[arg-type]
        result = download_to(
            transport,
            "/f.xml",
            tmp_path / "f.xml",
            sha256=hashlib.sha256(body).hexdigest(),
            chunk_size=65536,
            max_resumes=0,
        )
    finally:
        client.close()
        server.shutdown()
        server.server_close()
    assert result.size == len(body) and (tmp_path / "f.xml").read_bytes() == body


class _NoLogin:
    """Credentials for a server that asks for none."""

    def token(self) -> str:
        return "unused"

    def invalidate(self) -> None:
        pass
