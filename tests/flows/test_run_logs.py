"""Slate's own log lines reach the run's logs in Prefect, with the request id bound."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

from tests.fixtures.portal import PortalServer
from tests.fixtures.prefect_server import PrefectServer

CHILD = """
import json, sys
from flows.intake import intake
state = intake(json.loads(sys.argv[1]), return_state=True)
print(state.state_details.flow_run_id)
"""


def test_an_intake_run_logs_each_status_change_with_its_request_id(
    portal: PortalServer, slate_env: dict[str, Any], prefect_server: PrefectServer
) -> None:
    request_id = str(
        portal.create_assignment(movieId="81000011", title="Shoal", sourceType="SUBTITLE")["requestId"]
    )
    event = {
        "id": f"EVT-LOG-{request_id}",
        "type": "assignment.created",
        "occurred_at": datetime.now(UTC).isoformat(),
        "request_id": request_id,
        "data": {},
    }
    env = {
        **os.environ,
        **slate_env,
        "PREFECT_API_URL": prefect_server.api_url,
        "PREFECT_LOGGING_EXTRA_LOGGERS": "slate",  # what prefect.yaml and `slate up` set
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(event)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    run_id = UUID(child.stdout.strip().splitlines()[-1])

    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    ours = [entry.message for entry in logs if entry.name.startswith("slate")]
    changes = [m for m in ours if "status changed" in m and request_id in m]
    assert changes, f"no slate status line among the run's logs: {[e.message for e in logs]}"
    assert any("NOT_RECEIVED" in m for m in changes)
