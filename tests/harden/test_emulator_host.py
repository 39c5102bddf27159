"""The emulator keeps its unauthenticated /admin on this machine unless told otherwise (item 6)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.deployments.helpers import free_port


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_a_public_interface_is_refused_without_allow_remote(tmp_path: Path, host: str) -> None:
    command = [sys.executable, "-m", "cli", "backlot-emulator", "--host", host, "--port", str(free_port())]
    command += ["--data-dir", str(tmp_path / "portal")]
    done = subprocess.run(  # an emulator that started would run until the timeout fails the test
        command, check=False, capture_output=True, text=True, timeout=90, cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert host in done.stderr and "--allow-remote" in done.stderr
    assert not (tmp_path / "portal").exists(), "refused before opening anything"
