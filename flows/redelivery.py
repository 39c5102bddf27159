"""Flow: the portal rejected a delivery → record it; correct, validate and deliver when Slate can."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.deliver import deliver
from flows.validate import validate
from slate.backlot.webhooks import WebhookEvent
from tasks.common import label_run, load_request, publish_panels
from tasks.failures import reported_failure
from tasks.redelivery import apply_rejection, prepare_correction, read_rejection


@flow(name="redelivery")
def redelivery(event: dict[str, Any]) -> str:
    """Handle a redelivery request or a failed inspection; returns what was done, in words."""
    parsed = WebhookEvent.model_validate(event)
    with reported_failure("redelivery", parsed.request_id or "?"):
        return _correct(parsed)


def _correct(event: WebhookEvent) -> str:
    rejection = read_rejection(event)
    label_run("redelivery", load_request(rejection.request_id))
    version_id = apply_rejection(rejection)
    publish_panels([rejection.request_id])
    if version_id is None:
        return f"{rejection.request_id}: {rejection.portal_ref} already answered; nothing to do"
    done = prepare_correction(rejection.request_id, version_id, rejection.reason_code)
    if done is None:
        return f"{rejection.request_id}: {rejection.reason_code} needs an operator or a new upload"
    outcome = validate(rejection.request_id)
    if not outcome.accepted:
        return f"{rejection.request_id}: corrected ({done}) but not accepted: {outcome}"
    delivery_id = deliver(rejection.request_id)
    return f"{rejection.request_id}: corrected ({done}) and redelivered as {delivery_id}"
