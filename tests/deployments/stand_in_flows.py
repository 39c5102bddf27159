"""Stand-ins for the deployments the routes table names (the real flows belong to the lifecycle issue).

The receiver's tests only need the runs to be *created*; nothing executes them.
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


@flow(name="bulk-download")
def proxy_sync(event: dict[str, Any]) -> None:
    """Stand-in for ``bulk-download/proxy-sync``."""


#: Deployment name → the stand-in flow that serves it.
STAND_INS = {
    "intake/intake": intake,
    "redelivery/redelivery": redelivery,
    "bulk-download/proxy-sync": proxy_sync,
}
