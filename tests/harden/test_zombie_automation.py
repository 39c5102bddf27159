"""A run whose heartbeats stop is marked crashed: the automation `slate up` and `slate automations` make."""

from __future__ import annotations

from datetime import timedelta

from prefect import flow
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.objects import FlowRun, State, StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.states import Completed, Running
from typer.testing import CliRunner

from cli import app
from deployments.threads import send_heartbeat
from deployments.zombies import AUTOMATION_NAME, ensure_zombie_automation
from tests.deployments.helpers import wait_for
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


@flow(name="zombie-probe")
def _probe() -> None:
    """Never run: its runs are moved by hand, as a killed process would have left them."""


def _running_with_a_heartbeat(client: SyncPrefectClient, name: str) -> FlowRun:
    run = client.create_flow_run(_probe, name=name)
    client.set_flow_run_state(run.id, Running(), force=True)
    running = client.read_flow_run(run.id)
    send_heartbeat(running)
    return running


def test_a_run_whose_heartbeats_stop_is_crashed_and_a_finished_one_is_not(
    prefect_server: PrefectServer,
) -> None:
    """The whole chain on a real server: heartbeat sent, then silence, then Crashed by the automation."""
    ensure_zombie_automation(prefect_server.api_url, heartbeat_seconds=5)
    try:
        with get_client(sync_client=True) as client:
            killed = _running_with_a_heartbeat(client, "killed")
            finished = _running_with_a_heartbeat(client, "finished")
            client.set_flow_run_state(finished.id, Completed(), force=True)

            def state(run: FlowRun) -> State:
                found = client.read_flow_run(run.id).state
                assert found is not None
                return found

            wait_for(lambda: state(killed).type == StateType.CRASHED, timeout=90, interval=1)
            assert "no heartbeat for 15 s" in (state(killed).message or "")
            assert state(finished).type == StateType.COMPLETED
    finally:
        with get_client(sync_client=True) as client:
            for automation in client.read_automations_by_name(AUTOMATION_NAME):
                client.delete_automation(automation.id)
