"""What every task needs from its run: the real parts, events, and labels for the UI.

Parts are opened from the settings in the process that runs the task (a served subprocess or
a worker on another machine), never passed between processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run
from sqlalchemy.orm import Session

from slate.backlot import HttpPortalClient
from slate.lifecycle import LifecycleEvent
from slate.logging import add_context_provider, get_logger
from slate.models import SourceRequest
from slate.objects import BlobStore, open_blob_store
from slate.settings import get_settings
from slate.store import Database, get_request, open_database

log = get_logger("slate.tasks")  # under "slate", so Prefect puts the lines in the run logs

#: The request each flow run in this process works on, for its log lines (see :func:`remember_request`).
_RUN_REQUESTS: dict[str, str] = {}


def remember_request(request_id: str) -> None:
    """Tag every later log line of the current flow run (and its tasks) with ``request_id``."""
    run_id = flow_run.get_id()
    if run_id is None:
        return
    if len(_RUN_REQUESTS) > 10_000:  # a long-lived worker: forget the oldest runs
        for old in list(_RUN_REQUESTS)[:5_000]:
            del _RUN_REQUESTS[old]
    _RUN_REQUESTS[run_id] = request_id


def _request_of_run() -> dict[str, str]:
    run_id = flow_run.get_id() if _RUN_REQUESTS else None
    return {"request_id": _RUN_REQUESTS[run_id]} if run_id in _RUN_REQUESTS else {}


add_context_provider(_request_of_run)

__all__ = [
    "actor",
    "apply_and_emit",
    "blobs",
    "database",
    "emit",
    "portal",
    "progress_reporter",
    "remember_request",
    "run_label",
]


#: The databases this process has opened and migrated, by URL (see :func:`database`).
_OPEN: dict[str, Database] = {}
_OPEN_LOCK = threading.Lock()


@contextmanager
def database() -> Iterator[Database]:
    """The domain database, opened and migrated once per process, its connections pooled.

    A served process runs hundreds of tasks: opening an engine and running Alembic's upgrade check
    for each took seconds of a step that needs milliseconds (``sync assignment``: 4 s median
    against 53 ms by a direct call, ``bench/pipeline.py``).
    """
    url = get_settings().effective_database_url
    with _OPEN_LOCK:
        db = _OPEN.get(url)
        if db is None:
            db = _OPEN[url] = open_database(url)
    yield db


@contextmanager
def portal() -> Iterator[HttpPortalClient]:
    """The portal client from the settings."""
    client = HttpPortalClient.from_settings()
    try:
        yield client
    finally:
        client.close()


def blobs() -> BlobStore:
    """The blob store from the settings."""
    return open_blob_store()


def actor() -> str:
    """Who the audit log names: the flow run, so an operator can find it in the UI."""
    name = flow_run.get_name()
    return f"prefect:{name}" if name else get_settings().actor


def apply_and_emit(
    request_id: str, change: Callable[[Session], list[LifecycleEvent]]
) -> list[LifecycleEvent]:
    """Run a lifecycle ``change`` in its own transaction, then emit its events once it has committed.

    The events carry the request as the change left it (title, type, language for the event's
    payload). Returns the events, for a caller that needs to know whether anything changed.
    """
    with database() as db:
        with db.session() as session:
            events = change(session)
        with db.session() as session:
            emit(events, get_request(session, request_id))
    return events


def emit(events: list[LifecycleEvent], request: SourceRequest | None = None) -> None:
    """Emit each lifecycle change as a Prefect event (for operators' own automations) and a log line.

    The log line lands in the run's logs in the Prefect UI (``PREFECT_LOGGING_EXTRA_LOGGERS=slate``),
    so an operator reading a run sees every status it moved through.
    """
    for event in events:
        subject = event.event.split(".")[1]
        log.info(
            f"status changed: {subject} of {event.request_id} {event.from_state or 'new'} → {event.to_state}",
            request_id=event.request_id,
            version_id=event.version_id,
            change=event.event,
            from_state=event.from_state,
            to_state=event.to_state,
            automatic=event.automatic,
        )
        kind = {"material": "material", "version": "asset"}.get(event.event.split(".")[1], "portal")
        payload: dict[str, Any] = event.model_dump(mode="json")
        related = []
        if request is not None:
            payload.update(
                title=request.title, source_type=request.source_type.value, language=request.language
            )
        if event.version_id is not None:
            related.append(
                {
                    "prefect.resource.id": f"slate.version.{event.version_id}",
                    "prefect.resource.role": "version",
                }
            )
        emit_event(
            event=f"slate.{kind}.status-changed",
            resource={
                "prefect.resource.id": f"slate.request.{event.request_id}",
                "prefect.resource.name": event.request_id,
            },
            related=related,
            payload=payload,
        )


def progress_reporter(description: str) -> Callable[[int, int], None]:
    """A Prefect progress artifact for long work (uploads, ingests) and the callback that moves it.

    Updated at most once a second (and at the end), so a multi-gigabyte transfer does not send
    thousands of API calls; a failed update is logged and the transfer goes on.
    """
    artifact = create_progress_artifact(0.0, description=description)
    assert isinstance(artifact, UUID)  # the sync call returns the id, not a coroutine
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0 or done >= total:
            last[0] = now
            try:
                update_progress_artifact(artifact, progress=100.0 * done / max(total, 1))
            except Exception as exc:  # a hiccup of the Prefect API must not stop a transfer of gigabytes
                log.warning("progress artifact not updated", description=description, error=str(exc)[:200])

    return report


def run_label(step: str, request: SourceRequest) -> tuple[str, list[str]]:
    """The run's name and tags: ``deliver SR-1234 subtitle en`` and request id, title, asset type."""
    kind = request.source_type.value.lower()
    name = f"{step} {request.request_id} {kind} {request.language}"
    tags = [f"request:{request.request_id}", f"title:{request.title}"[:100], f"type:{kind}"]
    return name, tags
