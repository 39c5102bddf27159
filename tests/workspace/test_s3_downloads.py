"""Downloads when the blobs live on S3: the workspace checks access, logs, then redirects to S3.

The workspace runs on the real S3 API server on loopback (moto's server mode) with the seeded
season's bytes stored there; the presigned URL it hands out is followed by a plain HTTP client
without the workspace's cookie, as a browser would follow it to S3.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from slate.objects import S3Store
from slate.people import ShareDownloadRow, ShareSubject, create_share
from slate.store import AssetVersionRow, Database
from tests.fixtures.portal import free_socket, serve_in_thread
from tests.workspace.conftest import log_in
from workspace import WorkspaceSettings, create_app


@pytest.fixture
def blobs(s3_store: S3Store) -> S3Store:
    """The workspace's blob store for these tests: a fresh bucket on the loopback S3 server."""
    return s3_store


def _version_of(db: Database, request_id: str) -> AssetVersionRow:
    with db.session() as session:
        found = session.query(AssetVersionRow).filter_by(request_id=request_id).one()
        session.expunge(found)
        return found


def test_a_download_redirects_to_a_short_lived_presigned_url_that_serves_the_bytes(
    make_client: Any, app_parts: Any, s3_server: str
) -> None:
    db, store, _runs = app_parts
    version = _version_of(db, "SR-101")
    answer = make_client("otto").get(f"/versions/{version.version_id}/download")
    assert answer.status_code == 303 and answer.content == b""  # no bytes through the workspace
    location = answer.headers["location"]
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == s3_server
    assert parts.path == f"/{store.bucket}/{version.blob_key}"
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"][0]
    assert query["response-content-disposition"] == ["attachment; filename*=UTF-8''sr-101_v1.bin"]
    fetched = httpx.get(location, timeout=30)  # no cookie: the signature is the permission
    assert fetched.status_code == 200 and fetched.content == b"SR-101 v1\n"
    assert fetched.headers["content-disposition"] == "attachment; filename*=UTF-8''sr-101_v1.bin"
    assert httpx.get(location.split("?")[0], timeout=30).status_code == 403  # unsigned, S3 refuses


def test_through_a_share_the_redirect_comes_after_the_access_check_and_is_logged(
    make_client: Any, app_parts: Any
) -> None:
    db, _store, _runs = app_parts
    shared, other = _version_of(db, "SR-101"), _version_of(db, "SR-102")
    with db.session() as session:
        create_share(
            session, ShareSubject.REQUEST, "SR-101", grantee="fay", created_by="otto", can_download=True
        )
    fay = make_client("fay")
    refused = fay.get(f"/versions/{other.version_id}/download")
    assert refused.status_code == 404 and "location" not in refused.headers
    answer = fay.get(f"/versions/{shared.version_id}/download")
    assert answer.status_code == 303
    assert httpx.get(answer.headers["location"], timeout=30).content == b"SR-101 v1\n"
    with db.session() as session:
        logged = session.query(ShareDownloadRow).all()
        assert [(d.version_id, d.user_id is not None) for d in logged] == [(shared.version_id, True)]


def test_with_redirects_off_the_bytes_stream_through_the_workspace(app_parts: Any, s3_store: S3Store) -> None:
    """For an S3 endpoint people's browsers cannot reach: the same check, the bytes from S3 via us."""
    db, _store, runs = app_parts
    version = _version_of(db, "SR-101")
    settings = WorkspaceSettings(download_redirect=False)
    sock = free_socket()
    host, port = sock.getsockname()
    server, thread = serve_in_thread(create_app(db, s3_store, settings, starter=runs), sock)
    try:
        with httpx.Client(base_url=f"http://{host}:{port}", timeout=30) as client:
            assert log_in(client, "otto").status_code == 303
            answer = client.get(f"/versions/{version.version_id}/download")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    assert answer.status_code == 200 and answer.content == b"SR-101 v1\n"
    assert answer.headers["content-disposition"] == "attachment; filename*=UTF-8''sr-101_v1.bin"
