"""A failed step tells the operator what failed and what to do next, in the run and the audit trail.

A flow body runs inside :func:`reported_failure`. Whatever it raises is explained in domain words
with the next step ("retry deliver", "upload a new file", "ask the studio") and whether running the
step again is safe; the explanation is written as a sentence in the run's logs, as an audit line
of the request (so ``slate status`` shows it), and raised again as the same kind of error carrying
that explanation, which the Prefect UI shows as the run's failure. A step that failed inside
another (validate inside lifecycle) is reported once, by the innermost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel

from slate import lifecycle
from slate.errors import (
    ConflictError,
    FrozenRecord,
    IntegrityError,
    InvalidInput,
    MediaError,
    NotFound,
    PortalRejected,
    PortalUnavailable,
    SlateError,
    StorageError,
    TransitionError,
)
from slate.logging import get_logger
from tasks._runtime import actor, database

__all__ = ["Explanation", "explain", "reported_failure"]

log = get_logger("slate.flows.failures")


class Explanation(BaseModel):
    """Why a step failed and what the operator does about it."""

    step: str
    request_id: str
    what: str
    next_step: str
    safe_to_retry: bool

    @property
    def message(self) -> str:
        """The sentence the run ends with."""
        again = "running it again is safe" if self.safe_to_retry else "do not simply run it again"
        return f"{self.step} {self.request_id} failed: {self.what}. Next: {self.next_step} ({again})."


#: Error kind → (what it means, the next step, whether a rerun of the same step is safe).
_ADVICE: list[tuple[type[BaseException], str, str, bool]] = [
    (PortalUnavailable, "the portal did not answer in time", "retry {step} later", True),
    (
        PortalRejected,
        "the portal refused",
        "read the portal's message; ask the studio",
        False,
    ),
    (ConflictError, "someone else changed this request at the same time", "retry {step}", True),
    (InvalidInput, "a value does not fit", "correct it and run {step} again", True),
    (MediaError, "the file cannot be read as media", "upload a new file", False),
    (IntegrityError, "the stored bytes do not match their checksum", "upload the file again", False),
    (StorageError, "the blob store failed", "check the storage, then retry {step}", True),
    (FrozenRecord, "the version is delivered and frozen", "upload a new file for a new version", False),
    (
        NotFound,
        "something it needs does not exist",
        "check slate status, then retry {step}",
        True,
    ),
    (TransitionError, "the request is not in a state for this step", "see slate status for its state", True),
]


def explain(step: str, request_id: str, error: BaseException) -> Explanation:
    """The explanation of ``error`` raised by ``step`` for ``request_id``."""
    detail = str(error) if isinstance(error, SlateError) else f"{type(error).__name__}: {error}"
    for kind, what, next_step, safe in _ADVICE:
        if isinstance(error, kind):
            return Explanation(
                step=step,
                request_id=request_id,
                what=f"{what} ({detail})",
                next_step=next_step.format(step=step),
                safe_to_retry=safe,
            )
    return Explanation(
        step=step,
        request_id=request_id,
        what=f"an unexpected error ({detail})",
        next_step=f"retry {step}; if it fails again, report it with this run's logs",
        safe_to_retry=True,
    )


def _record(explanation: Explanation) -> None:
    """The audit line; a database that is down loses only this line, never the original error."""
    try:
        with database() as db, db.session() as session:
            lifecycle.record_note(
                session,
                explanation.request_id,
                subject="run",
                transition=f"{explanation.step}-failed",
                to="FAILED",
                actor=actor(),
                reason=f"{explanation.what}. Next: {explanation.next_step}",
            )
    except Exception as exc:
        log.warning("the failure could not be written to the audit trail", error=str(exc))


def _close_orphans(reason: str) -> None:
    """Cancel this run's subflow runs that never started (a parent failing between creating a
    subflow run and running it left it Pending forever); best effort, like the audit line."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.runtime import flow_run
    from prefect.states import Cancelled

    parent = flow_run.get_id()
    if parent is None:
        return
    waiting = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PENDING, StateType.SCHEDULED]))
    try:
        with get_client(sync_client=True) as client:
            orphans = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent]), state=waiting
                )
            )
            for orphan in orphans:
                client.set_flow_run_state(orphan.id, Cancelled(message=reason), force=True)
    except Exception as exc:
        log.warning("subflow runs of the failed run could not be closed", error=str(exc))


@contextmanager
def reported_failure(step: str, request_id: str) -> Iterator[None]:
    """Explain, log and audit whatever the block raises, then raise it again, explained.

    A Slate error is raised again as the same kind of error (callers and retries that tell kinds
    apart keep working) whose message is the explanation, with the next step; anything else (a bug)
    is raised unchanged after its explanation is logged and audited.
    """
    try:
        yield
    except Exception as error:
        if isinstance(error, SlateError) and error.data.get("explained"):
            raise  # an inner step already told the operator
        explanation = explain(step, request_id, error)
        log.error(explanation.message, request_id=request_id, next_step=explanation.next_step)
        _record(explanation)
        _close_orphans(f"its parent {step} run failed: {explanation.what}")
        if not isinstance(error, SlateError):
            raise
        data = {
            **error.data,
            "explained": True,
            "step": step,
            "next_step": explanation.next_step,
            "safe_to_retry": explanation.safe_to_retry,
        }
        raise _explained(error, explanation.message, data) from error


def _explained(error: SlateError, message: str, data: dict[str, object]) -> SlateError:
    """A copy of ``error`` (same kind) carrying ``message``."""
    copy = type(error).__new__(type(error))
    SlateError.__init__(copy, message, **data)
    return copy
