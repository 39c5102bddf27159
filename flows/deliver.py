"""Flow: deliver a request's current version to the portal, once, within the bandwidth setting."""

from __future__ import annotations

from prefect import flow

from slate.bandwidth import validate_rate_mbps
from slate.errors import StepFailed
from slate.settings import get_settings
from tasks.common import label_run, load_request, publish_panels
from tasks.deliver import deliver_version, parse_service
from tasks.failures import reported_failure


@flow(name="deliver")
def deliver(request_id: str, service_type: str | None = None, rate_mbps: int | None = None) -> str:
    """Deliver ``request_id``. Refused before any transfer when the rate or the request is not right."""
    with reported_failure("deliver", request_id):
        rate = validate_rate_mbps(get_settings().delivery_rate_mbps if rate_mbps is None else rate_mbps)
        parse_service(service_type)  # a bad Service Type is refused here, before anything changes
        label_run("deliver", load_request(request_id))
        receipt = deliver_version(request_id, service_type, rate)
        publish_panels([request_id])
    if receipt.outcome.value == "FAILED" and receipt.kind == "imf":
        raise StepFailed(
            f"deliver {request_id} failed: the portal refused the IMF package {receipt.version_label} "
            f"(CPL {receipt.portal_delivery_id}: {receipt.message or receipt.portal_status}). "
            "Next: correct the package for these reasons and ingest it as a new version, or settle "
            "them on the portal (a CPL goes to every request it answers); then deliver again.",
            request_id=request_id,
            step="deliver",
        )
    if receipt.outcome.value == "FAILED":
        raise StepFailed(
            f"deliver {request_id} failed: the portal's inspection refused {receipt.version_label} "
            f"(delivery {receipt.portal_delivery_id}: {receipt.reason_code} {receipt.message or ''}). "
            "Next: the portal's redelivery request starts a correction; or upload a new file.",
            request_id=request_id,
            step="deliver",
        )
    return receipt.portal_delivery_id
