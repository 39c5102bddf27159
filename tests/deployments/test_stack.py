"""``slate up``: the whole embedded stack starts, serves prefect.yaml, runs a flow, and Ctrl-C stops it all.

One stack is started for the module (it takes ~20-40 s: a Prefect server on a fresh SQLite file);
the tests run in file order and the last one stops it with SIGINT, as a terminal's Ctrl-C would.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
)
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_API_URL, temporary_settings
from pydantic import SecretStr

from deployments._processes import group_alive
from deployments.serve import DEFAULT_FILE, load_project
from deployments.stack import Ports, Stack, StackInfo, read_stack, running_stack, stop_detached
from slate.media import synth
from slate.models import MaterialStatus
from slate.settings import Settings
from slate.store import get_request, open_database

SLATE = "import sys; from cli import main; sys.argv[0] = 'slate'; main()"


def _free_run_of_ports(count: int = 4) -> int:
    """A base port with ``count`` free ports after it (the stack takes N to N+3)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = int(sock.getsockname()[1])
        if base + count < 65535 and all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no run of free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    info: StackInfo
    home: Path
    output: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    home = tmp_path_factory.mktemp("stack-home")
    output = home / "up.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SLATE_"))}
    env["SLATE_HOME"] = str(home)
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", SLATE, "up", "--port-base", str(_free_run_of_ports())],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while not (home / "stack.json").exists():
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, "the stack did not become ready\n" + output.read_text()
            time.sleep(0.5)
        info = StackInfo.model_validate_json((home / "stack.json").read_text())
        yield Running(process, info, home, output)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        leftover = read_leftover(home)
        if leftover is not None:
            stop_detached(Settings(home=home))


def read_leftover(home: Path) -> dict[str, Any] | None:
    path = home / "stack.json"
    return json.loads(path.read_text()) if path.exists() else None


def test_up_serves_every_deployment_of_prefect_yaml(stack: Running) -> None:
    info = stack.info
    assert running_stack(Settings(home=stack.home)) == info
    names = [spec.name for spec in load_project().deployments]
    assert info.deployments == names
    assert httpx.get(f"{info.receiver_url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{info.emulator_url}/docs").status_code == 200
    assert httpx.get(f"{info.workspace_url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{info.prefect_api_url}/health").status_code == 200
    printed = stack.output.read_text()
    for url in (info.prefect_ui_url, info.webhook_url, info.emulator_url):
        assert url in printed
    api = {PREFECT_API_URL: info.prefect_api_url}
    with temporary_settings(updates=api), get_client(sync_client=True) as client:
        on_server = client.read_deployments(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=names))
        )
    assert sorted(d.name for d in on_server) == sorted(names)
    # Ready means polled by the serving process since the start, not merely registered.
    assert all(d.last_polled is not None and d.last_polled >= info.started_at for d in on_server)


def test_a_portal_webhook_drives_intake_through_the_receiver(stack: Running) -> None:
    """The wiring: emulator → signed webhook → receiver → intake run on the served deployment."""
    info = stack.info
    spec = {"movieId": "81000077", "title": "Stack Check", "sourceType": "SUBTITLE", "language": "es"}
    created = httpx.post(f"{info.emulator_url}/admin/assignments", json=spec, timeout=30)
    assert created.status_code == 201, created.text
    request_id = created.json()["requestId"]
    api = {PREFECT_API_URL: info.prefect_api_url}
    with temporary_settings(updates=api), get_client(sync_client=True) as client:
        deadline = time.monotonic() + 90
        done: list[Any] = []
        while not done:
            assert time.monotonic() < deadline, "no completed intake run for the webhook"
            runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["intake"])))
            mine = [r for r in runs if r.parameters.get("event", {}).get("request_id") == request_id]
            assert all(r.state_type not in (StateType.FAILED, StateType.CRASHED) for r in mine), mine
            done = [r for r in mine if r.state_type == StateType.COMPLETED]
            time.sleep(0.5)
    assert done[0].work_pool_name is None  # run by the serving process, no pool or worker involved


