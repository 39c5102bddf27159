"""The operator's decision on a paused validation, and a redelivery round trip with auto-correction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect.flow_runs import resume_flow_run

from flows.deliver import deliver
from flows.ingest import ingest
from flows.reconcile import reconcile
from flows.redelivery import redelivery
from flows.validate import validate
from slate.models import AssetColor, MaterialStatus
from slate.store import Database, get_request, list_versions
from slate.store.webhook_events import get_event
from tests.fixtures.portal import PortalServer
from tests.flows._support import assign_and_intake, paused_run, validate_in_background
from tests.flows.conftest import ttml


def test_blockers_pause_for_the_operator_and_a_justified_approval_accepts(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = assign_and_intake(portal, movieId="81000002", title="Harbour")
    ingest(request_id, str(ttml(tmp_path / "hour_off.xml", offset_hours=1)))
    thread, result = validate_in_background(request_id)
    run_id = paused_run(request_id)
    with slate_db.session() as session:
        assert (
            get_request(session, request_id).material_status is MaterialStatus.RECEIVED
        )  # nothing decided yet
    resume_flow_run(
        run_id, run_input={"action": "accept", "justification": "client asked for the hour offset"}
    )
    thread.join(120)
    assert result.get("outcome") == "accepted by the operator", result
    with slate_db.session() as session:
        assert get_request(session, request_id).material_status is MaterialStatus.ACCEPTED


def test_a_redelivery_for_an_offset_is_corrected_validated_and_delivered(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = assign_and_intake(portal, movieId="81000002", title="Harbour")
    ingest(request_id, str(ttml(tmp_path / "hour_off.xml", offset_hours=1)))
    thread, result = validate_in_background(request_id)
    resume_flow_run(paused_run(request_id), run_input={"action": "accept", "justification": "ship it"})
    thread.join(120)
    assert result.get("outcome") == "accepted by the operator", result
    first = deliver(request_id, service_type="SUBTITLING")
    with portal.client() as client:
        portal.wait_delivery(client, first)

    order = {
        "reasonCode": "SYNC_GLOBAL_OFFSET",
        "reason": "subtitles an hour late",
        "timecodes": ["01:00:01:00"],
    }
    redelivery_request = portal._call("POST", f"/requests/{request_id}/redelivery", json=order)
    event = {
        "id": "EVT-RR-1",
        "type": "redelivery.requested",
        "occurred_at": datetime.now(UTC).isoformat(),
        "request_id": request_id,
        "data": {"redeliveryId": redelivery_request["redeliveryId"]},
    }
    outcome = redelivery(event)

    assert "corrected" in outcome and "redelivered as" in outcome, outcome
    second = outcome.rsplit(" ", 1)[-1]
    assert second != first
    with portal.client() as client:
        assert portal.wait_delivery(client, second).status.value == "PROCESSED"
    with slate_db.session() as session:
        versions = list_versions(session, request_id)
        assert get_request(session, request_id).material_status is MaterialStatus.DELIVERED
    assert [v.color for v in versions] == [AssetColor.RED, AssetColor.LIGHT_BLUE]
    assert versions[1].frozen and versions[1].file_name.endswith(".fixed.xml")
    assert redelivery(event).endswith("already answered; nothing to do")  # the webhook again, or reconcile
    with slate_db.session() as session:
        assert len(list_versions(session, request_id)) == 2


def test_a_redelivery_request_whose_webhook_was_lost_is_corrected_after_reconcile(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """Reconcile records it and queues the run the webhook would have started; that run corrects."""
    request_id = assign_and_intake(portal, movieId="81000002", title="Harbour")
    ingest(request_id, str(ttml(tmp_path / "clean.xml")))
    assert validate(request_id).startswith("accepted")
    first = deliver(request_id, service_type="SUBTITLING")
    with portal.client() as client:
        portal.wait_delivery(client, first)
    order = {"reasonCode": "METADATA_ONLY", "reason": "wrong language tag declared"}
    redelivery_id = portal._call("POST", f"/requests/{request_id}/redelivery", json=order)["redeliveryId"]

    reconcile()  # no webhook came: reconcile records the rejection and stores the missed event

    with slate_db.session() as session:
        assert get_request(session, request_id).material_status is MaterialStatus.REDELIVERY_REQUESTED
        queued = get_event(session, f"reconcile:{redelivery_id}")
    assert queued is not None and queued.event_type == "redelivery.requested"
    outcome = redelivery(queued.body)  # the run the dispatcher starts from that event
    assert "redelivered as" in outcome, outcome
    with slate_db.session() as session:
        assert get_request(session, request_id).material_status is MaterialStatus.DELIVERED
        colors = [v.color for v in list_versions(session, request_id)]
    assert colors == [AssetColor.RED, AssetColor.LIGHT_BLUE]
    assert redelivery(queued.body).endswith("already answered; nothing to do")


def test_a_webhook_redelivery_after_reconcile_saw_processed_is_delivered_once(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """Slate's copy says PROCESSED (reconcile ran after the first delivery); the portal now asks for a
    redelivery and its webhook starts the run before any reconcile: the run reads the portal's status
    itself, corrects and delivers, and the portal holds exactly the two deliveries."""
    request_id = assign_and_intake(portal, movieId="81000002", title="Harbour")
    ingest(request_id, str(ttml(tmp_path / "clean.xml")))
    assert validate(request_id).startswith("accepted")
    first = deliver(request_id, service_type="SUBTITLING")
    with portal.client() as client:
        portal.wait_delivery(client, first)
    reconcile()
    with slate_db.session() as session:
        assert get_request(session, request_id).portal_status.value == "PROCESSED"
    order = {"reasonCode": "METADATA_ONLY", "reason": "wrong language tag declared"}
    redelivery_id = portal._call("POST", f"/requests/{request_id}/redelivery", json=order)["redeliveryId"]
    event = {
        "id": "EVT-RR-STALE",
        "type": "redelivery.requested",
        "occurred_at": datetime.now(UTC).isoformat(),
        "request_id": request_id,
        "data": {"redeliveryId": redelivery_id},
    }

    outcome = redelivery(event)

    assert "redelivered as" in outcome, outcome
    with slate_db.session() as session:
        request = get_request(session, request_id)
    assert request.material_status is MaterialStatus.DELIVERED
    with portal.client() as client:
        assert [d.delivery_id for d in client.list_deliveries(request_id)] == [
            first,
            outcome.rsplit(" ", 1)[-1],
        ]


def test_the_portals_later_verdict_updates_the_stored_receipt(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """The upload ends PENDING_INSPECTION/PROCESSED; the studio's acceptance reaches the receipt."""
    from sqlalchemy import select

    from slate.store import DeliveryRow

    request_id = assign_and_intake(portal, movieId="81000002", title="Harbour")
    ingest(request_id, str(ttml(tmp_path / "clean.xml")))
    assert validate(request_id).startswith("accepted")
    portal_id = deliver(request_id, service_type="SUBTITLING")
    with portal.client() as client:
        portal.wait_delivery(client, portal_id)
    portal._call("POST", f"/deliveries/{portal_id}/accept")

    reconcile()

    with slate_db.session() as session:
        row = session.scalars(select(DeliveryRow).where(DeliveryRow.portal_delivery_id == portal_id)).one()
    assert row.outcome == "ACCEPTED"
    assert row.receipt["status"] == "ACCEPTED" and row.receipt["inspected_at"]
