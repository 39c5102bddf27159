"""An AV request whose version is an IMF package is delivered by declaring the package, exactly once."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.deliver import deliver
from flows.ingest import ingest
from slate import lifecycle
from slate.backlot import ImfTrackState
from slate.delivery import deliver_request, version_to_deliver
from slate.errors import SlateError, TransitionError
from slate.imf.deliver import package_parts
from slate.imf.package import load_package
from slate.models import DeliveryOutcome, MaterialStatus
from slate.objects import open_blob_store
from slate.store import AuditEventRow, Database, DeliveryRow, get_request
from tests.fixtures.portal import PortalServer
from tests.flows._support import assign_and_intake
from tests.imf.builders import Track, make_audio_mxf, make_video_mxf, write_package

IMF_CALL = "POST /v1/deliveries/imf"
UPLOAD_CALLS = ("POST /v1/requests/{request_id}/deliveries", "PUT /v1/deliveries/{delivery_id}/file")


@pytest.fixture(scope="module")
def essence(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("essence")
    return make_video_mxf(folder / "v.mxf", 48), make_audio_mxf(folder / "a.mxf", 2)


def _imf_zip(essence: tuple[Path, Path], folder: Path) -> tuple[Path, str]:
    """A valid complete package (image and English audio) zipped under ``IMP/``, and its CPL id."""
    video, audio = essence
    tracks = [
        Track("MainImageSequence", video, (24, 1), intrinsic=48),
        Track("MainAudioSequence", audio, (48000, 1), intrinsic=96000),
    ]
    write_package(folder / "pkg", tracks)
    archive = folder / "master.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in (folder / "pkg").iterdir():
            out.write(file, f"IMP/{file.name}")
    return archive, next(iter(load_package(folder / "pkg").cpls))


def _rows(db: Database, request_id: str) -> list[DeliveryRow]:
    with db.session() as session:
        return session.query(DeliveryRow).filter_by(request_id=request_id).order_by(DeliveryRow.attempt).all()


def _deliver_audits(db: Database, request_id: str) -> list[str]:
    with db.session() as session:
        rows = session.query(AuditEventRow).filter_by(request_id=request_id, transition="deliver").all()
        return [row.reason for row in rows]


def _status(db: Database, request_id: str) -> MaterialStatus:
    with db.session() as session:
        return get_request(session, request_id).material_status


def _uploads(portal: PortalServer) -> list[int]:
    return [portal.calls(call) for call in UPLOAD_CALLS]


def test_an_imf_version_is_declared_through_the_imf_call_once(
    portal: PortalServer, slate_db: Database, essence: tuple[Path, Path], tmp_path: Path
) -> None:
    request_id = assign_and_intake(portal, sourceType="AV_MUXED", language="en", movieId="81200001")
    archive, cpl_id = _imf_zip(essence, tmp_path)
    ingest(request_id, str(archive))
    uploads, declared = _uploads(portal), portal.calls(IMF_CALL)

    assert deliver(request_id, service_type="MASTERING_CONFORM") == cpl_id

    assert portal.calls(IMF_CALL) == declared + 1 and _uploads(portal) == uploads
    with portal.client() as client:
        (accepted,) = client.list_imf_deliveries(request_id)
        assert client.list_deliveries(request_id) == []  # no file upload was made
    assert accepted.cpl_id == cpl_id and accepted.status == "SUCCESS"
    assert {t.status for t in accepted.track_status} == {ImfTrackState.NEW}
    (row,) = _rows(slate_db, request_id)
    assert (row.outcome, row.portal_delivery_id) == (DeliveryOutcome.DELIVERED.value, cpl_id)
    assert row.receipt["kind"] == "imf" and row.receipt["cplId"] == cpl_id and row.lease_until is None
    assert _status(slate_db, request_id) is MaterialStatus.DELIVERED
    assert [r for r in _deliver_audits(slate_db, request_id) if cpl_id in r] != []

    with portal.client() as client, pytest.raises(TransitionError) as refused:
        deliver_request(slate_db, open_blob_store(), client, request_id, actor="again")
    assert refused.value.data["transition"] == "deliver" and "delivered, once" in refused.value.data["rule"]
    assert portal.calls(IMF_CALL) == declared + 1 and len(_rows(slate_db, request_id)) == 1


def test_a_package_the_portal_refuses_is_a_failed_attempt_and_the_request_stays_deliverable(
    portal: PortalServer, slate_db: Database, essence: tuple[Path, Path], tmp_path: Path
) -> None:
    """The title also has an English audio request: a CPL sent to the AV request alone is refused."""
    request_id = assign_and_intake(portal, sourceType="AV_MUXED", language="en", movieId="81200002")
    portal.create_assignment(
        movieId="81200002", title="Undertow", sourceType="AUDIO_PRINTMASTER", language="en", audioChannels=6
    )
    archive, cpl_id = _imf_zip(essence, tmp_path)
    ingest(request_id, str(archive))
    before = _status(slate_db, request_id)

    with pytest.raises(SlateError) as failed:
        deliver(request_id, service_type="MASTERING_CONFORM")

    message = str(failed.value)
    assert "refused the IMF package" in message and "STUDIO_PARTIAL_DELIVERY" in message
    assert "Next:" in message
    (row,) = _rows(slate_db, request_id)
    assert (row.outcome, row.portal_delivery_id) == (DeliveryOutcome.FAILED.value, cpl_id)
    assert row.receipt["status"] == "ERROR"
    assert any(e.startswith("STUDIO_PARTIAL_DELIVERY") for e in row.receipt["errors"])
    assert row.lease_until is None and _status(slate_db, request_id) is before
    assert _deliver_audits(slate_db, request_id) == []  # no transition was applied
    with portal.client() as client:
        assert client.list_imf_deliveries(request_id) == []
    version = version_to_deliver(slate_db, request_id)
    lifecycle.check(slate_db, request_id, "deliver", version_id=version.version_id)  # deliverable again


def test_an_answer_whose_record_was_lost_is_recovered_not_declared_again(
    portal: PortalServer, slate_db: Database, essence: tuple[Path, Path], tmp_path: Path
) -> None:
    """A worker claimed the request, got the portal's SUCCESS and died before recording it: the
    restart retires its claim once the lease ran out, asks the portal, and records what went."""
    request_id = assign_and_intake(portal, sourceType="AV_MUXED", language="en", movieId="81200003")
    archive, cpl_id = _imf_zip(essence, tmp_path)
    ingest(request_id, str(archive))
    version = version_to_deliver(slate_db, request_id)
    gone = datetime.now(UTC) - timedelta(seconds=5)
    with slate_db.session() as session:  # the dead worker's claim, its lease run out
        session.add(
            DeliveryRow(
                request_id=request_id,
                version_id=version.version_id,
                attempt=1,
                destination="portal",
                service_type="MASTERING_CONFORM",
                bytes_sent=0,
                receipt={},
                outcome=DeliveryOutcome.PENDING.value,
                started_at=gone,
                lease_until=gone,
            )
        )
    package = load_package(tmp_path / "pkg")
    with portal.client() as client:
        assert client.deliver_imf([request_id], *package_parts(package, cpl_id)).status == "SUCCESS"
    declared = portal.calls(IMF_CALL)

    assert deliver(request_id, service_type="MASTERING_CONFORM") == cpl_id

    assert portal.calls(IMF_CALL) == declared  # not declared twice (the portal would answer ERROR)
    dead, row = _rows(slate_db, request_id)
    assert dead.outcome == DeliveryOutcome.FAILED.value and "abandoned" in dead.receipt
    receipt: dict[str, Any] = row.receipt
    assert row.outcome == DeliveryOutcome.DELIVERED.value and receipt["recovered"] is True
    assert row.portal_delivery_id == cpl_id
    assert _status(slate_db, request_id) is MaterialStatus.DELIVERED
