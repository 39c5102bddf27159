"""What an operator sees of one assignment in Prefect: run names and tags, events, artifacts.

One assignment goes through intake and the lifecycle flow (ingest, validate, deliver) against the
real Prefect server of the session, and everything is read back through Prefect's API, as the UI
would: each run is renamed ``<step> <request> <type> <language>`` and tagged; every line of the
audit trail has its ``slate.<kind>.status-changed`` event with the request as resource; and the
runs carry their artifacts (ingest summary, QC report, receipt, upload progress, status panels).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import Artifact, FlowRun
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.events.schemas.events import ReceivedEvent

from flows.intake import intake
from flows.lifecycle import lifecycle
from slate.store import Database, audit_trail, list_versions
from tests.fixtures.portal import PortalServer
from tests.flows._support import assign_and_intake
from tests.flows.conftest import ttml

TITLE = "Riptide"
KIND = {"material": "material", "version": "asset", "portal": "portal"}


@pytest.fixture
def delivered(portal: PortalServer, slate_db: Database, tmp_path: Path) -> str:
    """A subtitle assignment taken in, ingested, validated clean and delivered; its request id."""
    request_id = assign_and_intake(portal, title=TITLE, language="es")
    outcome = lifecycle(request_id, str(ttml(tmp_path / "ep1_es.xml", lang="es")), service_type="SUBTITLING")
    assert outcome.startswith(f"{request_id}: delivered as "), outcome
    delivery_id = outcome.rsplit(" ", 1)[-1]
    with portal.client() as client:
        portal.wait_delivery(client, delivery_id)
    portal._call("POST", f"/deliveries/{delivery_id}/accept")
    intake(  # the portal's webhook about its new status
        {
            "id": f"EVT-{request_id}-accepted",
            "type": "assignment.updated",
            "occurred_at": datetime.now(UTC).isoformat(),
            "request_id": request_id,
            "data": {},
        }
    )
    return request_id


def _runs(client: SyncPrefectClient, request_id: str) -> dict[str, FlowRun]:
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"request:{request_id}"]))
    )
    return {run.name.split(" ", 1)[0]: run for run in runs}


def _events(client: SyncPrefectClient, request_id: str, expected: int) -> list[ReceivedEvent]:
    """The request's Slate events as the server stored them (they arrive asynchronously)."""
    deadline = time.monotonic() + 30
    while True:
        wanted = EventFilter(  # built each time: its window ends at "now"
            event=EventNameFilter(prefix=["slate."]),
            resource=EventResourceFilter(id=[f"slate.request.{request_id}"]),
        )
        page = client.read_events(filter=wanted, limit=50)
        if len(page.events) >= expected or time.monotonic() > deadline:
            return page.events
        time.sleep(0.5)


def _artifacts(client: SyncPrefectClient, run: FlowRun) -> list[Artifact]:
    return client.read_artifacts(
        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
    )


def test_each_run_is_named_and_tagged_after_its_request(delivered: str) -> None:
    with get_client(sync_client=True) as client:
        runs = _runs(client, delivered)
    steps = ("intake", "lifecycle", "ingest", "validate", "deliver")
    assert set(runs) >= set(steps), sorted(r.name for r in runs.values())
    for step in steps:
        run = runs[step]
        assert run.name == f"{step} {delivered} subtitle es"
        assert {f"request:{delivered}", f"title:{TITLE}", "type:subtitle"} <= set(run.tags)


def test_every_status_change_is_a_prefect_event_about_the_request(delivered: str, slate_db: Database) -> None:
    with slate_db.session() as session:
        trail = audit_trail(session, delivered)
        (version,) = list_versions(session, delivered)
    assert {(e.subject, e.to_state) for e in trail} >= {
        ("material", "NOT_RECEIVED"),
        ("material", "RECEIVED"),
        ("material", "ACCEPTED"),
        ("material", "DELIVERED"),
        ("version", "LIGHT_BLUE"),
        ("portal", "ACCEPTED"),
    }
    with get_client(sync_client=True) as client:
        events = _events(client, delivered, len(trail))

    def key(name: str, payload: dict[str, Any]) -> tuple[Any, ...]:
        return (name, payload["from_state"], payload["to_state"], payload["version_id"])

    expected = Counter(
        key(
            f"slate.{KIND[e.subject]}.status-changed",
            e.model_dump(include={"from_state", "to_state", "version_id"}),
        )
        for e in trail
    )
    assert Counter(key(event.event, event.payload) for event in events) == expected
    for event in events:
        assert event.resource.id == f"slate.request.{delivered}"
        assert event.resource.get("prefect.resource.name") == delivered
        assert event.payload["title"] == TITLE and event.payload["source_type"] == "SUBTITLE"
        assert event.payload["event"].split(".")[1] in KIND  # which transition: slate.material.receive, …
        versions = [r.id for r in event.related if r.role == "version"]
        assert versions == ([f"slate.version.{version.version_id}"] if event.payload["version_id"] else [])
        # Prefect links the event to the run that emitted it, so an operator can go from one to the other.
        assert any(r.id.startswith("prefect.flow-run.") for r in event.related), event.related


def test_the_lifecycle_runs_post_their_artifacts(delivered: str, slate_db: Database) -> None:
    with slate_db.session() as session:
        (version,) = list_versions(session, delivered)
    with get_client(sync_client=True) as client:
        runs = _runs(client, delivered)
        posted = {step: _artifacts(client, runs[step]) for step in ("ingest", "validate", "deliver")}
    slug = delivered.lower()

    def one(step: str, key: str) -> Artifact:
        (found,) = [a for a in posted[step] if a.key == key]
        return found

    ingested = one("ingest", f"ingest-{slug}")
    assert ingested.type == "markdown" and version.sha256 in str(ingested.data)
    report = one("validate", f"qc-{slug}")
    assert report.type == "markdown" and str(report.data).startswith(f"# QC {delivered} SUBTITLE es")
    assert "clean" in str(report.data)
    receipt = one("deliver", f"receipt-{slug}")
    assert receipt.type == "markdown" and "# Delivery receipt" in str(receipt.data)
    assert version.sha256 in str(receipt.data) and "ep1_es.xml" in str(receipt.data)
    for step in ("ingest", "deliver"):  # storing the file, uploading it: both show their progress
        (progress,) = [a for a in posted[step] if a.type == "progress"]
        assert progress.data == 100.0
    for step in ("ingest", "validate", "deliver"):
        (panel,) = [a for a in posted[step] if a.type == "table"]
        assert delivered in str(panel.data)
