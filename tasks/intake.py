"""Tasks of intake: read the portal's record, make ours match."""

from __future__ import annotations

from prefect import task

from slate.backlot import PortalSourceRequest
from slate.intake import sync_request
from slate.store import get_request
from tasks._runtime import actor, database, emit, portal
from tasks.common import retry_if_transient

__all__ = ["fetch_portal_request", "sync_assignment"]


@task(
    name="fetch portal request",
    retries=4,
    retry_delay_seconds=[2, 5, 15, 30],
    retry_condition_fn=retry_if_transient,
)
def fetch_portal_request(request_id: str) -> PortalSourceRequest:
    """The portal's current record (the webhook body is a hint; the portal is the truth)."""
    with portal() as client:
        return client.get_source_request(request_id)


@task(name="sync assignment")
def sync_assignment(record: PortalSourceRequest) -> str:
    """Create or update our record from the portal's; emit every status change."""
    with database() as db:
        with db.session() as session:
            events = sync_request(session, record, actor=actor())
        with db.session() as session:
            emit(events, get_request(session, record.request_id))
    return record.request_id
