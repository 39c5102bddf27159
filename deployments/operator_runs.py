"""An operator's two answers to a request's runs: decide a paused validation, retry a failed step.

One place for both, so ``slate retry`` and the workspace apply the same rules. A request's runs
are the Prefect flow runs tagged with its id (``request:SR-…`` from :func:`tasks.common.label_run`,
or the bare id the workspace gives runs it starts).

Deciding is what the Prefect UI's pause form does: the answer is checked against
:class:`flows.validate.QCDecision` (its fields and its own :meth:`~flows.validate.QCDecision.problem`)
and sent with the resume; an answer the flow would not apply is refused here, before anything
changes, so the run stays paused with its form.

Retrying is what the UI's "Retry" does: the run goes back to a Scheduled state named
``AwaitingRetry`` (forced), and the serving process or a worker picks it up again. A run that no
deployment serves (a validation run as a subflow of lifecycle) cannot be picked up that way; it is
started again as a new run of the deployment of the same name, with the same parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import ValidationError

from flows.validate import QCDecision
from slate import lifecycle
from slate.errors import ConflictError, InvalidInput
from slate.logging import get_logger

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.objects import FlowRun

    from slate.store import Database

__all__ = [
    "ACTIVE",
    "RETRYABLE",
    "FailedStep",
    "RequestRuns",
    "Retried",
    "WaitingDecision",
    "decide",
    "request_runs",
    "retry",
]

log = get_logger("slate.deployments.operator_runs")

#: Run states that mean a run of the request is still going (a paused one waits for an answer).
ACTIVE = frozenset({"SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"})
#: Run states an operator may retry.
RETRYABLE = frozenset({"FAILED", "CRASHED"})
#: The only step that pauses for a decision.
DECIDING_STEP = "validate"


@dataclass(frozen=True)
class WaitingDecision:
    """A validation paused for an operator: its run and the form's text (the blocking findings)."""

    run_id: str
    run_name: str
    description: str


@dataclass(frozen=True)
class FailedStep:
    """A step whose latest run for the request ended Failed or Crashed."""

    step: str
    run_id: str
    run_name: str
    state: str
    message: str


@dataclass(frozen=True)
class RequestRuns:
    """What an operator can act on for one request."""

    waiting: list[WaitingDecision]
    failed: list[FailedStep]
    #: Names of the request's runs still going (a retry is refused while there is one).
    active: list[str]


@dataclass(frozen=True)
class Retried:
    """The run that will run again: the same run rescheduled, or a new run of its deployment."""

    step: str
    run_id: str
    run_name: str
    #: True when the failed run itself was rescheduled, False when a new run was started.
    same_run: bool


def _client() -> SyncPrefectClient:
    """A client of the configured Prefect API; refused when none is configured, because Prefect
    would otherwise start an empty server of its own and every request would seem to have no runs."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise ConflictError("no Prefect API is configured: set PREFECT_API_URL (slate up sets it)")
    return get_client(sync_client=True)


def _runs(client: SyncPrefectClient, request_id: str) -> list[FlowRun]:
    """Every flow run tagged with the request, newest first."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
    from prefect.client.schemas.sorting import FlowRunSort

    tags = FlowRunFilterTags(any_=[f"request:{request_id}", request_id])
    return client.read_flow_runs(
        flow_run_filter=FlowRunFilter(tags=tags), sort=FlowRunSort.START_TIME_DESC, limit=200
    )


def _state(run: FlowRun) -> str:
    return run.state.type.value if run.state else ""


def _when(run: FlowRun) -> datetime:
    """When a run began (or was created): what "latest" is measured by."""
    return run.start_time or run.created or datetime.min.replace(tzinfo=UTC)


def _steps(client: SyncPrefectClient, runs: list[FlowRun]) -> dict[UUID, str]:
    """Each run's step: the name of its flow (``validate``, ``deliver``…)."""
    names: dict[UUID, str] = {}
    for flow_id in {r.flow_id for r in runs}:
        names[flow_id] = client.read_flow(flow_id).name
    return {r.id: names[r.flow_id] for r in runs}


def _description(client: SyncPrefectClient, run: FlowRun) -> str:
    """The pause form's text, as the flow saved it with the pause ("" when there is none)."""
    from prefect.input import keyset_from_paused_state

    if run.state is None:
        return ""
    try:
        raw = client.read_flow_run_input(run.id, keyset_from_paused_state(run.state)["description"])
    except Exception:  # a pause without input, or one saved by another version
        return ""
    text = json.loads(raw)
    return text if isinstance(text, str) else ""


def _summary(client: SyncPrefectClient, request_id: str) -> tuple[RequestRuns, dict[UUID, FlowRun]]:
    runs = _runs(client, request_id)
    steps = _steps(client, runs)
    waiting = [
        WaitingDecision(str(r.id), r.name, _description(client, r))
        for r in runs
        if _state(r) == "PAUSED" and steps[r.id] == DECIDING_STEP
    ]
    latest: dict[str, FlowRun] = {}
    for run in sorted(runs, key=_when):
        latest[steps[run.id]] = run
    failed = [
        FailedStep(step, str(r.id), r.name, _state(r), (r.state.message or "") if r.state else "")
        for step, r in latest.items()
        if _state(r) in RETRYABLE
    ]
    failed.sort(key=lambda f: _when(latest[f.step]), reverse=True)
    active = [r.name for r in runs if _state(r) in ACTIVE]
    return RequestRuns(waiting, failed, active), {r.id: r for r in runs}


