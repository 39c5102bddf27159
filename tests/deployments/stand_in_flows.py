"""Stand-ins for the deployments the routes table names, with the real flows' names and parameters.

The receiver's tests only need the runs to be *created*; nothing executes them, so the real flows
(and everything they import) stay out of these tests.
"""

from __future__ import annotations

from typing import Any

from prefect import flow


@flow(name="intake")
def intake(event: dict[str, Any]) -> None:
    """Stand-in for ``intake/intake``."""


@flow(name="redelivery")
def redelivery(event: dict[str, Any]) -> None:
    """Stand-in for ``redelivery/redelivery``."""


@flow(name="proxy-sync")
def proxy_sync(request_ids: list[str] | None = None) -> None:
    """Stand-in for ``proxy-sync/proxy-sync``."""


#: Deployment name → the stand-in flow that serves it.
STAND_INS = {
    "intake/intake": intake,
    "redelivery/redelivery": redelivery,
    "proxy-sync/proxy-sync": proxy_sync,
}
