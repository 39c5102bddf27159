"""Starting Prefect deployments for the workspace's actions, and linking to their runs."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["RunStarter", "prefect_starter", "run_url"]


class RunStarter(Protocol):
    """Starts a deployment's run and returns its id (without waiting for it)."""

    def __call__(self, deployment: str, parameters: dict[str, Any], *, tags: list[str]) -> str: ...


def prefect_starter(deployment: str, parameters: dict[str, Any], *, tags: list[str]) -> str:
    """Start ``deployment`` on the Prefect API this process is configured for (``PREFECT_API_URL``)."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    run = run_deployment(deployment, parameters=parameters, timeout=0, tags=tags)
    assert isinstance(run, FlowRun)  # called from sync code, run_deployment runs to completion
    return str(run.id)


def run_url(prefect_ui_url: str, run_id: str) -> str:
    """The Prefect UI page of one flow run."""
    return f"{prefect_ui_url.rstrip('/')}/runs/flow-run/{run_id}"
