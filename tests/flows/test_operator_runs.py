"""The operator's answers to a request's runs, against a real Prefect server and real flows.

A paused validation resumed through :func:`deployments.operator_runs.decide` ends as the decision
says; an answer the flow would not apply is refused with its reason and the run stays paused. A
failed run is put back as ``AwaitingRetry`` and run again by the serving thread runner until it
completes; with nothing failed, or a run still going, a retry is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import flow, tags
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.states import Crashed

from deployments.operator_runs import decide, request_runs, retry
from deployments.threads import ThreadRunner
from slate.errors import ConflictError, InvalidInput
from slate.models import MaterialStatus
from slate.store import Database, audit_trail
from tests.deployments.helpers import wait_for
from tests.fixtures.portal import PortalServer
from tests.fixtures.prefect_server import PrefectServer
from tests.flows._support import assign_and_intake, paused_run, state, validate_in_background
from tests.flows.conftest import ttml


@flow(name="retry-probe")
def flaky(request_id: str, marker: str) -> str:
    """Fails the first time (it leaves ``marker``), succeeds when run again."""
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once", encoding="utf-8")
        raise RuntimeError(f"{request_id}: first attempt fails on purpose")
    return "second attempt"


def _blocked(portal: PortalServer, tmp_path: Path) -> str:
    from flows.ingest import ingest

    request_id = assign_and_intake(portal)
    ingest(request_id, str(ttml(tmp_path / "hour_off.xml", offset_hours=1)))
    return request_id


def _state_of(run_id: Any) -> str:
    with get_client(sync_client=True) as client:
        found = client.read_flow_run(run_id).state
    return found.type.value if found else ""


def test_a_paused_validation_resumed_through_decide_ends_as_decided(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = _blocked(portal, tmp_path)
    thread, result = validate_in_background(request_id)
    run_id = str(paused_run(request_id))

    (waiting,) = request_runs(request_id).waiting
    assert waiting.run_id == run_id and "blocking finding" in waiting.description
    decision = decide(request_id, run_id, {"action": "accept", "justification": "client asked"}, "Olga Op")
    thread.join(120)

    assert decision.operator == "Olga Op"
    assert result.get("outcome") == "accepted by the operator", result
    assert state(slate_db, request_id)[0] is MaterialStatus.ACCEPTED
    assert request_runs(request_id).waiting == []
    with slate_db.session() as session:
        trail = audit_trail(session, request_id)
    assert any(e.transition == "operator-accept" and e.actor.startswith("Olga Op") for e in trail)


def test_an_answer_the_flow_would_not_apply_is_refused_and_the_run_stays_paused(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = _blocked(portal, tmp_path)
    thread, result = validate_in_background(request_id)
    run_id = paused_run(request_id)

    with pytest.raises(InvalidInput, match="needs a justification"):
        decide(request_id, str(run_id), {"action": "accept", "justification": "  "}, "Olga Op")
    with pytest.raises(InvalidInput, match="not a decision: action"):
        decide(request_id, str(run_id), {"action": "ship it"}, "Olga Op")

    assert _state_of(run_id) == "PAUSED" and "outcome" not in result
    assert state(slate_db, request_id)[0] is MaterialStatus.RECEIVED
    # a decision that can be applied still ends it (and the thread)
    decide(request_id, str(run_id), {"action": "reject", "reason": "an hour late"}, "Olga Op")
    thread.join(120)
    assert result.get("outcome") == "rejected by the operator", result
    with pytest.raises(ConflictError, match="no validation waiting for a decision"):
        decide(request_id, str(run_id), {"action": "reject", "reason": "twice"}, "Olga Op")  # answered


@contextmanager
def _serving(deployment_id: Any) -> Iterator[ThreadRunner]:
    """The thread runner serving ``flaky``'s deployment; stopped once it holds no run (a run still
    held when it stops is marked Crashed, even one whose last step has just completed)."""
    runner = ThreadRunner(flows={deployment_id: flaky}, limit=2, poll_seconds=0.2)
    thread = threading.Thread(target=runner.serve, daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        wait_for(lambda: not runner.held(), timeout=30)
        runner.stop()
        thread.join(30)


def test_a_failed_run_is_retried_and_completes_and_nothing_else_is_retried(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    request_id = f"SR-{uuid.uuid4().hex[:8].upper()}"
    name = f"t-{uuid.uuid4().hex[:8]}"
    deployment_id = flaky.to_deployment(name=name).apply()
    marker = tmp_path / "marker"
    with pytest.raises(ConflictError, match=f"nothing to retry: no step of {request_id}"):
        retry(request_id, actor="Olga Op")

    with _serving(deployment_id):
        run = run_deployment(
            f"retry-probe/{name}",
            parameters={"request_id": request_id, "marker": str(marker)},
            tags=[f"request:{request_id}"],
            timeout=60,
        )
        assert isinstance(run, FlowRun) and _state_of(run.id) == "FAILED"
        (failed,) = request_runs(request_id).failed
        assert (failed.step, failed.run_id) == ("retry-probe", str(run.id))

        retried = retry(request_id, actor="Olga Op")
        assert (retried.step, retried.run_id, retried.same_run) == ("retry-probe", str(run.id), True)
        with pytest.raises(ConflictError, match="still has a run going"):
            retry(request_id, actor="Olga Op")  # refused until the rescheduled run ends
        wait_for(lambda: _state_of(run.id) == "COMPLETED", timeout=60, interval=0.3)

    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run.id).run_count == 2
    assert request_runs(request_id).failed == []
    with pytest.raises(ConflictError, match="nothing to retry"):
        retry(request_id, step="retry-probe", actor="Olga Op")


def _slate(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_slate_retry_reschedules_the_failed_step_and_says_where_it_is(
    portal: PortalServer, slate_env: dict[str, Any], slate_db: Database, prefect_server: PrefectServer
) -> None:
    """A Crashed run is put back as AwaitingRetry; the command prints its name, step and UI link."""
    request_id = assign_and_intake(portal)
    env = {
        **os.environ,
        **slate_env,
        "PREFECT_API_URL": prefect_server.api_url,
        "PREFECT_UI_URL": "http://ui.example:4200",
        "SLATE_ACTOR": "cli:olga",
    }
    nothing = _slate(env, "retry", request_id)
    assert nothing.returncode == 1, nothing.stdout
    assert (
        nothing.stderr.strip() == f"error: nothing to retry: no step of {request_id} ended Failed or Crashed"
    )

    deployment_id = flaky.to_deployment(name=f"t-{uuid.uuid4().hex[:8]}").apply()
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(
            deployment_id, parameters={"request_id": request_id, "marker": "-"}, tags=[request_id]
        )
        client.set_flow_run_state(
            run.id, Crashed(message="the serving process stopped; retry it"), force=True
        )

    done = _slate(env, "retry", request_id)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"retry-probe: {run.name} rescheduled — http://ui.example:4200/runs/flow-run/{run.id}"
    )
    with get_client(sync_client=True) as client:
        now = client.read_flow_run(run.id).state
    assert now is not None and (now.type.value, now.name) == ("SCHEDULED", "AwaitingRetry")
    with slate_db.session() as session:
        trail = audit_trail(session, request_id)
    assert any(e.transition == "retry-probe-retried" and e.actor == "cli:olga" for e in trail)


def test_a_failed_run_no_deployment_serves_is_started_again_from_the_deployment_of_its_step(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    """A run called directly (as a subflow is) cannot be picked up again: a new run of the step's
    deployment, with the same parameters, runs instead and completes."""
    request_id = f"SR-{uuid.uuid4().hex[:8].upper()}"
    marker = tmp_path / "marker"
    with tags(f"request:{request_id}"), pytest.raises(RuntimeError, match="first attempt fails"):
        flaky(request_id, str(marker))
    (failed,) = request_runs(request_id).failed
    deployment_id = flaky.to_deployment(name="retry-probe").apply()

    with _serving(deployment_id):
        retried = retry(request_id, actor="Olga Op")
        assert retried.step == "retry-probe" and not retried.same_run
        assert retried.run_id != failed.run_id
        wait_for(lambda: _state_of(retried.run_id) == "COMPLETED", timeout=60, interval=0.3)
    with get_client(sync_client=True) as client:
        again = client.read_flow_run(UUID(retried.run_id))
    assert again.parameters == {"request_id": request_id, "marker": str(marker)}
    assert {f"request:{request_id}", "by:Olga Op"} <= set(again.tags)
    assert request_runs(request_id).failed == []  # the latest run of the step completed


def test_without_a_configured_prefect_api_nothing_is_asked_of_an_empty_one(
    prefect_server: PrefectServer,
) -> None:
    """Prefect would start an empty server of its own, where every request seems to have no runs."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        for attempt in (
            lambda: request_runs("SR-1"),
            lambda: retry("SR-1", actor="Olga Op"),
            lambda: decide("SR-1", str(uuid.uuid4()), {"action": "autocorrect"}, "Olga Op"),
        ):
            with pytest.raises(ConflictError, match="no Prefect API is configured: set PREFECT_API_URL"):
                attempt()
