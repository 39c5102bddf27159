"""``slate automations``: create the Prefect automations Slate relies on (after ``prefect deploy``).

``slate up`` makes them itself; a deployment through ``prefect deploy`` and workers cannot (a
``prefect.yaml`` declares no automations), so run this once against the same API.
"""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["automations"]


def automations(
    heartbeat: Annotated[
        int | None,
        typer.Option(
            "--heartbeat",
            help="Seconds between run heartbeats (default: PREFECT_FLOWS_HEARTBEAT_FREQUENCY, else 30).",
        ),
    ] = None,
) -> None:
    """Create or update the automation that marks a flow run whose heartbeats stopped as crashed."""
    from deployments.zombies import AUTOMATION_NAME, ensure_zombie_automation

    automation_id = ensure_zombie_automation(heartbeat_seconds=heartbeat)
    typer.echo(f"{AUTOMATION_NAME}: {automation_id}")
