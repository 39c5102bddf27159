"""The deliver flow runs the delivery-preconditions validator before a byte moves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.deliver import deliver
from flows.ingest import ingest
from slate.demo import make_printmaster
from slate.errors import InvalidInput, TransitionError
from slate.models import MaterialStatus, PortalStatus
from slate.store import Database, DeliveryRow, get_request
from tasks.deliver import parse_service
from tests.fixtures.portal import PortalServer
from tests.flows._support import assign_and_intake


def _received_printmaster(portal: PortalServer, tmp_path: Path) -> str:
    spec = {"movieId": "81000009", "title": "Ebb", "sourceType": "AUDIO_PRINTMASTER", "audioChannels": 6}
    request_id = assign_and_intake(portal, **spec)
    ingest(request_id, str(make_printmaster(tmp_path / "ebb_51.wav", seconds=2)))
    return request_id


def test_a_request_the_portal_no_longer_takes_files_for_is_refused_before_upload(
    portal: PortalServer, slate_db: Database, slate_env: dict[str, Any], tmp_path: Path
) -> None:
    request_id = _received_printmaster(portal, tmp_path)
    # The portal closed it, and no webhook or reconcile told Slate: delivery reads the portal itself.
    portal._call("PATCH", f"/assignments/{request_id}", json={"status": PortalStatus.ACCEPTED.value})
    uploads = portal.calls("PUT /v1/deliveries/{delivery_id}/file")

    with pytest.raises(TransitionError) as refused:
        deliver(request_id, service_type="MIXING")

    assert "DELIVERY_REQUEST_STATUS" in refused.value.data["findings"]
    assert portal.calls("PUT /v1/deliveries/{delivery_id}/file") == uploads
    with slate_db.session() as session:
        assert session.query(DeliveryRow).filter_by(request_id=request_id).count() == 0
        assert get_request(session, request_id).material_status is MaterialStatus.RECEIVED


@pytest.mark.parametrize(
    ("value", "expected"),
    [("SUBTITLES-ISH", "one of SUBTITLING"), ("OTHER", "OTHER carries a text")],
)
def test_a_bad_service_type_names_the_parameter_and_what_is_allowed(value: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_service(value)
    assert refused.value.data["parameter"] == "service_type"
    assert expected in str(refused.value) + refused.value.data["rule"]
