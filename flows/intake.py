"""Flow: a portal webhook about an assignment → Slate's record of it."""

from __future__ import annotations

from typing import Any

from prefect import flow

from slate.backlot.webhooks import WebhookEvent
from tasks.common import label_run, load_request, publish_panels
from tasks.intake import fetch_portal_request, sync_assignment


@flow(name="intake", log_prints=False)
def intake(event: dict[str, Any]) -> str:
    """Create or update the assignment the event names, idempotently; publish its panels."""
    parsed = WebhookEvent.model_validate(event)
    if not parsed.request_id:
        raise ValueError(f"webhook {parsed.id} ({parsed.type}) names no request")
    record = fetch_portal_request(parsed.request_id)
    request_id = sync_assignment(record)
    label_run("intake", load_request(request_id))
    publish_panels([request_id])
    return request_id
