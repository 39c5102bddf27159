"""Flow: deliver a request's current version to the portal, once, within the bandwidth setting."""

from __future__ import annotations

from prefect import flow

from slate.bandwidth import validate_rate_mbps
from slate.settings import get_settings
from tasks.common import label_run, load_request, publish_panels
from tasks.deliver import deliver_version, parse_service


@flow(name="deliver")
def deliver(request_id: str, service_type: str | None = None, rate_mbps: int | None = None) -> str:
    """Deliver ``request_id``. Refused before any transfer when the rate or the request is not right."""
    rate = validate_rate_mbps(get_settings().delivery_rate_mbps if rate_mbps is None else rate_mbps)
    parse_service(service_type)  # a bad Service Type is refused here, before anything changes
    label_run("deliver", load_request(request_id))
    receipt = deliver_version(request_id, service_type, rate)
    publish_panels([request_id])
    if receipt.outcome.value == "FAILED":
        raise RuntimeError(
            f"{request_id}: the portal's inspection failed delivery {receipt.portal_delivery_id}: "
            f"{receipt.reason_code} {receipt.message or ''}".strip()
        )
    return receipt.portal_delivery_id
