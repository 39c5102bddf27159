"""A local source Slate may not read is refused with an error naming it, and nothing is stored.

The ingest runs in a child process. When the tests run as root (which reads any file), the child
first gives up the capabilities that bypass file permissions (``setpriv``), as a service account
would not have them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from slate.media import synth
from slate.models import MaterialStatus
from slate.settings import get_settings
from slate.store import Database
from tests.fixtures.portal import PortalServer
from tests.fixtures.prefect_server import PrefectServer
from tests.flows._support import assign_and_intake, state, stored_files
from tests.flows.conftest import ttml

CHILD = """
import json, sys
from flows.ingest import ingest
try:
    ingest(sys.argv[1], sys.argv[2])
except Exception as exc:
    print(json.dumps({"type": type(exc).__name__, "message": str(exc), "data": getattr(exc, "data", {})}))
else:
    print(json.dumps({"type": None}))
"""
NO_BYPASS = "-dac_override,-dac_read_search"


def _ingest_without_bypass(env: dict[str, Any], prefect: PrefectServer, request_id: str, source: Path) -> Any:
    drop = ["setpriv", f"--bounding-set={NO_BYPASS}", f"--inh-caps={NO_BYPASS}"] if os.geteuid() == 0 else []
    command = [*drop, sys.executable, "-c", CHILD]
    child = subprocess.run(
        [*command, request_id, str(source)],
        env={**os.environ, **env, "PREFECT_API_URL": prefect.api_url},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    return json.loads(child.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["locked_en.xml", "locked.mp4"])
def test_an_unreadable_file_is_refused_naming_it(
    name: str,
    portal: PortalServer,
    slate_env: dict[str, Any],
    slate_db: Database,
    prefect_server: PrefectServer,
    tmp_path: Path,
) -> None:
    request_id = assign_and_intake(portal, sourceType="AV_MUXED" if name.endswith(".mp4") else "SUBTITLE")
    source = tmp_path / name
    if name.endswith(".mp4"):
        synth.av_file(source, seconds=1)
    else:
        ttml(source)
    source.chmod(0)

    refused = _ingest_without_bypass(slate_env, prefect_server, request_id, source)

    assert refused["type"] == "StorageError", refused
    assert str(source) in refused["message"] and "cannot read" in refused["message"], refused
    assert state(slate_db, request_id) == (MaterialStatus.NOT_RECEIVED, [])
    assert stored_files(get_settings().effective_blob_root) == []
