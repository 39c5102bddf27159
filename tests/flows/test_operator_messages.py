"""What an operator is told: a failed step says what failed and what to do, in the run and the trail;
a paused validation lists its blockers, refuses an unusable answer with the reason, and records
the decision (who, which, why) in the audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run

from flows.deliver import deliver
from flows.ingest import ingest
from slate.errors import TransitionError
from slate.store import Database, audit_trail
from tasks.common import WAITING_TAG
from tests.fixtures.portal import PortalServer
from tests.flows._support import assign_and_intake, paused_run, validate_in_background
from tests.flows.conftest import ttml


def test_a_delivery_refused_by_its_preconditions_says_why_and_what_next_in_the_audit_trail(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = assign_and_intake(portal)
    ingest(request_id, str(ttml(tmp_path / "clean.xml")))

    with pytest.raises(TransitionError) as failed:
        deliver(request_id)  # no Service Type set: the lifecycle refuses

    message = str(failed.value)
    assert message.startswith(f"deliver {request_id} failed: ")
    assert "Service Type" in message and "Next: " in message
    with slate_db.session() as session:
        lines = [e for e in audit_trail(session, request_id) if e.subject == "run"]
    assert [(e.transition, e.to_state) for e in lines] == [("deliver-failed", "FAILED")]
    assert "Next: " in lines[0].reason


def test_the_pause_lists_blockers_refuses_an_empty_justification_and_records_the_decision(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = assign_and_intake(portal)
    ingest(request_id, str(ttml(tmp_path / "hour_off.xml", offset_hours=1)))
    thread, result = validate_in_background(request_id)
    run_id = paused_run(request_id)
    with get_client(sync_client=True) as client:
        assert WAITING_TAG in client.read_flow_run(run_id).tags  # findable from the runs list

    resume_flow_run(run_id, run_input={"action": "accept", "justification": "  "})
    run_id = paused_run(request_id)  # asked again, not applied
    resume_flow_run(
        run_id,
        run_input={"action": "accept", "justification": "the studio wants the offset", "operator": "Ana"},
    )
    thread.join(120)

    assert result.get("outcome") == "accepted by the operator", result
    with get_client(sync_client=True) as client:
        assert WAITING_TAG not in client.read_flow_run(run_id).tags
    with slate_db.session() as session:
        decisions = [e for e in audit_trail(session, request_id) if e.subject == "decision"]
    assert len(decisions) == 1
    assert decisions[0].transition == "operator-accept" and decisions[0].actor.startswith("Ana (via ")
    assert "the studio wants the offset" in decisions[0].reason


def test_the_pause_form_text_lists_each_blocker_with_where_it_is_and_links_the_report() -> None:
    from flows.validate import pause_description
    from tasks.qc import QCOutcome
    from validators.base import Finding, Location, Report, Severity

    findings = [
        Finding(
            code="TT_START_OFFSET",
            severity=Severity.BLOCKER,
            message="first event at 01:00:01:00",
            location=Location(timecode="01:00:01:00"),
            fixable=True,
        ),
        Finding(code="TT_LINE_LENGTH", severity=Severity.WARNING, message="43 characters"),
    ]
    outcome = QCOutcome(
        request_id="SR-PAUSE",
        version_id=7,
        kind="subtitle",
        report=Report(subject="sub.xml", profile="netflix", findings=findings),
        report_id=1,
    )

    text = pause_description(outcome)

    assert "1 blocking finding(s) of 2" in text
    assert "| `TT_START_OFFSET` | 01:00:01:00 | first event at 01:00:01:00 | yes |" in text
    assert "TT_LINE_LENGTH" not in text  # warnings stay in the report
    assert "qc-sr-pause" in text
