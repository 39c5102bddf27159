"""Flow: the whole chain for one assignment whose material is at hand: ingest → validate → deliver."""

from __future__ import annotations

from prefect import flow

from flows.deliver import deliver
from flows.ingest import ingest
from flows.validate import validate
from tasks.common import label_run, load_request
from tasks.failures import reported_failure


@flow(name="lifecycle")
def lifecycle(
    request_id: str, source: str, service_type: str | None = None, rate_mbps: int | None = None
) -> str:
    """Ingest ``source``, validate it, and deliver it when accepted; returns where it ended."""
    with reported_failure("lifecycle", request_id):
        label_run("lifecycle", load_request(request_id))
        ingest(request_id, source)
        outcome = validate(request_id)
        if not outcome.accepted:
            return f"{request_id}: {outcome}"
        delivery_id = deliver(request_id, service_type=service_type, rate_mbps=rate_mbps)
        return f"{request_id}: delivered as {delivery_id}"
