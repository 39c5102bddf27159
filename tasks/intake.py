"""Tasks of intake: read the portal's record, make ours match."""

from __future__ import annotations

from prefect import task

from slate.backlot import PortalSourceRequest
from slate.intake import sync_request
from tasks._runtime import actor, apply_and_emit, portal
from tasks.common import portal_retries

__all__ = ["fetch_portal_request", "sync_assignment"]


@task(
    name="fetch portal request",
    **portal_retries(),
)
def fetch_portal_request(request_id: str) -> PortalSourceRequest:
    """The portal's current record (the webhook body is a hint; the portal is the truth)."""
    with portal() as client:
        return client.get_source_request(request_id)


@task(name="sync assignment")
def sync_assignment(record: PortalSourceRequest) -> str:
    """Create or update our record from the portal's; emit every status change."""
    who = actor()
    apply_and_emit(record.request_id, lambda session: sync_request(session, record, actor=who))
    return record.request_id
