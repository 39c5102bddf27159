"""Fixtures: a seeded store, the workspace app on it, and a signed-in client per role."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from slate.objects import LocalStore
from slate.store import Database
from tests.fixtures.portal import free_socket, serve_in_thread
from tests.workspace._season import PASSWORD, seed
from workspace import WorkspaceSettings, create_app

# the real argon2 cost takes seconds per hash on a loaded machine; the tests need dozens of log-ins
os.environ.setdefault("SLATE_PASSWORD_TIME_COST", "1")
os.environ.setdefault("SLATE_PASSWORD_MEMORY_COST_KIB", "1024")
os.environ.setdefault("SLATE_PASSWORD_PARALLELISM", "1")

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Runs:
    """Records the deployments the workspace starts (the flows themselves are tested in tests/flows)."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any], list[str]]] = []

    def __call__(self, deployment: str, parameters: dict[str, Any], *, tags: list[str]) -> str:
        self.started.append((deployment, parameters, tags))
        return "0b0d0f00-1111-2222-3333-444455556666"


@pytest.fixture
def blobs(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "blobs")


@pytest.fixture
def runs() -> Runs:
    return Runs()


@pytest.fixture
def app_parts(db: Database, blobs: LocalStore, runs: Runs) -> tuple[Database, LocalStore, Runs]:
    seed(db, blobs)
    return db, blobs, runs


@pytest.fixture
def workspace_url(app_parts: tuple[Database, LocalStore, Runs]) -> Iterator[str]:
    """The workspace on the seeded store, served by uvicorn on a free loopback port."""
    db, blobs, runs = app_parts
    # no Prefect server here: decisions and retries are tested against a real one in tests/flows
    settings = WorkspaceSettings(
        prefect_ui_url="http://127.0.0.1:4200", login_max_failures=3, prefect_runs=False
    )
    sock = free_socket()
    host, port = sock.getsockname()
    server, thread = serve_in_thread(create_app(db, blobs, settings, starter=runs), sock)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture
def make_client(workspace_url: str) -> Iterator[Any]:
    """``make_client(name)``: an HTTP client signed in as ``name`` (or anonymous without one)."""
    clients: list[httpx.Client] = []

    def make(name: str | None = None) -> httpx.Client:
        client = httpx.Client(base_url=workspace_url, follow_redirects=False, timeout=60)
        clients.append(client)
        if name is not None:
            assert log_in(client, name).status_code == 303
        return client

    yield make
    for client in clients:
        client.close()


def log_in(client: httpx.Client, name: str, password: str = PASSWORD) -> Any:
    form = client.get("/login")
    token = CSRF.search(form.text)
    assert token is not None
    return client.post(
        "/login", data={"name": name, "password": password, "csrf": token.group(1), "next": "/"}
    )


def csrf_of(client: httpx.Client, path: str = "/") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return token.group(1)
