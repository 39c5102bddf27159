"""Several workspace processes behind one address: ``slate workspace --workers 2`` as people run it.

A session made through one process is honoured after every process that served it has died and
been replaced: nothing a page needs lives in a process (sessions, CSRF tokens and log-in attempts
are rows in the database).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from slate.people import Role, add_user
from slate.store import open_database
from tests.fixtures.portal import free_socket
from tests.workspace.conftest import log_in

PASSWORD = "processes test password"


def _children(pid: int) -> set[int]:
    """The worker processes of uvicorn's supervisor ``pid`` (Linux /proc; not its resource tracker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    found = set()
    for child in path.read_text().split() if path.exists() else []:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(int(child))
        except FileNotFoundError:  # gone between the two reads
            continue
    return found


def _wait_for(check: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {check}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``slate workspace --workers 2`` on a free loopback port, over a SQLite store with one user."""
    database = open_database(f"sqlite:///{tmp_path / 'slate.db'}")
    with database.session() as session:
        add_user(session, "otto", Role.OPERATOR, PASSWORD)
    database.dispose()
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "SLATE_HOME": str(tmp_path), "SLATE_LOG_LEVEL": "WARNING"}
    env.pop("SLATE_DATABASE_URL", None)
    command = [sys.executable, "-m", "cli", "workspace", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return (
                httpx.get(f"{base}/healthz", timeout=2).status_code == 200
                and len(_children(process.pid)) == 2
            )
        except httpx.HTTPError:
            return False

    try:
        _wait_for(healthy)
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_a_session_outlives_the_processes_that_made_it(served: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, supervisor = served
    with httpx.Client(base_url=base, timeout=30) as client:
        assert log_in(client, "otto", PASSWORD).status_code == 303
        assert all(client.get("/").status_code == 200 for _ in range(10))
        before = _children(supervisor.pid)
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        # uvicorn's supervisor starts new workers in their place
        _wait_for(lambda: len(_children(supervisor.pid) - before) == 2)
        _wait_for(lambda: _ok(client))
        pages = [client.get("/", follow_redirects=False) for _ in range(10)]
    assert [p.status_code for p in pages] == [200] * 10  # not sent back to the log-in form
    assert all("otto" in p.text for p in pages)


def _ok(client: httpx.Client) -> bool:
    try:
        return client.get("/healthz").status_code == 200
    except httpx.HTTPError:
        return False
