"""Slate's own log lines reach the run's logs in Prefect, with the request id bound."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import pytest
from prefect import flow

from slate.logging import get_logger
from tasks._runtime import remember_request
from tests.fixtures.portal import PortalServer
from tests.fixtures.prefect_server import PrefectServer
from tests.flows._support import created_event, run_in_child

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
    event = created_event(request_id, f"EVT-LOG-{request_id}")
    env = {
        **os.environ,
        **slate_env,
        "PREFECT_API_URL": prefect_server.api_url,
    }
    _, ours = run_in_child(CHILD, json.dumps(event), env)
    changes = [m for m in ours if "status changed" in m and request_id in m]
    assert changes, f"no slate status line among the run's logs: {ours}"
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
