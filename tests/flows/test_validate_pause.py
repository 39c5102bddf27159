"""A validation that stops for the operator: a pause nobody answers, and a reject with a reason.

A pause that times out must leave the request waiting with nothing lost (the version, its stored
report, the RECEIVED status), so a later validation can still be decided. An operator's rejection
through the pause form turns the version RED, records the reason as an internal rejection and
writes it into the audit trail.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterName,
)
from prefect.flow_runs import resume_flow_run
from sqlalchemy import select

from flows.ingest import ingest
from flows.validate import Verdict, validate
from slate.models import AssetColor, MaterialStatus
from slate.settings import reset_settings
from slate.store import Database, QCReportRow, RejectionRow, audit_trail
from tests.fixtures.portal import PortalServer
from tests.fixtures.prefect_server import PrefectServer
from tests.flows._support import assign_and_intake, paused_run, run_in_child, state, validate_in_background
from tests.flows.conftest import ttml
from validators.base import Location


def _blocked_subtitle(portal: PortalServer, tmp_path: Path) -> str:
    """A subtitle request holding a file an hour late (a BLOCKER finding)."""
    request_id = assign_and_intake(portal)
    ingest(request_id, str(ttml(tmp_path / "hour_off.xml", offset_hours=1)))
    return request_id


def _reports(db: Database, request_id: str) -> list[QCReportRow]:
    with db.session() as session:
        return list(
            session.scalars(
                select(QCReportRow)
                .where(QCReportRow.request_id == request_id)
                .order_by(QCReportRow.report_id)
            )
        )


def test_a_pause_nobody_answers_leaves_the_request_waiting_with_nothing_lost(
    monkeypatch: pytest.MonkeyPatch, portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLATE_PAUSE_TIMEOUT_SECONDS", "2")
    reset_settings()
    request_id = _blocked_subtitle(portal, tmp_path)
    before = state(slate_db, request_id)

    started = time.monotonic()
    outcome = validate(request_id)

    assert outcome is Verdict.NO_DECISION, outcome
    assert time.monotonic() - started < 60
    assert state(slate_db, request_id) == before
    status, (version,) = before
    assert status is MaterialStatus.RECEIVED and version.color is AssetColor.GRAY
    (report,) = _reports(slate_db, request_id)
    assert report.version_id == version.version_id and report.blocked
    assert any(f["code"] for f in report.report["findings"])
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(like_=f"validate {request_id}"))
        )
    # The server closes a run whose pause timed out as Failed ("... never resumed"): no run is left
    # hanging as Paused with a form nobody can use any more; the request itself is intact.
    assert run.state is not None and run.state.is_final() and not run.state.is_paused(), run.state
    assert "never resumed" in (run.state.message or ""), run.state
    # The QC artifact the operator was pointed to lists every stored finding with where it is.
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]),
                key=ArtifactFilterKey(any_=[f"qc-{request_id.lower()}"]),
            )
        )
    text = str(artifact.data)
    assert f"hour_off.xml v1** (sha256 `{version.sha256[:12]}`) — **BLOCKED**" in text
    for finding in report.report["findings"]:
        row = f"`{finding['code']}` | {Location.model_validate(finding['location'])} |"
        assert row in text, (row, text)

    # Nothing lost: a later validation finds the same file and can still be decided.
    monkeypatch.setenv("SLATE_PAUSE_TIMEOUT_SECONDS", "120")
    reset_settings()
    thread, result = validate_in_background(request_id)
    resume_flow_run(paused_run(request_id), run_input={"action": "accept", "justification": "as asked"})
    thread.join(120)
    assert result.get("outcome") == "accepted by the operator", result
    assert state(slate_db, request_id)[0] is MaterialStatus.ACCEPTED
    assert len(_reports(slate_db, request_id)) == 2


def test_an_operator_rejects_with_a_reason_through_the_pause_form(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """A reject without a reason is not applied (the form comes back); with one, the version turns RED."""
    request_id = _blocked_subtitle(portal, tmp_path)
    thread, result = validate_in_background(request_id)

    first = paused_run(request_id)
    resume_flow_run(first, run_input={"action": "reject", "reason": "  "})
    again = paused_run(request_id)  # asked again: a rejection needs a reason
    assert again == first and "outcome" not in result
    assert state(slate_db, request_id)[0] is MaterialStatus.RECEIVED
    reason = "timeline an hour late against the proxy"
    resume_flow_run(again, run_input={"action": "reject", "reason": reason})
    thread.join(120)

    assert result.get("outcome") == "rejected by the operator", result
    status, (version,) = state(slate_db, request_id)
    assert status is MaterialStatus.REDELIVERY_REQUESTED and version.color is AssetColor.RED
    with slate_db.session() as session:
        (rejection,) = session.scalars(select(RejectionRow).where(RejectionRow.request_id == request_id))
        trail = audit_trail(session, request_id)
    assert (rejection.origin, rejection.reason_code, rejection.description) == (
        "INTERNAL",
        "OPERATOR_REJECTED",
        reason,
    )
    assert rejection.version_id == version.version_id
    rejected = [e for e in trail if e.transition == "reject"]
    assert rejected and all(reason in e.reason for e in rejected)
    assert {(e.subject, e.to_state) for e in rejected} >= {("version", "RED")}
    assert all(e.actor.startswith("prefect:") for e in rejected)


def test_an_operator_applies_the_auto_correction_through_the_pause_form(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """The corrected file is a new version, validated again and accepted; the original turns DARK_BLUE."""
    request_id = _blocked_subtitle(portal, tmp_path)
    thread, result = validate_in_background(request_id)
    resume_flow_run(paused_run(request_id), run_input={"action": "autocorrect"})
    thread.join(120)

    assert result.get("outcome") == "accepted", result
    status, (original, corrected) = state(slate_db, request_id)
    assert status is MaterialStatus.ACCEPTED
    assert (original.color, corrected.color) == (AssetColor.DARK_BLUE, AssetColor.LIGHT_BLUE)
    assert corrected.file_name == "hour_off.fixed.xml" and corrected.sha256 != original.sha256
    reports = _reports(slate_db, request_id)
    assert [(r.version_id, r.blocked) for r in reports] == [
        (original.version_id, True),
        (corrected.version_id, False),
    ]


CHILD = """
import sys
from flows.validate import validate
state = validate(sys.argv[1], return_state=True)
print(state.state_details.flow_run_id)
"""


def test_a_pause_that_times_out_says_why_in_the_run_logs(
    portal: PortalServer, slate_env: dict[str, Any], prefect_server: PrefectServer, tmp_path: Path
) -> None:
    """Prefect shows the run as Failed ("never resumed"); the run's logs say the request is waiting."""
    request_id = _blocked_subtitle(portal, tmp_path)
    env = {
        **os.environ,
        **slate_env,
        "SLATE_PAUSE_TIMEOUT_SECONDS": "1",
        "PREFECT_API_URL": prefect_server.api_url,
    }
    _, ours = run_in_child(CHILD, request_id, env)
    waiting = [m for m in ours if "no decision in time" in m]
    assert len(waiting) == 1, ours
    assert request_id in waiting[0] and "stays RECEIVED" in waiting[0]