def request_runs(request_id: str) -> RequestRuns:
    """The request's validations waiting for a decision and its steps whose latest run failed."""
    with _client() as client:
        return _summary(client, request_id)[0]


def parse_decision(answer: dict[str, Any]) -> QCDecision:
    """The answer as the pause form's model, or :class:`InvalidInput` with the reason it cannot be used."""
    try:
        decision = QCDecision.model_validate(answer)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"not a decision: {reasons}") from None
    problem = decision.problem()
    if problem is not None:
        raise InvalidInput(problem)
    return decision


def decide(request_id: str, run_id: str, answer: dict[str, Any], operator: str) -> QCDecision:
    """Resume the paused validation ``run_id`` of ``request_id`` with ``answer``, signed by ``operator``.

    Refused with the reason, and nothing changed, when the answer is not one the flow would apply
    or the run is not a paused validation of this request.
    """
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.responses import SetStateStatus

    decision = parse_decision({**answer, "operator": operator})
    with _client() as client:
        summary, _ = _summary(client, request_id)
        if run_id not in {w.run_id for w in summary.waiting}:
            raise ConflictError(
                f"{request_id} has no validation waiting for a decision as run {run_id!r} "
                "(answered already, or its pause ended); reload the page"
            )
        result = client.resume_flow_run(UUID(run_id), run_input=decision.model_dump(mode="json"))
    if result.status == SetStateStatus.REJECT:
        ended = result.state is not None and result.state.type == StateType.FAILED
        why = "its pause timed out" if ended else (result.details.reason or "Prefect refused")  # type: ignore[union-attr]
        raise ConflictError(f"the validation of {request_id} can no longer be decided: {why}")
    log.info("validation decided", request_id=request_id, flow_run_id=run_id, action=decision.action.value)
    return decision


def retry(
    request_id: str, *, step: str | None = None, actor: str, database: Database | None = None
) -> Retried:
    """Run again the latest Failed or Crashed run of ``step`` (default: the most recent failed step).

    Refused (:class:`ConflictError`) while a run of the request is still going, and when nothing
    failed. With ``database``, the retry is written in the request's audit trail as ``actor``'s.
    """
    if database is not None:  # an unknown id is refused before anything is touched
        from slate.store import get_request

        with database.session() as session:
            get_request(session, request_id)
    with _client() as client:
        summary, runs = _summary(client, request_id)
        if summary.active:
            raise ConflictError(
                f"{request_id} still has a run going ({', '.join(summary.active[:3])}); "
                "wait for it to end (or answer its decision) before retrying"
            )
        failed = [f for f in summary.failed if step is None or f.step == step]
        if not failed:
            what = f"no {step} run" if step else "no step"
            raise ConflictError(f"nothing to retry: {what} of {request_id} ended Failed or Crashed")
        target = _top_level_first(failed, runs)
        retried = _run_again(client, runs[UUID(target.run_id)], target.step, request_id, actor)
    if database is not None:
        with database.session() as session:
            lifecycle.record_note(
                session,
                request_id,
                subject="run",
                transition=f"{target.step}-retried",
                to="SCHEDULED",
                actor=actor[:128],
                reason=f"retried {target.run_name} ({target.state}: {target.message[:300]})",
            )
    log.info("step retried", request_id=request_id, step=target.step, flow_run_id=retried.run_id)
    return retried


def _top_level_first(failed: list[FailedStep], runs: dict[UUID, FlowRun]) -> FailedStep:
    """The step to retry: the newest failure of a run nothing else runs (retrying a lifecycle
    runs its failed validation again too), else the newest failure."""
    outer = [f for f in failed if runs[UUID(f.run_id)].parent_task_run_id is None]
    return (outer or failed)[0]


def _run_again(client: SyncPrefectClient, run: FlowRun, step: str, request_id: str, actor: str) -> Retried:
    from prefect.states import Scheduled

    if run.deployment_id is not None:
        client.set_flow_run_state(
            run.id, Scheduled(name="AwaitingRetry", message=f"retried by {actor}"), force=True
        )
        return Retried(step, str(run.id), run.name, same_run=True)
    try:
        deployment = client.read_deployment_by_name(f"{step}/{step}")
    except Exception as exc:
        raise ConflictError(
            f"{run.name} was not started from a deployment and no {step}/{step} deployment exists "
            f"to run it again ({exc})"
        ) from None
    tags = sorted({*run.tags, request_id, f"by:{actor}"} - {"waiting-for-decision"})
    new = client.create_flow_run_from_deployment(deployment.id, parameters=run.parameters, tags=tags)
    return Retried(step, str(new.id), new.name, same_run=False)
