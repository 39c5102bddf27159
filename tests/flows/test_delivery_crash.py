"""A worker killed in the middle of a delivery, then restarted: exactly one delivery reaches the portal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from flows.deliver import deliver
from flows.ingest import ingest
from slate.backlot import DeliveryStatus
from slate.delivery import DeliveryReceipt, declaration_for, deliver_request, version_to_deliver
from slate.demo import make_printmaster
from slate.errors import ConflictError, SlateError, TransitionError
from slate.models import DeliveryOutcome, MaterialStatus, RejectionOrigin, Service, ServiceType
from slate.objects import open_blob_store
from slate.redelivery import record_rejection
from slate.store import Database, DeliveryRow, get_request
from tests.fixtures.portal import PortalServer
from tests.fixtures.prefect_server import PrefectServer
from tests.flows._support import assign_and_intake

CHILD = """
import sys
import pytest

from flows.deliver import deliver
deliver(sys.argv[1], service_type="MIXING", rate_mbps=10)
"""


def _printmaster_request(portal: PortalServer, tmp_path: Path) -> tuple[str, Path]:
    spec = {"movieId": "81000003", "title": "Tides", "sourceType": "AUDIO_PRINTMASTER", "audioChannels": 6}
    return assign_and_intake(portal, **spec), make_printmaster(tmp_path / "tides_51.wav", seconds=8)


def _deliver(db: Database, client: Any, request_id: str, **options: Any) -> DeliveryReceipt:
    """Slate's delivery called directly (not through the flow), as a MIXING service."""
    service = Service(type=ServiceType.MIXING)
    return deliver_request(db, open_blob_store(), client, request_id, service=service, **options)


def _attempt_started(db: Database, request_id: str) -> bool:
    with db.session() as session:
        return session.query(DeliveryRow).filter_by(request_id=request_id).count() > 0


def _portal_deliveries(portal: PortalServer, request_id: str) -> list[Any]:
    with portal.client() as client:
        return client.list_deliveries(request_id)


def test_a_delivery_killed_half_way_restarts_and_delivers_once(
    portal: PortalServer,
    slate_db: Database,
    slate_env: dict[str, Any],
    prefect_server: PrefectServer,
    tmp_path: Path,
) -> None:
    request_id, media = _printmaster_request(portal, tmp_path)
    ingest(request_id, str(media))  # RECEIVED: delivery accepts it automatically
    env = {**os.environ, **slate_env, "PREFECT_API_URL": prefect_server.api_url}
    child = subprocess.Popen([sys.executable, "-c", CHILD, request_id], env=env, start_new_session=True)
    deadline = time.monotonic() + 90
    while not _attempt_started(slate_db, request_id):
        assert child.poll() is None, "the delivery ended before it could be killed"
        assert time.monotonic() < deadline, "the delivery never started"
        time.sleep(0.1)
    time.sleep(1.5)  # about a quarter of the upload at 10 Mb/s
    assert child.poll() is None, "the delivery ended before it could be killed"
    os.killpg(child.pid, signal.SIGKILL)  # the worker dies mid-upload
    child.wait(10)
    with slate_db.session() as session:
        assert get_request(session, request_id).material_status is MaterialStatus.RECEIVED

    delivery_id = deliver(request_id, service_type="MIXING", rate_mbps=1000)

    deliveries = _portal_deliveries(portal, request_id)
    with portal.client() as client:
        assert portal.wait_delivery(client, delivery_id).status is DeliveryStatus.PROCESSED
    complete = [d for d in _portal_deliveries(portal, request_id) if d.bytes_received == d.declaration.size]
    assert [d.delivery_id for d in complete] == [delivery_id]
    assert len(deliveries) == 2  # the abandoned upload stays on the portal, incomplete
    with slate_db.session() as session:
        rows = session.query(DeliveryRow).filter_by(request_id=request_id).order_by(DeliveryRow.attempt).all()
        assert get_request(session, request_id).material_status is MaterialStatus.DELIVERED
    assert [r.outcome for r in rows] == [DeliveryOutcome.FAILED.value, DeliveryOutcome.DELIVERED.value]
    assert "abandoned" in rows[0].receipt  # the dead worker's claim ran out and the restart took over
    assert rows[1].lease_until is None


def test_two_workers_delivering_one_request_at_once_upload_it_once(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """An operator's delivery beside a lifecycle run: one uploads, the other is refused or waits it out."""
    request_id, media = _printmaster_request(portal, tmp_path)
    ingest(request_id, str(media))
    receipts: list[Any] = []
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            with portal.client() as client:
                receipts.append(
                    _deliver(slate_db, client, request_id, rate_mbps=10, actor=name, lease_seconds=3)
                )
        except SlateError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert len(receipts) == 1 and len(errors) == 1, (receipts, errors)
    # refused by the claim, the "already delivered" check, or a concurrent edit of the Service Type
    assert isinstance(errors[0], ConflictError | TransitionError)
    uploads = [d for d in _portal_deliveries(portal, request_id) if d.bytes_received]
    assert [d.delivery_id for d in uploads] == [receipts[0].portal_delivery_id]
    with slate_db.session() as session:
        outcomes = [row.outcome for row in session.query(DeliveryRow).filter_by(request_id=request_id)]
    assert outcomes.count(DeliveryOutcome.DELIVERED.value) == 1


def test_a_delivery_whose_record_was_lost_is_recovered_not_sent_again(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id, media = _printmaster_request(portal, tmp_path)
    ingest(request_id, str(media))
    version = version_to_deliver(slate_db, request_id)
    with portal.client() as client:  # a previous attempt reached the portal, then the worker died
        sent = client.deliver(
            request_id, media, declaration_for(version, media, Service(type=ServiceType.MIXING))
        )
        portal.wait_delivery(client, sent.delivery_id)
    uploads = portal.calls("PUT /v1/deliveries/{delivery_id}/file")

    assert deliver(request_id, service_type="MIXING") == sent.delivery_id
    assert portal.calls("PUT /v1/deliveries/{delivery_id}/file") == uploads
    with slate_db.session() as session:
        assert get_request(session, request_id).material_status is MaterialStatus.DELIVERED
    assert open_blob_store().exists(version.blob_key)


def test_a_delivery_the_request_refuses_afterwards_keeps_the_portals_receipt(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """Rejected internally while uploading: the transition is refused, the portal's delivery is kept."""

    request_id, media = _printmaster_request(portal, tmp_path)
    ingest(request_id, str(media))
    rejected: list[bool] = []

    def reject_meanwhile(sent: int, total: int) -> None:
        if not rejected and sent > total // 2:
            rejected.append(True)
            with slate_db.session() as session:
                record_rejection(
                    session, request_id, origin=RejectionOrigin.INTERNAL, reason_code="OPERATOR", actor="qc"
                )

    with portal.client() as client, pytest.raises(TransitionError):
        _deliver(slate_db, client, request_id, rate_mbps=1000, actor="test", progress=reject_meanwhile)
    with slate_db.session() as session:
        (row,) = session.query(DeliveryRow).filter_by(request_id=request_id).all()
    assert row.outcome == DeliveryOutcome.DELIVERED.value and row.portal_delivery_id
    assert row.receipt["deliveryId"] == row.portal_delivery_id
