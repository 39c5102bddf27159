"""The thread runner against a real Prefect server: runs claimed once, on threads, within the limit,
cancellable from outside, and not left Running when the serving process stops."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.flow_runs import resume_flow_run
from prefect.states import Cancelling, Completed, Paused, Pending, Running

from deployments.threads import ThreadRunner, _Held
from tests.deployments.helpers import wait_for
from tests.deployments.thread_flows import nested, pause_then_trace, trace, wait_forever
from tests.fixtures.prefect_server import PrefectServer


def _start(name: str, **parameters: Any) -> FlowRun:
    run = run_deployment(name, parameters=parameters, timeout=0)
    assert isinstance(run, FlowRun)
    return run


def _deploy(flow: Any) -> tuple[Any, str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    deployment_id = flow.to_deployment(name=name).apply()
    return deployment_id, f"{flow.name}/{name}"


@contextmanager
def _serving(
    flows: dict[Any, Any], limit: int = 4, *, sole: bool = False, beat: float | None = None
) -> Iterator[ThreadRunner]:
    runner = ThreadRunner(flows=flows, limit=limit, poll_seconds=0.2, sole_server=sole, beat_seconds=beat)
    thread = threading.Thread(target=runner.serve, daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(30)
        assert not thread.is_alive(), "the runner did not stop"


def _state(run_id: Any) -> StateType | None:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    return state.type if state else None


def _ended(run_ids: list[Any], timeout: float = 60) -> dict[Any, StateType | None]:
    final = {StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED}
    wait_for(lambda: all(_state(r) in final for r in run_ids), timeout=timeout, interval=0.3)
    return {r: _state(r) for r in run_ids}


def test_runs_complete_on_the_runners_threads_each_once(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    deployment_id, name = _deploy(trace)
    out = tmp_path / "trace.txt"
    runs = [_start(name, path=str(out)) for _ in range(5)]
    with _serving({deployment_id: trace}) as runner:
        states = _ended([r.id for r in runs])
        wait_for(lambda: not runner.held(), timeout=10)
    assert set(states.values()) == {StateType.COMPLETED}
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    assert all(line.split()[2].startswith("slate-run") for line in lines)


def test_two_runners_never_run_the_same_run_twice(prefect_server: PrefectServer, tmp_path: Path) -> None:
    deployment_id, name = _deploy(trace)
    out = tmp_path / "trace.txt"
    runs = [_start(name, path=str(out), pause=0.2) for _ in range(8)]
    with _serving({deployment_id: trace}), _serving({deployment_id: trace}):
        states = _ended([r.id for r in runs])
    assert set(states.values()) == {StateType.COMPLETED}
    assert len(out.read_text(encoding="utf-8").splitlines()) == 8


def test_no_more_runs_at_once_than_the_limit(prefect_server: PrefectServer, tmp_path: Path) -> None:
    deployment_id, name = _deploy(trace)
    out = tmp_path / "trace.txt"
    runs = [_start(name, path=str(out), pause=0.5) for _ in range(3)]
    with _serving({deployment_id: trace}, limit=1):
        _ended([r.id for r in runs])
    lines = [line.split() for line in out.read_text(encoding="utf-8").splitlines()]
    spans = sorted((float(start), float(end)) for start, end, _thread in lines)
    assert len(spans) == 3
    assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(spans))


def test_an_operator_cancel_stops_the_run_and_frees_its_slot(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    wait_id, wait_name = _deploy(wait_forever)
    trace_id, trace_name = _deploy(trace)
    started = tmp_path / "started"
    waiting = _start(wait_name, path=str(started))
    with _serving({wait_id: wait_forever, trace_id: trace}, limit=1) as runner:
        wait_for(started.exists, timeout=60)
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(waiting.id, Cancelling(), force=True)
        assert _ended([waiting.id], timeout=30)[waiting.id] == StateType.CANCELLED
        wait_for(lambda: not runner.held(), timeout=10)
        after = _start(trace_name, path=str(tmp_path / "after"))
        assert _ended([after.id])[after.id] == StateType.COMPLETED


def test_a_run_in_progress_when_serving_stops_is_marked_crashed(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    deployment_id, name = _deploy(wait_forever)
    started = tmp_path / "started"
    run = _start(name, path=str(started))
    with _serving({deployment_id: wait_forever}):
        wait_for(started.exists, timeout=60)
    time.sleep(0.2)
    assert _state(run.id) == StateType.CRASHED
    with get_client(sync_client=True) as client:
        message = client.read_flow_run(run.id).state.message  # type: ignore[union-attr]
    assert "retry" in (message or "")


def test_a_run_that_finished_just_before_the_stop_keeps_its_state(prefect_server: PrefectServer) -> None:
    """The stop marks unfinished runs Crashed, never one whose Completed state landed first."""
    deployment_id, name = _deploy(trace)
    finished, unfinished = _start(name, path="-"), _start(name, path="-")
    runner = ThreadRunner(flows={deployment_id: trace}, limit=2, poll_seconds=0.2)
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(finished.id, Completed(), force=True)
        client.set_flow_run_state(unfinished.id, Running(), force=True)
        runner._held = {run.id: _Held(run=run) for run in (finished, unfinished)}
        runner._interrupt_held(client)
    assert _state(finished.id) == StateType.COMPLETED
    assert _state(unfinished.id) == StateType.CRASHED


def test_a_sole_server_crashes_the_runs_a_dead_predecessor_left(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    deployment_id, name = _deploy(wait_forever)
    left = [_start(name, path=str(tmp_path / f"x{i}")) for i in range(3)]
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(left[0].id, Running(), force=True)
        client.set_flow_run_state(left[1].id, Paused(), force=True)
        client.set_flow_run_state(left[2].id, Pending(), force=True)
    with _serving({deployment_id: wait_forever}, sole=True):
        wait_for(lambda: all(_state(r.id) == StateType.CRASHED for r in left), timeout=30)
    assert not any((tmp_path / f"x{i}").exists() for i in range(3))


def test_a_run_paused_for_an_operator_does_not_hold_a_slot(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    pause_id, pause_name = _deploy(pause_then_trace)
    trace_id, trace_name = _deploy(trace)
    paused = _start(pause_name, path=str(tmp_path / "resumed"))
    with _serving({pause_id: pause_then_trace, trace_id: trace}, limit=1):
        wait_for(lambda: _state(paused.id) == StateType.PAUSED, timeout=60)
        after = _start(trace_name, path=str(tmp_path / "trace"))
        assert _ended([after.id], timeout=30)[after.id] == StateType.COMPLETED
        resume_flow_run(paused.id)
        assert _ended([paused.id], timeout=60)[paused.id] == StateType.COMPLETED
    assert (tmp_path / "resumed").read_text(encoding="utf-8") == "resumed"


def _heartbeats_of(api_url: str, run_id: Any) -> int:
    """How many heartbeat events the server recorded for ``run_id``."""
    wanted = {
        "filter": {
            "event": {"name": ["prefect.flow-run.heartbeat"]},
            "resource": {"id": [f"prefect.flow-run.{run_id}"]},
        },
        "limit": 50,
    }
    answer = httpx.post(f"{api_url}/events/filter", json=wanted, timeout=10)
    answer.raise_for_status()
    return len(answer.json()["events"])


def test_held_runs_and_their_subflows_send_heartbeats(prefect_server: PrefectServer, tmp_path: Path) -> None:
    """What the zombie automation watches: without them a killed process's runs stay Running."""
    deployment_id, name = _deploy(nested)
    run = _start(name, path=str(tmp_path / "trace.txt"), pause=2.0)
    with _serving({deployment_id: nested}, beat=0.3):
        assert _ended([run.id]) == {run.id: StateType.COMPLETED}
    with get_client(sync_client=True) as client:
        (subflow,) = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id]))
        )
    wait_for(lambda: _heartbeats_of(prefect_server.api_url, run.id) >= 2, timeout=20)
    wait_for(lambda: _heartbeats_of(prefect_server.api_url, subflow.id) >= 1, timeout=20)


def test_a_runner_without_a_period_sends_none(prefect_server: PrefectServer, tmp_path: Path) -> None:
    deployment_id, name = _deploy(nested)
    run = _start(name, path=str(tmp_path / "trace.txt"), pause=1.0)
    with _serving({deployment_id: nested}):
        assert _ended([run.id]) == {run.id: StateType.COMPLETED}
    time.sleep(2)  # events are stored a moment after they are sent
    assert _heartbeats_of(prefect_server.api_url, run.id) == 0
