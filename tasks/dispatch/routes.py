"""Which deployment each portal event starts, with which parameters: the one table.

The dispatcher looks an event's type up in :data:`ROUTES` and creates a run of the named
deployment (``"<flow name>/<deployment name>"``), with the parameters :data:`PARAMETERS` gives.
A type that is not in the table is recorded as ``ignored``, not treated as an error: delivery
processing and acceptance are read back by the scheduled reconciliation, which compares the
portal's status with ours, so a webhook for them only needs to be kept. A type Slate does not
know at all is stored ``ignored`` by the receiver and never reaches this table.

Flows started for one event take it whole (``event``: the webhook body as JSON, a
:class:`slate.backlot.webhooks.WebhookEvent`); proxy sync takes the request ids it should look at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from prefect.settings import get_current_settings
from pydantic import BaseModel, ConfigDict

from slate.backlot.webhooks import EventType, WebhookEvent
from slate.redelivery import inspection_ref

__all__ = [
    "PARAMETERS",
    "ROUTES",
    "Unrunnable",
    "deployment_for",
    "event_parameters",
    "parameters_for",
    "request_parameters",
    "run_key",
    "unrunnable",
]


def event_parameters(event: WebhookEvent) -> dict[str, Any]:
    """``event``: the whole webhook body."""
    return {"event": event.model_dump(mode="json")}


def request_parameters(event: WebhookEvent) -> dict[str, Any]:
    """``request_ids``: the event's request (None, meaning every open request, if it names none)."""
    return {"request_ids": [event.request_id] if event.request_id else None}


INTAKE: Final = "intake/intake"
REDELIVERY: Final = "redelivery/redelivery"
PROXY_SYNC: Final = "proxy-sync/proxy-sync"

#: Event type → deployment. Types absent here are stored and ignored.
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

#: Deployment → how an event becomes its parameters (absent: :func:`event_parameters`).
PARAMETERS: Final[Mapping[str, Callable[[WebhookEvent], dict[str, Any]]]] = MappingProxyType(
    {PROXY_SYNC: request_parameters}
)


def deployment_for(event_type: EventType | str, routes: Mapping[EventType, str] = ROUTES) -> str | None:
    """The deployment that handles ``event_type``, or None when it is deliberately ignored."""
    try:
        return routes.get(EventType(event_type))
    except ValueError:
        return None


def parameters_for(deployment: str, event: WebhookEvent) -> dict[str, Any]:
    """The parameters of the run ``deployment`` gets for ``event``."""
    return PARAMETERS.get(deployment, event_parameters)(event)


def run_key(event: WebhookEvent) -> str:
    """The idempotency key of the run ``event`` starts: one run per thing the portal reports.

    Usually the event's id. A rejection (a redelivery request, a failed inspection) is keyed by
    the portal's id for it instead, so the portal's webhook and the event reconcile stores when
    it finds the rejection first start one correction between them, not two.
    """
    data = event.data
    if event.type == EventType.REDELIVERY_REQUESTED and data.get("redeliveryId"):
        return f"redelivery:{data['redeliveryId']}"
    if event.type == EventType.DELIVERY_FAILED and data.get("deliveryId"):
        return f"redelivery:{inspection_ref(str(data['deliveryId']))}"
    return event.id


class Unrunnable(BaseModel):
    """Why no flow run can ever be created for an event, and the HTTP status the receiver answers."""

    model_config = ConfigDict(frozen=True)

    status: int
    reason: str


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def parameter_limit() -> int:
    """Prefect's limit on a run's parameters, in bytes of compact JSON (0: no limit)."""
    return int(get_current_settings().server.api.max_parameter_size)


def unrunnable(event: WebhookEvent, routes: Mapping[EventType, str] = ROUTES) -> Unrunnable | None:
    """Why ``event`` can never become a flow run, checked before anything is sent to Prefect.

    * a NUL character anywhere: Prefect on PostgreSQL stores parameters as ``jsonb``, which
      refuses ``\\u0000``, and the failure aborts the whole bulk request it is part of;
    * parameters over Prefect's size limit (512 KiB by default): the server refuses the whole
      bulk request with 422.

    Either way asking again never helps, so the receiver refuses such an event at the door and the
    dispatcher fails it at once (an event stored before these checks existed), with this reason.
    """
    if _holds_nul(event.model_dump(mode="json")):
        return Unrunnable(
            status=422, reason="the event holds a NUL character (\\u0000), which no run can carry"
        )
    deployment = deployment_for(event.type, routes)
    limit = parameter_limit()
    if deployment is None or limit <= 0:
        return None
    size = len(json.dumps(parameters_for(deployment, event), separators=(",", ":")).encode())
    if size > limit:
        return Unrunnable(
            status=413,
            reason=f"the event's run parameters would be {size:,} bytes; Prefect accepts at most {limit:,}",
        )
    return None
