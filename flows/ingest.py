"""Flow: a file (path, watch folder, S3 URI or URL) → a new version of a request's deliverable."""

from __future__ import annotations

from prefect import flow

from tasks.common import label_run, load_request, publish_panels
from tasks.failures import reported_failure
from tasks.ingest import ingest_source


@flow(name="ingest")
def ingest(request_id: str, source: str) -> int:
    """Ingest ``source`` for ``request_id``; returns the new version's id."""
    with reported_failure("ingest", request_id):
        label_run("ingest", load_request(request_id))
        result = ingest_source(request_id, source)
        publish_panels([request_id])
        return result.version_id
