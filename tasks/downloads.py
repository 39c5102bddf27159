"""Tasks of the bulk download and proxy sync flows: thin wrappers over :mod:`slate.downloads`.

A bulk download of hundreds of files runs as a handful of chunk tasks (each downloading its files
over N connections), not one task per file, so the Prefect server sees tens of task runs.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import ArtifactUpdate

from slate.downloads import (
    FileOutcome,
    FileStatus,
    PlannedFile,
    Selection,
    download_files,
    select_materials,
    write_manifest,
)
from slate.downloads.proxy_sync import SyncedProxy, sync_proxies
from slate.logging import get_logger
from tasks._runtime import blobs, database, portal
from tasks.common import portal_retries

__all__ = [
    "bytes_done",
    "chunked",
    "download_chunk",
    "plan_downloads",
    "publish_downloads",
    "publish_plan",
    "sync_proxies_task",
    "write_download_manifest",
]

log = get_logger(__name__)

#: Most chunk tasks one bulk download is split into.
MAX_CHUNKS = 12


def chunked(files: list[PlannedFile], concurrency: int) -> list[list[PlannedFile]]:
    """Files in at most :data:`MAX_CHUNKS` chunks, each big enough to keep N connections busy."""
    size = max(concurrency * 4, -(-len(files) // MAX_CHUNKS), 1)
    return [files[i : i + size] for i in range(0, len(files), size)]


def bytes_done(outcomes: list[FileOutcome]) -> int:
    """Bytes of the files already complete on disk, for the progress artifact."""
    complete = {FileStatus.DOWNLOADED, FileStatus.PRESENT}
    return sum(o.row.size for o in outcomes if o.row.status in complete)


@task(name="plan downloads", **portal_retries(2))
def plan_downloads(selection: Selection) -> list[PlannedFile]:
    """Ask the portal for the selected materials and give each its folder and file name."""
    with portal() as client:
        return select_materials(client, selection)


class _ArtifactProgress:
    """Moves the run's progress artifact as bytes arrive (at most once a second).

    Called from the download threads, which have no Prefect run context, so it updates through
    one API client the task opens and closes (Prefect's helper would open one per call).
    """

    def __init__(self, api: SyncPrefectClient, artifact_id: UUID | None, done: int, total: int) -> None:
        self.api, self.artifact_id, self.done, self.total = api, artifact_id, done, max(total, 1)
        self.last = 0.0
        self.lock = threading.Lock()

    def report(self, nbytes: int, force: bool = False) -> None:
        with self.lock:
            self.done += nbytes
            now = time.monotonic()
            if self.artifact_id is None or (not force and now - self.last < 1.0):
                return
            self.last = now
            progress = min(100.0, 100.0 * self.done / self.total)
        try:
            self.api.update_artifact(self.artifact_id, ArtifactUpdate(data=progress))
        except Exception as exc:  # progress is a courtesy: never fail a download over it
            log.warning("progress artifact not updated", error=str(exc)[:200])

    def started(self, item: PlannedFile, already: int) -> None:
        self.report(already)

    def advanced(self, item: PlannedFile, nbytes: int) -> None:
        self.report(nbytes)

    def finished(self, item: PlannedFile, outcome: FileOutcome) -> None:
        if outcome.row.status is FileStatus.PRESENT:
            self.report(item.asset.size, force=True)


@task(name="download chunk", cache_policy=NO_CACHE)
def download_chunk(
    files: list[PlannedFile],
    dest: str,
    rate_mbps: int | None,
    concurrency: int,
    progress_artifact: UUID | None = None,
    done_before: int = 0,
    total: int = 0,
) -> list[FileOutcome]:
    """Download one chunk of files; single-file failures are in the outcomes, a failing disk raises."""
    with portal() as client, get_client(sync_client=True) as api:
        progress = _ArtifactProgress(api, progress_artifact, done_before, total)
        try:
            report = download_files(
                client, files, Path(dest), rate_mbps=rate_mbps, concurrency=concurrency, progress=progress
            )
        finally:
            progress.report(0, force=True)
    return report.outcomes


@task(name="write download manifest", cache_policy=NO_CACHE)
def write_download_manifest(dest: str, outcomes: list[FileOutcome]) -> int:
    """The manifest of the whole run (chunks wrote their own as they went); returns its row count."""
    return len(write_manifest(Path(dest), [o.row for o in outcomes]))


def _rows(outcomes: list[FileOutcome]) -> list[dict[str, Any]]:
    return [
        {
            "path": o.row.path,
            "requests": ", ".join(o.row.request_ids),
            "type": o.row.type,
            "state": o.row.state,
            "size": o.row.size,
            "status": o.row.status.value,
            "resumed from": o.resumed_from,
            "error": o.row.error,
        }
        for o in outcomes
    ]


@task(name="publish downloads", cache_policy=NO_CACHE)
def publish_downloads(outcomes: list[FileOutcome]) -> None:
    """A table artifact of what was fetched, found already complete, or failed."""
    create_table_artifact(_rows(outcomes), description="Materials downloaded from the portal")


@task(name="publish plan", cache_policy=NO_CACHE)
def publish_plan(files: list[PlannedFile]) -> None:
    """A table artifact of what a dry run would download."""
    rows = [
        {
            "path": f.relpath,
            "requests": ", ".join(f.request_ids),
            "type": f.asset.type.value,
            "state": f.asset.state.value,
            "size": f.asset.size,
        }
        for f in files
    ]
    create_table_artifact(rows, description="What the download would fetch (dry run)")


@task(name="sync proxies", **portal_retries(2))
def sync_proxies_task(request_ids: list[str] | None = None) -> list[SyncedProxy]:
    """Store and attach the new proxies of the requests (all open ones when None)."""
    with portal() as client, database() as db:
        results = sync_proxies(client, db, blobs(), request_ids)
    rows = [r.model_dump(mode="json", exclude={"sha256"}) for r in results]
    if rows:
        create_table_artifact(rows, description="Proxies stored and attached")
    return results
