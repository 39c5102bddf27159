"""Slate's own log lines reach the run's logs in Prefect, with the request id bound."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

from slate.logging import get_logger
from tasks._runtime import remember_request
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


@flow
def _tagged_run(request_id: str) -> None:
    remember_request(request_id)
    get_logger("slate.test").info("inside the run")


def test_the_request_tag_belongs_to_its_run_only(
    slate_env: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Lines of a run carry its request; the caller's lines after an in-process run do not."""
    with caplog.at_level(logging.INFO, logger="slate"):
        _tagged_run("SR-TAG-1")
        get_logger("slate.test").info("after the run")
    ours = [json.loads(r.getMessage()) for r in caplog.records if r.name == "slate.test"]
    lines = {line["event"]: line for line in ours}
    assert lines["inside the run"]["request_id"] == "SR-TAG-1"
    assert "request_id" not in lines["after the run"]
