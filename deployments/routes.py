"""Which deployment each portal event starts: the one table.

The dispatcher looks an event's type up here and runs the named deployment
(``"<flow name>/<deployment name>"``) with the parameters of :func:`parameters_for`. A type that
is not in the table is recorded as ``ignored``, not treated as an error: delivery processing and
acceptance are read back by the scheduled reconciliation, which compares the portal's status with
ours, so a webhook for them only needs to be kept.

Every routed flow takes one parameter, ``event``: the webhook body as JSON (a
:class:`slate.backlot.webhooks.WebhookEvent`, which a flow can declare as its parameter type).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from slate.backlot.webhooks import EventType, WebhookEvent

__all__ = ["ROUTES", "deployment_for", "parameters_for"]

INTAKE: Final = "intake/intake"
REDELIVERY: Final = "redelivery/redelivery"
PROXY_SYNC: Final = "bulk-download/proxy-sync"

#: Event type → deployment name. Types absent here are stored and ignored.
ROUTES: Final[Mapping[EventType, str]] = MappingProxyType(
    {
        EventType.ASSIGNMENT_CREATED: INTAKE,
        EventType.ASSIGNMENT_UPDATED: INTAKE,
        EventType.ASSIGNMENT_CANCELED: INTAKE,
        EventType.REDELIVERY_REQUESTED: REDELIVERY,
        EventType.DELIVERY_FAILED: REDELIVERY,
        EventType.PROXY_AVAILABLE: PROXY_SYNC,
    }
)


def deployment_for(event_type: EventType | str, routes: Mapping[EventType, str] = ROUTES) -> str | None:
    """The deployment that handles ``event_type``, or None when it is deliberately ignored."""
    try:
        return routes.get(EventType(event_type))
    except ValueError:
        return None


def parameters_for(event: WebhookEvent) -> dict[str, Any]:
    """The flow-run parameters for ``event`` (the same shape for every route)."""
    return {"event": event.model_dump(mode="json")}
