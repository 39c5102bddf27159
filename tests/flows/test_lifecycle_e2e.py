"""End to end against a real Prefect server and the emulator: intake → ingest → validate → deliver."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.deliver import deliver
from flows.intake import intake
from flows.lifecycle import lifecycle
from flows.reconcile import reconcile
from slate.errors import InvalidInput, TransitionError
from slate.models import MaterialStatus, PortalStatus
from slate.store import Database, audit_trail, get_request, list_versions
from tests.fixtures.portal import PortalServer
from tests.flows.conftest import ttml


def _event(request_id: str, kind: str = "assignment.created") -> dict[str, Any]:
    return {
        "id": f"EVT-{request_id}-{kind}",
        "type": kind,
        "occurred_at": datetime.now(UTC).isoformat(),
        "request_id": request_id,
        "data": {},
    }


def _assign(portal: PortalServer, **spec: Any) -> str:
    spec = {
        "movieId": "81000001",
        "title": "The Long Night",
        "sourceType": "SUBTITLE",
        "language": "en",
        **spec,
    }
    return str(portal.create_assignment(**spec)["requestId"])


def _status(db: Database, request_id: str) -> tuple[MaterialStatus, PortalStatus]:
    with db.session() as session:
        request = get_request(session, request_id)
    return request.material_status, request.portal_status


def test_assignment_to_acceptance(portal: PortalServer, slate_db: Database, tmp_path: Path) -> None:
    request_id = _assign(portal)
    assert intake(_event(request_id)) == request_id
    assert _status(slate_db, request_id) == (MaterialStatus.NOT_RECEIVED, PortalStatus.OPEN)

    outcome = lifecycle(request_id, str(ttml(tmp_path / "ep1_en.xml")), service_type="SUBTITLING")
    assert outcome.startswith(f"{request_id}: delivered as ")
    delivery_id = outcome.rsplit(" ", 1)[-1]
    with portal.client() as client:
        delivered = portal.wait_delivery(client, delivery_id)
        assert delivered.status.value == "PROCESSED"
        assert delivered.declaration.service_type.value == "SUBTITLING"
    portal._call("POST", f"/deliveries/{delivery_id}/accept")

    reconcile()
    assert _status(slate_db, request_id) == (MaterialStatus.DELIVERED, PortalStatus.ACCEPTED)
    with slate_db.session() as session:
        trail = [(e.subject, e.to_state) for e in audit_trail(session, request_id)]
        (version,) = list_versions(session, request_id)
    assert ("material", "DELIVERED") in trail and ("portal", "ACCEPTED") in trail
    assert version.frozen and version.color.value == "LIGHT_BLUE"


def test_delivery_without_service_type_is_refused_with_nothing_changed(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = _assign(portal)
    intake(_event(request_id))
    from flows.ingest import ingest
    from flows.validate import validate

    ingest(request_id, str(ttml(tmp_path / "ep1_en.xml")))
    assert validate(request_id) == "accepted"
    before = _status(slate_db, request_id)
    uploads_before = portal.calls("PUT /v1/deliveries/{delivery_id}/file")
    with pytest.raises(TransitionError, match="Service Type"):
        deliver(request_id)
    assert _status(slate_db, request_id) == before == (MaterialStatus.ACCEPTED, PortalStatus.OPEN)
    assert portal.calls("PUT /v1/deliveries/{delivery_id}/file") == uploads_before


@pytest.mark.parametrize("rate", [0, 15, 1010])
def test_a_rate_off_the_steps_is_refused(rate: int, slate_env: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="steps of 10 Mb/s"):
        deliver("SR-ANY", service_type="SUBTITLING", rate_mbps=rate)


def test_a_file_that_does_not_fit_is_refused_and_nothing_stored(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    from flows.ingest import ingest

    request_id = _assign(portal, language="es")
    intake(_event(request_id))
    with pytest.raises(InvalidInput, match="language en, the request is for es"):
        ingest(request_id, str(ttml(tmp_path / "ep1_en.xml", lang="en")))
    with slate_db.session() as session:
        assert list_versions(session, request_id) == []
    assert _status(slate_db, request_id)[0] is MaterialStatus.NOT_RECEIVED


def test_a_dropped_webhook_is_repaired_by_reconcile_and_a_second_run_changes_nothing(
    portal: PortalServer, slate_db: Database
) -> None:
    portal.faults(dropWebhooks=5)
    request_id = _assign(portal, language="es")
    assert reconcile() >= 1
    assert _status(slate_db, request_id) == (MaterialStatus.NOT_RECEIVED, PortalStatus.OPEN)
    with slate_db.session() as session:
        trail = len(audit_trail(session, request_id))
    assert reconcile() == 0
    with slate_db.session() as session:
        assert len(audit_trail(session, request_id)) == trail
    portal._call("PATCH", f"/assignments/{request_id}", json={"status": "CANCELED"})
    assert reconcile() == 1
    assert _status(slate_db, request_id) == (MaterialStatus.CANCELED, PortalStatus.CANCELED)
