"""Helpers for the receiver's tests: signed events, a uvicorn server in a thread, Prefect queries."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterIdempotencyKey
from prefect.client.schemas.objects import FlowRun

from deployments.webhook_receiver import server_config
from slate.backlot.webhooks import EventType, WebhookEvent, signature_headers

SECRET = "test-webhook-secret"


def make_event(event_type: EventType = EventType.ASSIGNMENT_CREATED, **data: Any) -> WebhookEvent:
    """A fresh event with a unique id."""
    return WebhookEvent(
        id=f"evt-{uuid.uuid4().hex}",
        type=event_type,
        occurred_at=datetime.now(UTC),
        request_id=f"SR-{uuid.uuid4().hex[:6]}",
        data=data,
    )


def signed(event: WebhookEvent, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, Any]:
    """``httpx`` keyword arguments that POST ``event`` signed as the portal would."""
    body = event.model_dump_json().encode()
    return {"content": body, "headers": signature_headers(secret, event.id, body, timestamp)}


def free_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn on loopback in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the receiver did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def runs_for(event_ids: list[str]) -> dict[str, list[FlowRun]]:
    """Every flow run on the test server whose idempotency key is one of ``event_ids``."""
    client: SyncPrefectClient = get_client(sync_client=True)
    found: dict[str, list[FlowRun]] = {event_id: [] for event_id in event_ids}
    with client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(idempotency_key=FlowRunFilterIdempotencyKey(any_=event_ids)),
            limit=200,
        )
    for run in runs:
        assert run.idempotency_key is not None
        found[run.idempotency_key].append(run)
    return found


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.1) -> None:
    """Poll ``predicate`` until it returns true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def post(base_url: str, event: WebhookEvent, **kwargs: Any) -> httpx.Response:
    """POST one signed event to the receiver."""
    return httpx.post(f"{base_url}/webhooks", **{**signed(event), **kwargs}, timeout=10)


@contextmanager
def prefect_api_process(port: int, home: Path, database_url: str, *, timeout: float) -> Iterator[str]:
    """A real Prefect API in a subprocess on ``port``, its own home and database; yields its API URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_DATABASE_CONNECTION_URL=database_url,
        PREFECT_UI_ENABLED="0",
        PREFECT_SERVER_ANALYTICS_ENABLED="0",
        PREFECT__SERVER_EPHEMERAL="1",
    )
    command = [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "error"]
    process = subprocess.Popen(command, env=env)
    api_url = f"http://127.0.0.1:{port}/api"
    try:

        def healthy() -> bool:
            assert process.poll() is None, f"the Prefect server exited with {process.returncode}"
            try:
                return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout=timeout, interval=0.3)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
