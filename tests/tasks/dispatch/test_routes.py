"""The routes table against the real flows: names match, and each flow accepts what it is given."""

from __future__ import annotations

import pytest
from prefect.flows import load_flow_from_entrypoint

from slate.backlot.webhooks import EventType
from tasks.dispatch.routes import PARAMETERS, ROUTES, deployment_for, parameters_for
from tests.deployments.helpers import make_event

#: Routed deployment → the flow that serves it.
ENTRYPOINTS = {
    "intake/intake": "flows/intake.py:intake",
    "redelivery/redelivery": "flows/redelivery.py:redelivery",
    "proxy-sync/proxy-sync": "flows/proxy_sync.py:proxy_sync",
}
#: Kept but deliberately not run: reconciliation reads the portal's delivery status.
IGNORED = {EventType.DELIVERY_PROCESSED, EventType.DELIVERY_ACCEPTED}


def test_every_event_type_is_routed_or_deliberately_ignored() -> None:
    assert set(ROUTES) | IGNORED == set(EventType)
    assert set(ROUTES) & IGNORED == set()
    assert all(deployment_for(t) is None for t in IGNORED)
    assert deployment_for("no.such.type") is None
    assert set(PARAMETERS) <= set(ROUTES.values())


@pytest.mark.parametrize("deployment", sorted(ENTRYPOINTS))
def test_routed_flow_has_the_name_and_parameters_the_route_gives(deployment: str) -> None:
    assert deployment in ROUTES.values()
    flow = load_flow_from_entrypoint(ENTRYPOINTS[deployment])
    assert flow.name == deployment.split("/", maxsplit=1)[0]
    event = make_event(next(t for t, d in ROUTES.items() if d == deployment))
    given = parameters_for(deployment, event)
    accepted = set(flow.parameters.properties)
    required = set(flow.parameters.required or [])
    assert set(given) <= accepted and required <= set(given)
    flow.validate_parameters(given)


def test_proxy_sync_gets_the_request_of_the_event() -> None:
    event = make_event(EventType.PROXY_AVAILABLE)
    assert parameters_for("proxy-sync/proxy-sync", event) == {"request_ids": [event.request_id]}
    anonymous = event.model_copy(update={"request_id": None})
    assert parameters_for("proxy-sync/proxy-sync", anonymous) == {"request_ids": None}
