"""Zombie runs: a run whose process died (a killed worker, a lost machine) is marked CRASHED.

A flow run's process reports ``prefect.flow-run.heartbeat`` events while it runs (every
``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` seconds, set for served and worker processes). If a run that
has sent a heartbeat sends neither another one nor a final state within a few heartbeat periods,
its process is gone, and the automation made here moves the run to ``Crashed`` (Prefect's
"detect zombie flows" recipe). Without it the run stays RUNNING for ever and nothing retries it.

Made (or brought up to date) by ``slate up`` once Prefect answers, and by ``slate automations``
after ``prefect deploy`` (a ``prefect.yaml`` cannot declare automations).
"""

from __future__ import annotations

from datetime import timedelta

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.utilities.asyncutils import run_coro_as_sync

from slate.logging import get_logger

__all__ = ["AUTOMATION_NAME", "MISSED_HEARTBEATS", "ensure_zombie_automation", "zombie_automation"]

log = get_logger("slate.zombies")

AUTOMATION_NAME = "slate: crash zombie flow runs"
#: Heartbeat periods without news after which a run is declared dead.
MISSED_HEARTBEATS = 3
#: The period assumed when this process has no heartbeat frequency set (Prefect's minimum is 30 s).
_DEFAULT_HEARTBEAT = 30

_FINAL = ("Completed", "Failed", "Cancelled", "Crashed")


def zombie_automation(heartbeat_seconds: int) -> AutomationCore:
    """The automation: after a heartbeat, expect another (or a final state) within 3 periods."""
    silence = heartbeat_seconds * MISSED_HEARTBEATS
    return AutomationCore(
        name=AUTOMATION_NAME,
        description=(
            f"A flow run silent for {MISSED_HEARTBEATS} heartbeat periods ({heartbeat_seconds} s each) "
            "lost its process: mark it Crashed so it can be retried. Made by Slate."
        ),
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{state}" for state in _FINAL)},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=silence),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"no heartbeat for {silence} s: the run's process is gone",
            )
        ],
    )


async def _ensure(automation: AutomationCore) -> str:
    async with get_client() as client:
        existing = await client.read_automations_by_name(automation.name)
        if existing:
            await client.update_automation(existing[0].id, automation)
            for extra in existing[1:]:
                await client.delete_automation(extra.id)
            return str(existing[0].id)
        return str(await client.create_automation(automation))


def ensure_zombie_automation(api_url: str | None = None, heartbeat_seconds: int | None = None) -> str:
    """Create or update the automation on ``api_url`` (default: the configured API); its id.

    ``heartbeat_seconds`` defaults to this process's ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, which
    must be the one the serving and worker processes use.
    """
    period = heartbeat_seconds or PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() or _DEFAULT_HEARTBEAT
    updates = {PREFECT_API_URL: api_url} if api_url else {}
    with temporary_settings(updates=updates):
        automation_id = run_coro_as_sync(_ensure(zombie_automation(int(period))))
    log.info("zombie-run automation in place", automation_id=automation_id, heartbeat_seconds=period)
    return str(automation_id)
