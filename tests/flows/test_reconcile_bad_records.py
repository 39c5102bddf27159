"""The reconcile flow over a portal page with bad records: every good one applied, the bad shown."""

from __future__ import annotations

import json

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from flows.reconcile import reconcile
from slate.store import Database, get_request
from slate.store.reconcile_failures import list_failures
from tests.fixtures.portal import PortalServer


def _assign(portal: PortalServer, n: int, **spec: str) -> str:
    body = {"movieId": f"8200{n:04d}", "title": f"Show {n}", "sourceType": "SUBTITLE", **spec}
    return str(portal.create_assignment(**body)["requestId"])


def test_bad_records_fail_alone_and_are_shown_in_the_run_table(
    portal: PortalServer, slate_db: Database
) -> None:
    portal.faults(dropWebhooks=10)
    good = [_assign(portal, n) for n in range(3)]
    bad = _assign(portal, 3, requestId="SR-" + "4" * 62)
    good.append(_assign(portal, 4))
    state = reconcile(return_state=True)
    assert state.is_completed() and state.result() == 4
    with slate_db.session() as session:
        assert all(get_request(session, request_id) for request_id in good)
        (failure,) = list_failures(session)
    assert failure.item_id == bad and "64" in failure.reason
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    assert "1 FAILED" in (artifact.description or "")
    rows = json.loads(str(artifact.data))
    assert {"request": bad, "change": "failed", "detail": failure.reason} in rows
