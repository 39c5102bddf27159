"""``slate backlot-emulator --port N --seed``: the command serves a seeded portal over HTTP."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from pydantic import SecretStr

from slate.backlot import HttpPortalClient
from tests.fixtures.portal import FP_CLIENT_ID, FP_SECRET, free_socket


def test_command_serves_a_seeded_portal(tmp_path: Path) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    command = [
        sys.executable, "-c", "from cli import main; main()", "backlot-emulator",
        "--port", str(port), "--seed", "--data-dir", str(tmp_path / "portal"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/docs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.1)
        login = {"client_id": FP_CLIENT_ID, "client_secret": SecretStr(FP_SECRET)}
        with HttpPortalClient(base, token_url=f"{base}/as/token.oauth2", **login) as client:
            requests = list(client.iter_source_requests())
        assert len(requests) == 93
        assert (tmp_path / "portal" / "portal.db").is_file()
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()
