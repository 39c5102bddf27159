"""The workspace's pages and actions through its HTTP interface, on a seeded season."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from slate.people import ShareDownloadRow
from slate.store import AssetVersionRow, QCReportRow, audit_trail, get_request
from tasks.qc import validate_file
from tests.imf.builders import Track, make_audio_mxf, make_video_mxf, write_package
from tests.workspace._season import STORY
from tests.workspace.conftest import csrf_of
from validators import QCContext

CHIP = re.compile(r'data-request="(SR-\d+)" data-color="(\w+)"')


def chips(html: str) -> dict[str, str]:
    return dict(CHIP.findall(html))


def test_the_table_shows_each_request_as_a_chip_of_its_colour(make_client: Any) -> None:
    page = make_client("otto").get("/")
    assert page.status_code == 200
    assert chips(page.text) == STORY
    assert "The Long Night" in page.text and "package PKG-S1" in page.text
    assert "accepted 1/10" in page.text and "delivered 1/10" in page.text
    assert page.text.count('class="flag late"') == 1  # episode 1 is overdue, episode 2 is not
    assert "v2" in page.text  # SR-104 was upgraded


def test_column_filters_and_search_narrow_the_rows_and_stay_in_the_url(make_client: Any) -> None:
    client = make_client("pam")
    rejected = client.get("/?audio=rejected")
    assert set(chips(rejected.text)) == {f"SR-10{n}" for n in range(1, 6)}  # only episode 1 has a RED audio
    active = client.get("/?timed_text=active&video=not_available")
    assert set(chips(active.text)) == {f"SR-20{n}" for n in range(1, 6)}
    upgraded = client.get("/?timed_text=upgraded")
    assert "SR-104" in chips(upgraded.text) and "SR-204" not in chips(upgraded.text)
    assert set(chips(client.get("/?q=es").text)) == {"SR-104", "SR-204"}  # a language
    assert set(chips(client.get("/?q=sr-203").text)) == {"SR-203"}  # a request id
    assert len(chips(client.get("/?q=pkg-s1").text)) == 10  # a package id
    assert chips(client.get("/?q=nothing-like-this").text) == {}
    assert client.get("/?audio=bogus&page=-3&sort=due&desc=true").status_code == 200


def test_a_request_page_shows_panels_versions_qc_and_the_audit_trail(make_client: Any) -> None:
    page = make_client("otto").get("/requests/SR-104")
    assert page.status_code == 200
    text = page.text
    assert "subtitle_es.srt v1" in text and "subtitle_es.srt v2" in text
    assert (
        "DARK_BLUE" in text and 'id="material-status">RECEIVED' in text and 'id="portal-status">OPEN' in text
    )
    assert "sha256" in text and "receive" in text
    delivered = make_client("otto").get("/requests/SR-103").text
    assert "SUBTITLING" in delivered and 'id="portal-status">ACCEPTED' in delivered


def test_an_operator_uploads_sets_the_service_and_starts_validation_and_delivery(
    make_client: Any, app_parts: Any
) -> None:
    db, _blobs, runs = app_parts
    client = make_client("otto")
    token = csrf_of(client, "/requests/SR-204")
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nHola\n"
    done = client.post(
        "/requests/SR-204/upload",
        data={"csrf": token},
        files={"file": ("ep2_es.srt", srt, "application/x-subrip")},
    )
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    assert "ep2_es.srt v1" in page
    with db.session() as session:
        trail = audit_trail(session, "SR-204")
        assert get_request(session, "SR-204").material_status == "RECEIVED"
    assert trail[-1].actor == "otto"  # the person, not a process, is the actor
    assert client.post("/requests/SR-204/validate", data={"csrf": token}).status_code == 303
    assert (
        client.post(
            "/requests/SR-204/service", data={"csrf": token, "service_type": "SUBTITLING"}
        ).status_code
        == 303
    )
    delivered = client.post("/requests/SR-204/deliver", data={"csrf": token, "rate_mbps": "50"})
    assert delivered.status_code == 303
    assert [r[0] for r in runs.started] == ["validate/validate", "deliver/deliver"]
    assert runs.started[1][1] == {"request_id": "SR-204", "service_type": "SUBTITLING", "rate_mbps": 50}
    assert "by:otto" in runs.started[1][2]
    linked = client.get(delivered.headers["location"]).text
    assert "http://127.0.0.1:4200/runs/flow-run/0b0d0f00-1111-2222-3333-444455556666" in linked


def test_a_wrong_upload_is_refused_with_the_rule_and_changes_nothing(
    make_client: Any, app_parts: Any
) -> None:
    db, _blobs, _runs = app_parts
    client = make_client("otto")
    token = csrf_of(client, "/requests/SR-204")
    refused = client.post(
        "/requests/SR-204/upload", data={"csrf": token}, files={"file": ("notes.pdf", b"%PDF-1.4")}
    )
    assert refused.status_code == 400 and "DOCS" in refused.text
    with db.session() as session:
        assert get_request(session, "SR-204").material_status == "NOT_RECEIVED"


def test_delivery_is_refused_before_a_run_when_the_state_forbids_it(make_client: Any, app_parts: Any) -> None:
    _db, _blobs, runs = app_parts
    client = make_client("otto")
    token = csrf_of(client, "/requests/SR-105")
    assert client.post("/requests/SR-105/deliver", data={"csrf": token}).status_code == 403  # NOT_RECEIVED
    assert runs.started == []


def test_sharing_with_a_freelancer_shows_them_that_request_only_and_logs_downloads(
    make_client: Any, app_parts: Any
) -> None:
    db, _blobs, _runs = app_parts
    fay = make_client("fay")
    assert chips(fay.get("/").text) == {}
    assert fay.get("/requests/SR-101").status_code == 404
    otto = make_client("otto")
    token = csrf_of(otto, "/requests/SR-101")
    shared = otto.post(
        "/requests/SR-101/shares",
        data={
            "csrf": token,
            "subject": "request",
            "grantee": "fay",
            "can_download": "1",
            "note": "conform it",
        },
    )
    assert shared.status_code == 303
    assert chips(fay.get("/").text) == {"SR-101": "LIGHT_BLUE"}
    page = fay.get("/requests/SR-101")
    assert page.status_code == 200 and 'id="share-form"' not in page.text and 'id="validate"' not in page.text
    version = re.search(r"/versions/(\d+)/download", page.text)
    assert version is not None
    got = fay.get(f"/versions/{version.group(1)}/download")
    assert got.status_code == 200 and got.content == b"SR-101 v1\n"
    with db.session() as session:
        assert session.query(ShareDownloadRow).count() == 1
    assert fay.get("/requests/SR-102").status_code == 404
    share_id = re.search(r"/shares/(\d+)/revoke", otto.get("/requests/SR-101").text)
    assert share_id is not None
    assert (
        otto.post(f"/requests/SR-101/shares/{share_id.group(1)}/revoke", data={"csrf": token}).status_code
        == 303
    )
    assert fay.get("/requests/SR-101").status_code == 404
    assert chips(fay.get("/").text) == {}


def test_metadata_is_frozen_once_accepted(make_client: Any) -> None:
    client = make_client("pam")
    accepted = client.get("/requests/SR-101").text
    assert 'id="save-notes"' not in accepted
    token = csrf_of(client)
    assert (
        client.post(
            "/requests/SR-101/notes", data={"csrf": token, "notes": "x", "row_version": "1"}
        ).status_code
        == 403
    )
    assert 'id="save-notes"' in client.get("/requests/SR-105").text


def test_an_imf_versions_qc_report_lays_out_its_composition(
    make_client: Any, app_parts: Any, tmp_path: Path
) -> None:
    """The request page shows the package's timeline (segments, sequences, resources) from its report."""
    database = app_parts[0]
    folder = tmp_path / "pkg"
    write_package(
        folder,
        [
            Track("MainImageSequence", make_video_mxf(tmp_path / "v.mxf", frames=48), (24, 1), intrinsic=48),
            Track("MainAudioSequence", make_audio_mxf(tmp_path / "a.mxf", seconds=2), (48000, 1), 96000),
        ],
    )
    archive = tmp_path / "master.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in folder.iterdir():
            out.write(file, f"IMP/{file.name}")
    report = validate_file(archive, None, QCContext(asset_type="av"), subject="master.zip")
    with database.session() as session:
        version_id = session.scalars(
            select(AssetVersionRow.version_id).where(AssetVersionRow.request_id == "SR-101")
        ).first()
        session.add(
            QCReportRow(
                version_id=version_id,
                request_id="SR-101",
                profile=report.profile,
                worst=None,
                blocked=report.blocked,
                report=report.model_dump(mode="json"),
                created_at=datetime.now(UTC),
            )
        )
    page = make_client("otto").get("/requests/SR-101").text
    (composition,) = report.measurements["imf"]
    assert f"CPL {composition['cpl_id']}" in page and "48 frames at 24" in page
    rows = re.findall(r"<tr><td>1</td><td>(Main\w+)</td><td><code>urn:uuid:[0-9a-f-]+</code></td>", page)
    assert rows == ["MainImageSequence", "MainAudioSequence"]
    assert "<td>48000</td><td>0</td><td>96000</td>" in page  # the audio resource at its own rate
