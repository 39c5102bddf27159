"""A run whose heartbeats stop is marked crashed: the automation `slate up` and `slate automations` make."""

from __future__ import annotations

from datetime import timedelta

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from typer.testing import CliRunner

from cli import app
from deployments.zombies import AUTOMATION_NAME, ensure_zombie_automation
from tests.fixtures.prefect_server import PrefectServer


def _automations() -> list[object]:
    with get_client(sync_client=True) as client:
        return list(client.read_automations_by_name(AUTOMATION_NAME))


def test_the_automation_crashes_runs_silent_for_three_heartbeats(prefect_server: PrefectServer) -> None:
    first = ensure_zombie_automation(prefect_server.api_url, heartbeat_seconds=40)
    second = ensure_zombie_automation(prefect_server.api_url, heartbeat_seconds=30)
    assert first == second, "made once, then brought up to date"
    (automation,) = _automations()
    trigger = automation.trigger  # type: ignore[attr-defined]
    assert isinstance(trigger, EventTrigger) and trigger.posture == Posture.Proactive
    assert trigger.after == {"prefect.flow-run.heartbeat"}
    assert {
        "prefect.flow-run.heartbeat",
        "prefect.flow-run.Completed",
        "prefect.flow-run.Crashed",
    } <= trigger.expect
    assert trigger.for_each == {"prefect.resource.id"} and trigger.within == timedelta(seconds=90)
    (action,) = automation.actions  # type: ignore[attr-defined]
    assert isinstance(action, ChangeFlowRunState) and action.state == StateType.CRASHED


def test_slate_automations_makes_it_after_prefect_deploy(prefect_server: PrefectServer) -> None:
    result = CliRunner().invoke(app, ["automations", "--heartbeat", "45"])
    assert result.exit_code == 0, result.output
    (automation,) = _automations()
    assert str(automation.id) in result.output  # type: ignore[attr-defined]
    assert automation.trigger.within == timedelta(seconds=135)  # type: ignore[attr-defined]
