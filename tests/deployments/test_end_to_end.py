"""The receiver as it runs for real: uvicorn on loopback, its background dispatcher, a real Prefect
server, webhooks sent concurrently with redeliveries mixed in."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from typer.testing import CliRunner

from cli import app as cli
from deployments.webhook_receiver import create_app
from slate.backlot.webhooks import EventType
from slate.settings import Settings, reset_settings
from slate.store import Database
from slate.store.webhook_events import DispatchState, count_by_state
from tasks.dispatch.dispatcher import DispatchConfig
from tests.deployments.helpers import SECRET, free_port, make_event, runs_for, serving, signed, wait_for
from tests.fixtures.prefect_server import PrefectServer


def test_every_valid_event_starts_exactly_one_run(
    settings: Settings,
    database: Database,
    prefect_server: PrefectServer,
    stand_in_deployments: dict[str, UUID],
) -> None:
    types = [EventType.ASSIGNMENT_CREATED, EventType.REDELIVERY_REQUESTED, EventType.DELIVERY_PROCESSED]
    events = [make_event(types[i % 3], n=i) for i in range(30)]
    sends = [signed(e) for e in events] + [signed(e) for e in events[::3]]  # 10 redeliveries
    config = DispatchConfig(api_url=prefect_server.api_url, interval=0.2)
    app = create_app(settings, database=database, dispatch_config=config)
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(lambda kwargs: client.post("/webhooks", **kwargs).status_code, sends))
        assert sorted(set(codes)) == [200, 202] and codes.count(202) == len(events)

        def settled() -> bool:
            with database.session() as session:
                return count_by_state(session)[DispatchState.PENDING] == 0

        wait_for(settled, timeout=60)
    with database.session() as session:
        counts = count_by_state(session)
    assert counts[DispatchState.DISPATCHED] == 20 and counts[DispatchState.IGNORED] == 10
    runs = runs_for([e.id for e in events])
    for event in events:
        expected = 0 if event.type is EventType.DELIVERY_PROCESSED else 1
        assert len(runs[event.id]) == expected, event


def test_cli_lists_events_and_their_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings, database: Database
) -> None:
    monkeypatch.setenv("SLATE_HOME", str(tmp_path))
    reset_settings()
    with serving(create_app(settings, database=database, dispatch=False)) as url:
        event = make_event(EventType.PROXY_AVAILABLE)
        assert httpx.post(f"{url}/webhooks", **signed(event)).status_code == 202
    try:
        runner = CliRunner()
        listed = runner.invoke(cli, ["webhooks", "--state", "pending", "--json"])
        assert listed.exit_code == 0, listed.output
        payload = json.loads(listed.output)
        assert payload["counts"]["pending"] == 1
        assert [e["event_id"] for e in payload["events"]] == [event.id]
        assert payload["events"][0]["event_type"] == "proxy.available"
        none = json.loads(runner.invoke(cli, ["webhooks", "--state", "dispatched", "--json"]).output)
        assert none["events"] == []
        table = runner.invoke(cli, ["webhooks"])
        assert table.exit_code == 0 and event.id in table.output and "pending" in table.output
    finally:
        reset_settings()


def test_slate_webhook_receiver_command_serves_and_starts_runs(
    tmp_path: Path, prefect_server: PrefectServer, stand_in_deployments: dict[str, UUID]
) -> None:
    """The production path: the console script, its own settings from the environment, real HTTP."""
    port = free_port()
    env = {
        **os.environ,
        "SLATE_HOME": str(tmp_path),
        "SLATE_WEBHOOK_SECRET": SECRET,
        "SLATE_WEBHOOK_PREFECT_API_URL": prefect_server.api_url,
        "SLATE_WEBHOOK_DISPATCH_INTERVAL": "0.2",
    }
    slate = Path(sys.executable).with_name("slate")
    command = [str(slate), "webhook-receiver", "--port", str(port)]
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        try:
            url = f"http://127.0.0.1:{port}"

            def up() -> bool:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                try:
                    return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(up, timeout=60, interval=0.2)
            event = make_event(EventType.ASSIGNMENT_UPDATED)
            assert httpx.post(f"{url}/webhooks", **signed(event), timeout=10).status_code == 202
            wait_for(lambda: len(runs_for([event.id])[event.id]) == 1, timeout=60, interval=0.5)
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert process.returncode in (0, -signal.SIGTERM)