def _wait_for_run(client: Any, flow: str, mine: Any, timeout: float) -> Any:
    """The first COMPLETED run of ``flow`` that ``mine(run)`` picks; fails on a failed one or the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        assert time.monotonic() < deadline, f"no completed {flow} run within {timeout:.0f} s"
        runs = [
            r
            for r in client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])))
            if mine(r)
        ]
        assert all(r.state_type not in (StateType.FAILED, StateType.CRASHED) for r in runs), runs
        done = [r for r in runs if r.state_type == StateType.COMPLETED]
        if done:
            return done[0]
        time.sleep(0.5)


def test_a_signed_webhook_leads_to_a_delivery_through_served_runs(stack: Running, tmp_path: Path) -> None:
    """One chain on the stack: webhook → intake → lifecycle (ingest, validate, deliver) → DELIVERED."""
    info = stack.info
    spec = {"movieId": "81000078", "title": "Stack Chain", "sourceType": "SUBTITLE", "language": "en"}
    created = httpx.post(f"{info.emulator_url}/admin/assignments", json=spec, timeout=30)
    assert created.status_code == 201, created.text
    request_id = created.json()["requestId"]
    lines = ["Where were you last night?", "At home. Alone.", "That is not what she said."]
    source = synth.subtitle_ttml(tmp_path / "chain_en.xml", lines, lang="en")
    api = {PREFECT_API_URL: info.prefect_api_url}
    with temporary_settings(updates=api), get_client(sync_client=True) as client:
        _wait_for_run(
            client, "intake", lambda r: r.parameters.get("event", {}).get("request_id") == request_id, 90
        )
        deployment = client.read_deployment_by_name("lifecycle/lifecycle")
        started = client.create_flow_run_from_deployment(
            deployment.id,
            parameters={"request_id": request_id, "source": str(source), "service_type": "SUBTITLING"},
        )
        _wait_for_run(client, "lifecycle", lambda r: r.id == started.id, 240)
    database = open_database(f"sqlite:///{stack.home / 'slate.db'}")
    try:
        with database.session() as session:
            assert get_request(session, request_id).material_status is MaterialStatus.DELIVERED
    finally:
        database.dispose()
    stats = httpx.get(f"{info.emulator_url}/admin/stats", timeout=30).json()
    uploads = [k for k in stats["calls"] if k.startswith("PUT /v1/deliveries/") and k.endswith("/file")]
    assert len(uploads) == 1, stats["calls"]  # one delivery of this stack's one delivered request


def test_the_reconcile_cron_gets_scheduled_runs(stack: Running) -> None:
    api = {PREFECT_API_URL: stack.info.prefect_api_url}
    with temporary_settings(updates=api), get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("reconcile/reconcile")
        only_it = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id]))
        deadline = time.monotonic() + 6  # the scheduler acts within seconds of a registration
        scheduled: list[Any] = []
        while not scheduled and time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=only_it)
            scheduled = [r for r in runs if r.state_type == StateType.SCHEDULED]
            time.sleep(1)
    assert scheduled


def test_ctrl_c_stops_every_part_and_frees_every_port(stack: Running) -> None:
    parts = set(stack.info.pids.values())
    below = _descendants(stack.process.pid)
    assert parts <= below
    os.killpg(stack.process.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends to the foreground group
    assert stack.process.wait(timeout=60) == 0, stack.output.read_text()
    assert [pid for pid in below if _alive(pid)] == []
    assert not any(group_alive(pid) for pid in parts)
    for port in stack.info.ports.model_dump().values():
        assert _port_free(port), port
    assert not (stack.home / "stack.json").exists()
    assert "stopped" in stack.output.read_text()


def test_down_stops_a_detached_stack_group_by_group(tmp_path: Path) -> None:
    """``slate down`` on what ``slate up --detach`` leaves: parts leading their own groups, no supervisor."""
    parts = {
        name: subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60"], start_new_session=True)
        for name in ("prefect-server", "serve")
    }
    members = {pid for p in parts.values() for pid in _descendants(p.pid) | {p.pid}}
    time.sleep(0.2)
    info = {
        "home": str(tmp_path),
        "prefect_ui_url": "u",
        "prefect_api_url": "u",
        "receiver_url": "u",
        "webhook_url": "u",
        "emulator_url": "u",
        "ports": {"prefect": 1, "receiver": 2, "emulator": 3},
        "deployments": [],
        "pids": {name: p.pid for name, p in parts.items()},
        "supervisor_pid": None,
        "logs": str(tmp_path),
        "started_at": "2026-01-01T00:00:00Z",
    }
    (tmp_path / "stack.json").write_text(json.dumps(info))
    stopped = stop_detached(Settings(home=tmp_path))
    assert stopped is not None and stopped.pids == info["pids"]
    for p in parts.values():
        p.wait(timeout=5)
    assert [pid for pid in members if _alive(pid)] == []
    assert not (tmp_path / "stack.json").exists()
    assert stop_detached(Settings(home=tmp_path)) is None


def test_a_stack_file_left_by_a_dead_stack_is_not_taken_for_a_running_stack(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"], start_new_session=True)
    gone.wait()
    info = StackInfo(
        home=str(tmp_path),
        prefect_ui_url="u",
        prefect_api_url="u",
        receiver_url="u",
        webhook_url="u",
        emulator_url="u",
        ports=Ports(prefect=1, receiver=2, emulator=3),
        deployments=[],
        pids={"serve": gone.pid},
        supervisor_pid=None,
        logs=str(tmp_path),
        started_at=datetime.now(UTC),
    )
    (tmp_path / "stack.json").write_text(info.model_dump_json())
    assert read_stack(Settings(home=tmp_path)) == info
    assert running_stack(Settings(home=tmp_path)) is None
    assert not (tmp_path / "stack.json").exists()


@pytest.mark.parametrize(
    ("configured", "expected"),
    [("", "sqlite+aiosqlite:///{home}/prefect/prefect.db"), ("postgresql+asyncpg://p:q@db/prefect", None)],
)
def test_the_stack_prefect_server_uses_the_configured_database(
    tmp_path: Path, configured: str, expected: str | None
) -> None:
    settings = Settings(home=tmp_path, stack_prefect_database_url=SecretStr(configured))
    stack = Stack(settings, Ports(prefect=4200, receiver=4201, emulator=4202), DEFAULT_FILE)
    (server,) = [part for part in stack.parts if part.name == "prefect-server"]
    wanted = expected.format(home=tmp_path) if expected else configured
    assert server.env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] == wanted
