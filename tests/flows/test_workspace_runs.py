"""The workspace's decision form and Retry button on real runs: a real paused validation, a real
failed run, the real Prefect server, the workspace served by uvicorn on the flows' own database.

Who may not act gets 403 (or 404 when the request does not exist for them) and no run changes; a
form without its CSRF token is refused; an operator's decision ends the validation as decided
(in a real browser too), and their retry puts the failed run back to be run again, in their name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.states import Failed
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from slate.models import MaterialStatus
from slate.objects import LocalStore
from slate.people import add_user
from slate.store import Database, audit_trail
from tests.fixtures.portal import PortalServer, free_socket, serve_in_thread
from tests.flows._support import assign_and_intake, paused_run, state, validate_in_background
from tests.flows.conftest import ttml
from tests.flows.test_operator_runs import flaky
from tests.workspace._season import PASSWORD, ROLES
from tests.workspace.conftest import csrf_of, log_in
from workspace import WorkspaceSettings, create_app

#: Who may not decide or retry, and what they get: 403 by role, 404 when nothing is shared.
FORBIDDEN = {"pam": 403, "val": 403, "fay": 404, "vic": 404}


@pytest.fixture
def workspace(slate_db: Database, tmp_path: Path) -> Iterator[str]:
    """The workspace on the flows' database, asking the session's Prefect server for runs."""
    with slate_db.session() as session:
        for name, role in ROLES.items():
            add_user(session, name, role, PASSWORD)
    settings = WorkspaceSettings(prefect_ui_url="http://ui.example:4200", prefect_runs=True)
    sock = free_socket()
    host, port = sock.getsockname()
    server, thread = serve_in_thread(create_app(slate_db, LocalStore(tmp_path / "ws-blobs"), settings), sock)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture
def client_as(workspace: str) -> Iterator[Any]:
    clients: list[httpx.Client] = []

    def make(name: str) -> httpx.Client:
        client = httpx.Client(base_url=workspace, follow_redirects=False, timeout=60)
        clients.append(client)
        assert log_in(client, name).status_code == 303
        return client

    yield make
    for client in clients:
        client.close()


def _blocked(portal: PortalServer, tmp_path: Path) -> str:
    from flows.ingest import ingest

    request_id = assign_and_intake(portal)
    ingest(request_id, str(ttml(tmp_path / "hour_off.xml", offset_hours=1)))
    return request_id


def _run_state(run_id: Any) -> tuple[str, str]:
    with get_client(sync_client=True) as client:
        found = client.read_flow_run(run_id).state
    return (found.type.value, found.name or "") if found else ("", "")


def test_only_operators_decide_a_paused_validation_from_the_request_page(
    portal: PortalServer, slate_db: Database, client_as: Any, tmp_path: Path
) -> None:
    request_id = _blocked(portal, tmp_path)
    thread, result = validate_in_background(request_id)
    run_id = str(paused_run(request_id))
    answer = {"run_id": run_id, "action": "reject", "reason": "an hour late"}
    path = f"/requests/{request_id}/decide"

    for name, status in FORBIDDEN.items():
        client = client_as(name)
        assert client.post(path, data={**answer, "csrf": csrf_of(client)}).status_code == status, name
    otto = client_as("otto")
    assert otto.post(path, data=answer).status_code == 403  # no CSRF token
    assert _run_state(run_id)[0] == "PAUSED"

    page = otto.get(f"/requests/{request_id}")
    assert f'value="{run_id}"' in page.text and "blocking finding" in page.text
    assert "Why reject it (needed to reject)" in page.text  # the flow's own field titles
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    refused = otto.post(path, data={**answer, "reason": " ", "csrf": token.group(1)})
    assert refused.status_code == 400 and "rejecting needs a reason" in refused.text
    assert _run_state(run_id)[0] == "PAUSED" and "outcome" not in result

    sent = otto.post(path, data={**answer, "csrf": token.group(1)})
    assert sent.status_code == 303 and "decision%20sent%3A%20reject" in sent.headers["location"]
    thread.join(120)
    assert result.get("outcome") == "rejected by the operator", result
    assert state(slate_db, request_id)[0] is MaterialStatus.REDELIVERY_REQUESTED
    with slate_db.session() as session:
        trail = audit_trail(session, request_id)
    assert any(e.transition == "operator-reject" and e.actor.startswith("otto (via") for e in trail)


def test_only_operators_retry_a_failed_step_from_the_request_page(
    portal: PortalServer, slate_db: Database, client_as: Any
) -> None:
    request_id = assign_and_intake(portal)
    deployment_id = flaky.to_deployment(name=f"ws-{request_id.lower()}").apply()
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(
            deployment_id, parameters={"request_id": request_id, "marker": "-"}, tags=[request_id]
        )
        client.set_flow_run_state(run.id, Failed(message="retry retry-probe"), force=True)
    path = f"/requests/{request_id}/retry"

    for name, status in FORBIDDEN.items():
        client = client_as(name)
        refused = client.post(path, data={"step": "retry-probe", "csrf": csrf_of(client)})
        assert refused.status_code == status, name
        if status == 403:
            assert 'id="retry-retry-probe"' not in client.get(f"/requests/{request_id}").text
    otto = client_as("otto")
    assert otto.post(path, data={"step": "retry-probe"}).status_code == 403  # no CSRF token
    assert _run_state(run.id)[0] == "FAILED"

    page = otto.get(f"/requests/{request_id}")
    assert 'id="retry-retry-probe"' in page.text and "retry retry-probe" in page.text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    done = otto.post(path, data={"step": "retry-probe", "csrf": token.group(1)})
    assert done.status_code == 303 and f"run={run.id}" in done.headers["location"]
    assert _run_state(run.id) == ("SCHEDULED", "AwaitingRetry")
    with slate_db.session() as session:
        trail = audit_trail(session, request_id)
    assert any(e.transition == "retry-probe-retried" and e.actor == "otto" for e in trail)
    again = otto.post(path, data={"step": "retry-probe", "csrf": token.group(1)})
    assert again.status_code == 409 and "still has a run going" in again.text


def test_an_operator_answers_a_paused_validation_in_the_browser(
    portal: PortalServer, slate_db: Database, workspace: str, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    request_id = _blocked(portal, tmp_path)
    thread, result = validate_in_background(request_id)
    run_id = str(paused_run(request_id))

    browser.get(f"{workspace}/login")
    browser.find_element(By.ID, "name").send_keys("otto")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "logout"))
    browser.get(f"{workspace}/requests/{request_id}")
    form = browser.find_element(By.ID, f"decision-{run_id}")
    assert "blocking finding" in form.find_element(By.CSS_SELECTOR, "pre.pause").text
    Select(form.find_element(By.CSS_SELECTOR, "select.decide-action")).select_by_value("accept")
    form.find_element(By.CSS_SELECTOR, "input.decide-justification").send_keys("the client wants it as is")
    form.find_element(By.CSS_SELECTOR, "button.decide").click()
    WebDriverWait(browser, 30).until(lambda d: "decision sent: accept" in d.page_source)

    thread.join(120)
    assert result.get("outcome") == "accepted by the operator", result
    assert state(slate_db, request_id)[0] is MaterialStatus.ACCEPTED
    browser.refresh()
    assert not browser.find_elements(By.ID, f"decision-{run_id}")
    assert browser.find_element(By.ID, "material-status").text == "ACCEPTED"


def test_the_validate_button_starts_a_real_run_of_the_validate_deployment(
    portal: PortalServer, client_as: Any, tmp_path: Path
) -> None:
    """Through Prefect's own run_deployment, called from the async route (not a stand-in starter)."""
    from flows.validate import validate

    validate.to_deployment(name="validate").apply()
    request_id = _blocked(portal, tmp_path)
    otto = client_as("otto")
    sent = otto.post(f"/requests/{request_id}/validate", data={"csrf": csrf_of(otto)})
    assert sent.status_code == 303, sent.text
    run_id = re.search(r"run=([0-9a-f-]{36})", sent.headers["location"])
    assert run_id is not None, sent.headers["location"]
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id.group(1))
    assert run.parameters == {"request_id": request_id}
    assert {request_id, "by:otto"} <= set(run.tags)
    assert _run_state(run.id)[0] == "SCHEDULED"
