"""The portal emulator for benchmarks: a real HTTP server on loopback, in its own process.

A separate process keeps the emulator's work (receiving uploads, hashing them for inspection,
paging 10,000 requests) off the benchmark's interpreter, so the client side is not slowed by the
server sharing its GIL. :func:`portal_process` yields a :class:`BenchPortal` with the base URL,
the server's pid (for CPU accounting) and an admin client.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CLIENT_ID = "slate-fp"
CLIENT_SECRET = "slate-fp-secret"

_SERVER = """
import socket, sys
from pathlib import Path
import uvicorn
from pydantic import SecretStr
from slate.backlot.emulator import EmulatorConfig, create_app
from slate.backlot.emulator._config import default_accounts
from slate.logging import configure_logging

configure_logging("WARNING")
config = EmulatorConfig(
    data_dir=Path(sys.argv[1]),
    accounts=default_accounts(sys.argv[2], SecretStr(sys.argv[3])),
    token_ttl=7200,
    webhook_secret=SecretStr("bench-webhook-secret"),
)
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", ws="none", lifespan="on"))
server.run(sockets=[sock])
"""


@dataclass
class BenchPortal:
    """A running emulator: where it listens, its process id, and its admin endpoints."""

    base_url: str
    pid: int
    data_dir: Path
    admin: httpx.Client = field(repr=False)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call an admin endpoint (``/admin`` + ``path``); raise on an error status."""
        response = self.admin.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def idle(self) -> None:
        """Wait until the emulator's inspections and proxy encodes are over."""
        self.call("POST", "/idle")

    def slate_env(self) -> dict[str, str]:
        """The settings that point Slate at this emulator."""
        return {
            "SLATE_PORTAL_BASE_URL": self.base_url,
            "SLATE_PORTAL_CLIENT_ID": CLIENT_ID,
            "SLATE_PORTAL_CLIENT_SECRET": CLIENT_SECRET,
        }


@contextmanager
def portal_process(data_dir: Path) -> Iterator[BenchPortal]:
    """Start the emulator (data under ``data_dir``) in a child process; stop it afterwards."""
    argv = [sys.executable, "-c", _SERVER, str(data_dir), CLIENT_ID, CLIENT_SECRET]
    env = {**os.environ, "SLATE_LOG_LEVEL": "WARNING"}
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env) as server:
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            if not line.strip():
                raise RuntimeError("the portal emulator did not start")
            base_url = f"http://127.0.0.1:{int(line)}"
            with httpx.Client(base_url=f"{base_url}/admin", timeout=120) as admin:
                portal = BenchPortal(base_url, server.pid, data_dir, admin)
                _wait_ready(portal)
                yield portal
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_ready(portal: BenchPortal) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            portal.call("GET", "/stats")
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
