"""Flow: QC of a request's current version; clean → ACCEPTED, blockers → the operator decides.

With blockers the run pauses with a typed form (accept with a justification, reject with a
reason, or apply the auto-correction). A pause that times out leaves the request RECEIVED with
its report stored, so nothing is lost: the operator can run validation again later.
"""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path

from prefect import flow, pause_flow_run, task
from prefect.exceptions import FlowPauseTimeout
from prefect.input import RunInput

from slate.logging import get_logger
from slate.settings import get_settings
from slate.store import get_request
from tasks._runtime import database
from tasks.autocorrect import correct_version
from tasks.common import label_run, load_request, publish_panels
from tasks.qc import QCOutcome, accept_version, reject_version, run_qc

log = get_logger("slate.flows.validate")  # under "slate", so Prefect puts its lines in the run's logs


class Action(StrEnum):
    """What an operator may decide about a blocked file."""

    ACCEPT = "accept"
    REJECT = "reject"
    AUTOCORRECT = "autocorrect"


class QCDecision(RunInput):
    """The form a paused validation shows in the UI."""

    action: Action
    justification: str = ""
    reason: str = ""

    def problem(self) -> str | None:
        """Why this answer cannot be used, or None."""
        if self.action is Action.ACCEPT and not self.justification.strip():
            return "accepting a file with blockers needs a justification"
        if self.action is Action.REJECT and not self.reason.strip():
            return "rejecting needs a reason"
        return None


@task(name="auto-correct")
def autocorrect(outcome: QCOutcome) -> str | None:
    """Write a corrected file and ingest it as a new version; None when nothing was fixable."""
    from slate.delivery import current_version

    with database() as db:
        version = current_version(db, outcome.request_id)
        with db.session() as session:
            request = get_request(session, outcome.request_id)
    with tempfile.TemporaryDirectory(prefix="slate-fix-") as scratch:
        return correct_version(request, version, outcome.kind, outcome.report, Path(scratch))


def _ask(outcome: QCOutcome, timeout: int) -> QCDecision:
    description = (
        f"**{outcome.request_id}** has {len(outcome.report.findings)} finding(s), blockers among them. "
        "See the QC artifact. Accept with a justification, reject with a reason, or auto-correct."
    )
    note = ""
    while True:
        decision = pause_flow_run(
            wait_for_input=QCDecision.with_initial_data(
                description=note + description, action=Action.AUTOCORRECT
            ),
            timeout=timeout,
            poll_interval=get_settings().pause_poll_seconds,
        )
        problem = decision.problem()
        if problem is None:
            return decision
        note = f"**Not applied: {problem}.** "


@flow(name="validate")
def validate(request_id: str, max_corrections: int = 1) -> str:
    """Validate; accept when clean; otherwise pause for the operator. Returns the outcome in words."""
    label_run("validate", load_request(request_id))
    outcome = run_qc(request_id)
    corrections = 0
    while outcome.blocked:
        try:
            decision = _ask(outcome, get_settings().pause_timeout_seconds)
        except FlowPauseTimeout:
            # Prefect closes the run as Failed ("never resumed"); this line tells the operator why
            # and what to do, in the run's own logs.
            log.warning(
                "no decision in time: the request stays RECEIVED with its QC report; run validate again",
                request_id=request_id,
                version_id=outcome.version_id,
                timeout_seconds=get_settings().pause_timeout_seconds,
            )
            return f"waiting: {request_id} stays RECEIVED with its report; nobody decided in time"
        if decision.action is Action.ACCEPT:
            accept_version(
                request_id, outcome.version_id, f"approved with findings: {decision.justification}"
            )
            publish_panels([request_id])
            return "accepted by the operator"
        if decision.action is Action.REJECT:
            reject_version(request_id, outcome.version_id, decision.reason)
            publish_panels([request_id])
            return "rejected by the operator"
        if corrections >= max_corrections or autocorrect(outcome) is None:
            continue  # nothing (more) to fix: ask again
        corrections += 1
        outcome = run_qc(request_id)
    accept_version(request_id, outcome.version_id, "validated: no blocker")
    publish_panels([request_id])
    return "accepted"
