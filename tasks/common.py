"""Tasks shared by the flows: load a request, label the run, publish the two status panels."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from slate.errors import PortalUnavailable
from slate.logging import get_logger
from slate.models import SourceRequest
from slate.store import current_version, get_request
from tasks._runtime import database, remember_request, run_label

__all__ = [
    "WAITING_TAG",
    "label_run",
    "load_request",
    "mark_waiting",
    "portal_retries",
    "publish_panels",
    "retry_if_transient",
]

#: The waits between attempts of a task that talks to the portal, in seconds.
_PORTAL_DELAYS = (2, 5, 15, 30)


def retry_if_transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry only what may succeed later: the portal being unavailable (429, 5xx, timeouts)."""
    try:
        state.result()
    except PortalUnavailable:
        return True
    except Exception:
        return False
    return False


log = get_logger("slate.tasks.common")


def portal_retries(retries: int = 4) -> dict[str, Any]:
    """The one retry policy of tasks that call the portal, as ``@task`` keywords.

    Only a transient failure (:class:`PortalUnavailable`) is retried, after 2, 5, 15 then 30 s;
    ``retries`` is how many of those waits a task may spend (a bulk one, fewer).
    """
    return {
        "retries": retries,
        "retry_delay_seconds": list(_PORTAL_DELAYS[:retries]),
        "retry_condition_fn": retry_if_transient,
    }


@task(name="load request")
def load_request(request_id: str) -> SourceRequest:
    """Slate's record of a request."""
    with database() as db, db.session() as session:
        return get_request(session, request_id)


def label_run(step: str, request: SourceRequest) -> None:
    """Rename the current flow run after its request and tag it, so operators find it in the UI.

    Also binds the request id to every later log line of the run (its tasks inherit the context).
    """
    remember_request(request.request_id)
    current_id = flow_run.get_id()
    if current_id is None:
        return
    run_id = UUID(current_id)
    name, tags = run_label(step, request)
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id)
        client.update_flow_run(run_id, name=name, tags=sorted({*current.tags, *tags}))


@task(name="publish status panels")
def publish_panels(request_ids: list[str], key: str | None = None) -> list[dict[str, Any]]:
    """A table artifact: the portal's status beside Slate's, one row per assignment."""
    rows: list[dict[str, Any]] = []
    with database() as db, db.session() as session:
        for request_id in request_ids:
            request = get_request(session, request_id)
            current = current_version(session, request_id)
            rows.append(
                {
                    "request": request.request_id,
                    "title": request.title,
                    "type": request.source_type.value,
                    "language": request.language,
                    "portal status": request.portal_status.value,
                    "material status": request.material_status.value,
                    "service type": str(request.service) if request.service else "",
                    "current version": f"{current.label} {current.color.value}" if current else "",
                }
            )
    create_table_artifact(rows, key=key, description="Portal status beside Slate's status")
    return rows


#: The tag a paused validation and every run above it carry while an operator's answer is awaited.
WAITING_TAG = "waiting-for-decision"


def mark_waiting(waiting: bool) -> None:
    """Tag (or untag) this run and the runs it runs under as waiting for an operator's decision.

    A paused validation is a subflow, hidden in the runs list by default; its lifecycle (or
    redelivery) parent carries the tag too, so filtering the runs list by it finds every decision
    to make. Best effort: a failed update is logged, the pause goes on.
    """
    current = flow_run.get_id()
    try:
        with get_client(sync_client=True) as client:
            while current:
                run = client.read_flow_run(UUID(current))
                tags = {*run.tags, WAITING_TAG} if waiting else set(run.tags) - {WAITING_TAG}
                client.update_flow_run(run.id, tags=sorted(tags))
                parent_task = run.parent_task_run_id
                current = str(client.read_task_run(parent_task).flow_run_id) if parent_task else None
    except Exception as exc:
        log.warning("the waiting-for-decision tag could not be updated", error=str(exc))
