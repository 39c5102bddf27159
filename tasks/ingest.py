"""Task of ingest: fetch, check and store a file as a new version."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact

from slate.ingest import IngestResult, ingest_file
from slate.store import get_request
from tasks._runtime import actor, blobs, database, emit, progress_reporter

__all__ = ["ingest_source"]


@task(name="ingest file")
def ingest_source(request_id: str, source: str) -> IngestResult:
    """Store ``source`` as the request's new version (refused, storing nothing, if it does not fit)."""
    with database() as db:
        progress = progress_reporter(f"Store {source.rsplit('/', 1)[-1]} in the blob store")
        result = ingest_file(db, blobs(), request_id, source, actor=actor(), progress=progress)
        with db.session() as session:
            emit(result.events, get_request(session, request_id))
    kind = result.category.value
    row = f"| {request_id} | {result.version_label} | {result.size:,} | `{result.sha256}` | {kind} |"
    table = "| request | version | size | sha256 | kind |\n|---|---|---|---|---|\n" + row
    create_markdown_artifact(
        f"# Ingested {result.version_label}\n\n{table}\n",
        key=f"ingest-{request_id.lower()}"[:64],
        description=f"Ingested {result.version_label} for {request_id}",
    )
    return result
