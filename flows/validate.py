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
from prefect.settings import PREFECT_UI_URL
from pydantic import Field

from slate import lifecycle
from slate.logging import get_logger
from slate.settings import get_settings
from slate.store import get_request
from tasks._runtime import actor, database
from tasks.autocorrect import correct_version
from tasks.common import label_run, load_request, mark_waiting, publish_panels
from tasks.failures import reported_failure
from tasks.qc import QCOutcome, accept_version, reject_version, run_qc
from validators.base import Finding

log = get_logger("slate.flows.validate")  # under "slate", so Prefect puts its lines in the run's logs


class Action(StrEnum):
    """What an operator may decide about a blocked file."""

    ACCEPT = "accept"
    REJECT = "reject"
    AUTOCORRECT = "autocorrect"


class QCDecision(RunInput):
    """The form a paused validation shows in the UI; each field's title is what the operator reads."""

    action: Action = Field(
        title="Decision",
        description="autocorrect: let Slate fix what it can and validate again; "
        "accept: deliver as it is (needs a justification); reject: wait for a new file (needs a reason)",
    )
    justification: str = Field(default="", title="Why accept it with blockers (needed to accept)")
    reason: str = Field(default="", title="Why reject it (needed to reject)")
    operator: str = Field(default="", title="Your name (recorded in the audit trail)")

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
    from slate.delivery import version_to_deliver

    with database() as db:
        version = version_to_deliver(db, outcome.request_id)
        with db.session() as session:
            request = get_request(session, outcome.request_id)
    with tempfile.TemporaryDirectory(prefix="slate-fix-") as scratch:
        return correct_version(request, version, outcome.kind, outcome.report, Path(scratch))


def _report_link(request_id: str) -> str:
    """Where the QC report artifact is in the UI (the key the QC task posts it under)."""
    ui = str(PREFECT_UI_URL.value() or "").rstrip("/")
    key = f"qc-{request_id.lower()}"[:64]
    return f"[the QC report]({ui}/artifacts/key/{key})" if ui else f"the QC report (artifact `{key}`)"


def _blocker_row(finding: Finding) -> str:
    where = str(finding.location) or "-"
    fixable = "yes" if finding.fixable else ""
    return f"| `{finding.code}` | {where} | {finding.message.replace('|', '/')} | {fixable} |"


def pause_description(outcome: QCOutcome) -> str:
    """The form's text: the blocking findings with where they are, and what each answer does."""
    blockers = [f for f in outcome.report.findings if f.severity.name == "BLOCKER"]
    rows = [_blocker_row(f) for f in blockers[:20]]
    more = [f"\n…and {len(blockers) - 20} more in the report."] if len(blockers) > 20 else []
    return "\n".join(
        [
            f"**{outcome.request_id}**: {len(blockers)} blocking finding(s) of "
            f"{len(outcome.report.findings)}; see {_report_link(outcome.request_id)}.",
            "",
            "| code | where | what | auto-fixable |",
            "|---|---|---|---|",
            *rows,
            *more,
            "",
            "Choose **autocorrect** (Slate fixes what it can and validates again), **accept** with a "
            "justification, or **reject** with a reason.",
        ]
    )


def _ask(outcome: QCOutcome, timeout: int) -> QCDecision:
    mark_waiting(True)
    try:
        return _answer(outcome, timeout)
    finally:
        mark_waiting(False)


def _answer(outcome: QCOutcome, timeout: int) -> QCDecision:
    description = pause_description(outcome)
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
        log.warning(
            f"answer not applied: {problem}; the run waits for another answer",
            request_id=outcome.request_id,
        )
        note = f"**Your last answer was not applied: {problem}. Answer again.**\n\n"


def record_decision(outcome: QCOutcome, decision: QCDecision, detail: str) -> None:
    """The operator's decision in the request's audit trail: who, which action, and why or what changed."""
    who = f"{decision.operator.strip()} (via {actor()})" if decision.operator.strip() else actor()
    with database() as db, db.session() as session:
        lifecycle.record_note(
            session,
            outcome.request_id,
            subject="decision",
            transition=f"operator-{decision.action.value}",
            to=decision.action.value.upper(),
            actor=who[:128],
            reason=detail,
            version_id=outcome.version_id,
        )


class Verdict(StrEnum):
    """How a validation ended, in the words the run shows; callers test :attr:`accepted`."""

    ACCEPTED = "accepted"
    ACCEPTED_BY_OPERATOR = "accepted by the operator"
    REJECTED_BY_OPERATOR = "rejected by the operator"
    NO_DECISION = "waiting: the request stays RECEIVED with its QC report; nobody decided in time"

    @property
    def accepted(self) -> bool:
        """Whether the version may go on to delivery."""
        return self in (Verdict.ACCEPTED, Verdict.ACCEPTED_BY_OPERATOR)


@flow(name="validate")
def validate(request_id: str, max_corrections: int = 1) -> Verdict:
    """Validate; accept when clean; otherwise pause for the operator. Returns the outcome in words."""
    with reported_failure("validate", request_id):
        return _validate(request_id, max_corrections)


def _validate(request_id: str, max_corrections: int) -> Verdict:
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
            return Verdict.NO_DECISION
        if decision.action is Action.ACCEPT:
            record_decision(outcome, decision, f"accepted with blockers: {decision.justification}")
            accept_version(
                request_id, outcome.version_id, f"approved with findings: {decision.justification}"
            )
            publish_panels([request_id])
            return Verdict.ACCEPTED_BY_OPERATOR
        if decision.action is Action.REJECT:
            record_decision(outcome, decision, f"rejected: {decision.reason}")
            reject_version(request_id, outcome.version_id, decision.reason)
            publish_panels([request_id])
            return Verdict.REJECTED_BY_OPERATOR
        changes = autocorrect(outcome) if corrections < max_corrections else None
        record_decision(
            outcome, decision, f"auto-correct: {changes or 'nothing could be fixed; asked again'}"
        )
        if changes is None:
            continue  # nothing (more) to fix: ask again
        corrections += 1
        outcome = run_qc(request_id)
    accept_version(request_id, outcome.version_id, "validated: no blocker")
    publish_panels([request_id])
    return Verdict.ACCEPTED
