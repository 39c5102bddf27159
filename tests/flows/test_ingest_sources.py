"""Ingest from every kind of source the flow accepts: S3 URI, HTTP URL, watch folder; and bad sources.

Each good source ends as a stored version whose size and SHA-256 are the source's, with the bytes in
the blob store. A bad source is refused with an error naming it, and leaves no version, no stored
object and the status as it was.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flows.ingest import ingest
from slate.errors import NotFound, StorageError
from slate.models import AssetColor, MaterialStatus
from slate.objects import S3Store, open_blob_store
from slate.settings import Settings, get_settings, reset_settings
from slate.store import Database
from tests.fixtures.portal import PortalServer
from tests.flows._support import assign_and_intake, sha256, state, stored_files, wav
from tests.flows.conftest import ttml


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the folder; ``/cut/<name>`` promises a file's full length and sends half of it."""

    def do_GET(self) -> None:
        if not self.path.startswith("/cut/"):
            super().do_GET()
            return
        body = (Path(self.directory) / self.path.removeprefix("/cut/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on loopback serving a folder; yields its base URL and the folder."""
    folder = tmp_path / "www"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def s3_blobs(
    monkeypatch: pytest.MonkeyPatch, slate_env: dict[str, Any], s3_settings: Settings
) -> Iterator[S3Store]:
    """Slate's blob store on the loopback S3 server (the bucket the ``s3_settings`` fixture made)."""
    assert s3_settings.s3_access_key_id and s3_settings.s3_secret_access_key
    env = {
        "SLATE_BLOB_BACKEND": "s3",
        "SLATE_S3_BUCKET": s3_settings.s3_bucket,
        "SLATE_S3_ENDPOINT_URL": str(s3_settings.s3_endpoint_url),
        "SLATE_S3_REGION": s3_settings.s3_region,
        "SLATE_S3_ACCESS_KEY_ID": s3_settings.s3_access_key_id.get_secret_value(),
        "SLATE_S3_SECRET_ACCESS_KEY": s3_settings.s3_secret_access_key.get_secret_value(),
        "SLATE_S3_MAX_ATTEMPTS": "2",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    store = open_blob_store()
    assert isinstance(store, S3Store)
    yield store
    reset_settings()


def test_an_s3_uri_is_ingested_with_its_size_and_sha256(
    portal: PortalServer, slate_db: Database, s3_blobs: S3Store, tmp_path: Path
) -> None:
    """A 5.1 WAV a partner dropped in S3 (a plain put, no Slate metadata) becomes version 1."""
    request_id = assign_and_intake(portal, sourceType="AUDIO_PRINTMASTER", audioChannels=6)
    source = wav(tmp_path / "pm_51.wav", channels=6)
    drop_key = f"incoming/{request_id}/pm_51.wav"
    s3_blobs.client.put_object(Bucket=s3_blobs.bucket, Key=drop_key, Body=source.read_bytes())

    version_id = ingest(request_id, f"s3://{s3_blobs.bucket}/{drop_key}")

    status, (version,) = state(slate_db, request_id)
    assert status is MaterialStatus.RECEIVED
    assert version.version_id == version_id and version.file_name == "pm_51.wav"
    assert (version.size, version.sha256) == (source.stat().st_size, sha256(source))
    assert version.blob_key.startswith(f"{request_id}/") and version.blob_key != drop_key
    copy = tmp_path / "back.wav"
    s3_blobs.get_to_path(version.blob_key, copy)
    assert copy.read_bytes() == source.read_bytes()


@pytest.mark.parametrize("missing", ["key", "bucket"])
def test_a_missing_s3_object_is_refused_naming_it_and_nothing_is_stored(
    missing: str, portal: PortalServer, slate_db: Database, s3_blobs: S3Store
) -> None:
    """A missing bucket is a missing source too (not a setting to fix): the error names the URI."""
    request_id = assign_and_intake(portal)
    bucket = s3_blobs.bucket if missing == "key" else "slate-no-such-drop-bucket"
    uri = f"s3://{bucket}/incoming/nothing-here.xml"
    with pytest.raises(NotFound, match=f"cannot fetch {uri}: ") as refused:
        ingest(request_id, uri)
    assert refused.value.data["url"] == uri
    assert state(slate_db, request_id) == (MaterialStatus.NOT_RECEIVED, [])
    assert s3_blobs.list(f"{request_id}/") == []


def test_an_http_url_is_ingested_with_its_size_and_sha256(
    portal: PortalServer, slate_db: Database, http_folder: tuple[str, Path]
) -> None:
    """The version keeps the file's own name, not its percent-encoded form in the URL."""
    base_url, folder = http_folder
    request_id = assign_and_intake(portal)
    source = ttml(folder / "ep 2_en.xml")

    ingest(request_id, f"{base_url}/ep%202_en.xml")

    status, (version,) = state(slate_db, request_id)
    assert status is MaterialStatus.RECEIVED and version.file_name == "ep 2_en.xml"
    assert (version.size, version.sha256) == (source.stat().st_size, sha256(source))
    blobs = open_blob_store()
    assert blobs.head(version.blob_key).sha256 == sha256(source)


def test_a_404_url_is_refused_naming_it_and_nothing_is_stored(
    portal: PortalServer, slate_db: Database, http_folder: tuple[str, Path]
) -> None:
    base_url, _ = http_folder
    request_id = assign_and_intake(portal)
    url = f"{base_url}/missing_en.xml"
    with pytest.raises(StorageError, match="404") as refused:
        ingest(request_id, url)
    assert url in str(refused.value)
    assert state(slate_db, request_id) == (MaterialStatus.NOT_RECEIVED, [])
    assert stored_files(get_settings().effective_blob_root) == []


def test_a_download_cut_half_way_is_refused_and_nothing_is_stored(
    portal: PortalServer, slate_db: Database, http_folder: tuple[str, Path]
) -> None:
    base_url, folder = http_folder
    request_id = assign_and_intake(portal)
    ttml(folder / "ep5_en.xml")
    url = f"{base_url}/cut/ep5_en.xml"
    with pytest.raises(StorageError, match=f"cannot fetch {url}: "):
        ingest(request_id, url)
    assert state(slate_db, request_id) == (MaterialStatus.NOT_RECEIVED, [])
    assert stored_files(get_settings().effective_blob_root) == []


def test_a_watch_folder_gives_its_newest_finished_file(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """Hidden files and ``.part`` files still being written are passed over, however new."""
    request_id = assign_and_intake(portal)
    folder = tmp_path / "watch"
    older, newest = ttml(folder / "ep3_en_v1.xml"), ttml(folder / "ep3_en_v2.xml")
    text = newest.read_text(encoding="utf-8").replace("Alone.", "Alone, I said.")
    newest.write_text(text, encoding="utf-8")
    partial_upload = folder / "ep3_en_v3.xml.part"
    partial_upload.write_bytes(b"<tt half")
    hidden = folder / ".ep3_en_v4.xml"
    hidden.write_bytes(b"<tt junk")
    for age, path in ((300, older), (200, newest), (0, partial_upload), (0, hidden)):
        stamp = path.stat().st_mtime - age
        os.utime(path, (stamp, stamp))

    ingest(request_id, str(folder))

    status, (version,) = state(slate_db, request_id)
    assert status is MaterialStatus.RECEIVED and version.file_name == "ep3_en_v2.xml"
    assert (version.size, version.sha256) == (newest.stat().st_size, sha256(newest))

    # A later file in the folder becomes the next version; the one before turns DARK_BLUE.
    later = ttml(folder / "ep3_en_v3.xml", lang="en-GB")
    ingest(request_id, str(folder))
    status, (first, second) = state(slate_db, request_id)
    assert status is MaterialStatus.RECEIVED
    assert (first.version_id, first.color) == (version.version_id, AssetColor.DARK_BLUE)
    assert (second.file_name, second.number, second.color) == ("ep3_en_v3.xml", 2, AssetColor.GRAY)
    assert second.sha256 == sha256(later)


@pytest.mark.parametrize("where", ["missing file", "empty watch folder"])
def test_a_missing_local_source_is_refused_naming_it_and_nothing_is_stored(
    where: str, portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = assign_and_intake(portal)
    source = tmp_path / "nowhere" / "ep4_en.xml"
    if where == "empty watch folder":
        source = tmp_path / "empty_watch"
        source.mkdir()
        (source / "upload.xml.part").write_bytes(b"<tt")
    with pytest.raises(NotFound) as refused:
        ingest(request_id, str(source))
    assert str(source) in str(refused.value)
    assert state(slate_db, request_id) == (MaterialStatus.NOT_RECEIVED, [])
    assert stored_files(get_settings().effective_blob_root) == []
