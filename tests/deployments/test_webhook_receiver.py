"""The receiver's answers: 401 for forged or replayed requests, 422 for bad bodies, the event
stored before 202, a redelivery 200 with nothing new, 503 when the outbox cannot be written."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from slate.backlot.webhooks import HEADER_ID, HEADER_SIGNATURE, EventType, sign, signature_headers
from slate.errors import ConfigurationError
from slate.settings import DEV_WEBHOOK_SECRET, Settings
from slate.store import Database
from slate.store.webhook_events import (
    DispatchOutcome,
    DispatchState,
    count_by_state,
    get_event,
    list_events,
    record_event,
    record_outcomes,
)
from tests.deployments.helpers import SECRET, free_port, make_event, post, signed

SLATE = str(Path(sys.executable).with_name("slate"))


def _slate_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a ``slate`` subprocess: no SLATE_ settings but ``settings`` and a home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    return {**env, "SLATE_HOME": str(tmp_path), **settings}


def _stored(database: Database) -> int:
    with database.session() as session:
        return sum(count_by_state(session).values())


def test_valid_event_is_stored_pending_before_it_is_acknowledged(receiver: str, database: Database) -> None:
    event = make_event(EventType.ASSIGNMENT_CREATED, title="Show S01E01")
    response = post(receiver, event)
    assert response.status_code == 202
    assert response.json() == {"event_id": event.id, "status": "accepted"}
    with database.session() as session:
        entry = get_event(session, event.id)
    assert entry is not None
    assert entry.state is DispatchState.PENDING
    assert entry.event() == event
    assert entry.attempts == 0 and entry.flow_run_id is None


def test_duplicate_event_is_acknowledged_and_stored_once(receiver: str, database: Database) -> None:
    event = make_event()
    assert post(receiver, event).status_code == 202
    again = post(receiver, event)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert _stored(database) == 1


def test_wrong_signature_is_refused_and_nothing_stored(receiver: str, database: Database) -> None:
    event = make_event()
    response = post(receiver, event, headers=signed(event, secret="not-the-secret")["headers"])
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert _stored(database) == 0


def test_tampered_body_is_refused(receiver: str, database: Database) -> None:
    event = make_event()
    kwargs = signed(event)
    tampered = kwargs["content"].replace(b"assignment.created", b"assignment.canceled")
    response = httpx.post(f"{receiver}/webhooks", content=tampered, headers=kwargs["headers"])
    assert response.status_code == 401
    assert _stored(database) == 0


def test_missing_signature_headers_are_refused(receiver: str, database: Database) -> None:
    event = make_event()
    response = httpx.post(f"{receiver}/webhooks", content=event.model_dump_json().encode())
    assert response.status_code == 401
    assert _stored(database) == 0


@pytest.mark.parametrize("offset", [-305, +305, -3600])
def test_replay_outside_the_window_is_refused(receiver: str, database: Database, offset: int) -> None:
    """A correctly signed request whose timestamp is more than 300 s away counts as a replay."""
    event = make_event()
    response = post(receiver, event, headers=signed(event, timestamp=int(time.time()) + offset)["headers"])
    assert response.status_code == 401
    assert "tolerance" in response.json()["detail"]
    assert _stored(database) == 0


def test_timestamp_inside_the_window_is_accepted(receiver: str) -> None:
    event = make_event()
    response = post(receiver, event, headers=signed(event, timestamp=int(time.time()) - 240)["headers"])
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"{not json", None),
        (b'{"id": "e1", "type": "assignment.created"}', "occurred_at"),
        (b'{"type": "assignment.created", "occurred_at": "2026-01-01T00:00:00Z"}', "id"),
        (b'{"id": "e1", "occurred_at": "2026-01-01T00:00:00Z"}', "type"),
        (b'{"id": "", "type": "assignment.created", "occurred_at": "2026-01-01T00:00:00Z"}', "id"),
        (b'{"id": "e1", "type": "", "occurred_at": "2026-01-01T00:00:00Z"}', "type"),
        (b'{"id": "e1", "type": "proxy.available", "occurred_at": "yesterday"}', "occurred_at"),
        (b'["not", "an", "object"]', None),
    ],
)
def test_malformed_body_is_422_and_nothing_stored(
    receiver: str, database: Database, body: bytes, where: str | None
) -> None:
    """Signed correctly (so the signature is not the problem) but not a valid event."""
    response = httpx.post(f"{receiver}/webhooks", content=body, headers=signature_headers(SECRET, "e1", body))
    assert response.status_code == 422
    if where is not None:
        assert any(where in error["loc"] for error in response.json()["detail"])
    assert _stored(database) == 0


def _post_raw(receiver: str, payload: dict[str, object]) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = signature_headers(SECRET, str(payload["id"]), body)
    return httpx.post(f"{receiver}/webhooks", content=body, headers=headers, timeout=10)


def test_fields_the_portal_adds_are_accepted_and_kept(receiver: str, database: Database) -> None:
    payload = {
        "id": "evt-grown",
        "type": "proxy.available",
        "occurred_at": "2026-01-01T00:00:00Z",
        "request_id": "SR-1",
        "data": {"proxy": "locked"},
        "priority": "high",
        "links": {"self": "/v1/requests/SR-1"},
    }
    response = _post_raw(receiver, payload)
    assert response.status_code == 202 and response.json()["status"] == "accepted"
    with database.session() as session:
        entry = get_event(session, "evt-grown")
    assert entry is not None and entry.state is DispatchState.PENDING
    assert entry.body["priority"] == "high" and entry.body["links"] == {"self": "/v1/requests/SR-1"}
    assert entry.event().type is EventType.PROXY_AVAILABLE


def test_event_type_slate_does_not_know_is_stored_and_ignored(receiver: str, database: Database) -> None:
    payload = {"id": "evt-new-kind", "type": "title.renamed", "occurred_at": "2026-01-01T00:00:00Z"}
    response = _post_raw(receiver, payload)
    assert response.status_code == 202
    assert response.json() == {"event_id": "evt-new-kind", "status": "ignored"}
    with database.session() as session:
        entry = get_event(session, "evt-new-kind")
    assert entry is not None
    assert entry.state is DispatchState.IGNORED and entry.event_type == "title.renamed"
    assert entry.body == {**payload, "request_id": None, "data": {}}
    assert _post_raw(receiver, payload).status_code == 200, "a redelivery of it is still a duplicate"


def test_id_header_disagreeing_with_body_is_422(receiver: str, database: Database) -> None:
    event = make_event()
    kwargs = signed(event)
    kwargs["headers"][HEADER_ID] = "evt-someone-else"
    response = httpx.post(f"{receiver}/webhooks", **kwargs)
    assert response.status_code == 422
    assert _stored(database) == 0


def test_oversized_body_is_413(receiver: str, database: Database) -> None:
    event = make_event(blob="x" * 70_000)
    assert post(receiver, event).status_code == 413
    assert _stored(database) == 0


def _in_pieces(body: bytes, size: int = 4096) -> Iterator[bytes]:
    """The body as a generator: httpx sends it chunked, with no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_oversized_chunked_body_without_length_is_413(receiver: str, database: Database) -> None:
    event = make_event(blob="x" * 70_000)
    kwargs = signed(event)
    response = httpx.post(
        f"{receiver}/webhooks", content=_in_pieces(kwargs["content"]), headers=kwargs["headers"], timeout=10
    )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert _stored(database) == 0


def test_chunked_body_within_the_limit_is_accepted(receiver: str, database: Database) -> None:
    event = make_event(blob="x" * 20_000)
    kwargs = signed(event)
    response = httpx.post(
        f"{receiver}/webhooks", content=_in_pieces(kwargs["content"]), headers=kwargs["headers"], timeout=10
    )
    assert response.status_code == 202
    with database.session() as session:
        entry = get_event(session, event.id)
    assert entry is not None and entry.event() == event


def test_unwritable_outbox_is_503_so_the_portal_retries(receiver: str, database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE webhook_events"))
    response = post(receiver, make_event())
    assert response.status_code == 503


def test_logs_name_the_event_but_never_the_secret_or_signature(
    receiver: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = make_event()
    kwargs = signed(event)
    forged = make_event()
    forged_kwargs = signed(forged, secret="wrong")
    with caplog.at_level(logging.INFO, logger="slate"):
        assert httpx.post(f"{receiver}/webhooks", **kwargs).status_code == 202
        assert httpx.post(f"{receiver}/webhooks", **forged_kwargs).status_code == 401
    text_logged = caplog.text
    assert event.id in text_logged and str(event.request_id) in text_logged
    assert forged.id in text_logged
    for signature in (kwargs["headers"][HEADER_SIGNATURE], forged_kwargs["headers"][HEADER_SIGNATURE]):
        assert signature.removeprefix("v1=") not in text_logged
    assert SECRET not in text_logged
    assert sign(SECRET, 0, b"").removeprefix("v1=") not in text_logged


def test_receiver_refuses_a_public_interface_with_the_built_in_secret(tmp_path: Path) -> None:
    port = free_port()
    command = [SLATE, "webhook-receiver", "--host", "0.0.0.0", "--port", str(port)]
    done = subprocess.run(  # a receiver that started would run until the timeout fails the test
        command,
        check=False,
        env=_slate_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "SLATE_WEBHOOK_SECRET" in done.stderr and "0.0.0.0" in done.stderr


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_built_in_secret_is_fine_on_loopback(host: str) -> None:
    Settings().check_webhook_receiver_host(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "receiver.example.org"])
def test_built_in_secret_is_refused_off_loopback(host: str) -> None:
    settings = Settings(webhook_secret=SecretStr(DEV_WEBHOOK_SECRET))
    with pytest.raises(ConfigurationError, match="SLATE_WEBHOOK_SECRET") as caught:
        settings.check_webhook_receiver_host(host)
    assert caught.value.data["setting"] == "webhook_secret"
    Settings(webhook_secret=SecretStr("a-real-secret")).check_webhook_receiver_host(host)


def test_operator_requeues_failed_events_from_the_command_line(
    tmp_path: Path, settings: Settings, database: Database
) -> None:
    """``slate webhooks --requeue [EVENT_ID]`` on the real database file under SLATE_HOME."""
    failed = [make_event(), make_event(), make_event()]
    dispatched = make_event()
    with database.session() as session:
        for event in [*failed, dispatched]:
            assert record_event(session, event)
        seq = {e.event_id: e.seq for e in list_events(session)}
        outcomes = [
            DispatchOutcome(seq=seq[e.id], state=DispatchState.FAILED, attempts=8, last_error="not found")
            for e in failed
        ]
        outcomes.append(DispatchOutcome(seq=seq[dispatched.id], state=DispatchState.DISPATCHED, attempts=1))
        record_outcomes(session, outcomes)
    env = _slate_env(tmp_path)

    def slate(*args: str) -> subprocess.CompletedProcess[str]:
        command = [SLATE, "webhooks", *args]
        return subprocess.run(command, check=False, env=env, cwd=tmp_path, capture_output=True, text=True)

    def state(event_id: str) -> tuple[DispatchState, int]:
        with database.session() as session:
            entry = get_event(session, event_id)
        assert entry is not None
        return entry.state, entry.attempts

    one = slate("--requeue", failed[1].id)
    assert one.returncode == 0, one.stderr
    assert f"requeued {failed[1].id}" in one.stdout and "1 failed event(s)" in one.stdout
    assert state(failed[1].id) == (DispatchState.PENDING, 0)
    assert state(failed[0].id) == (DispatchState.FAILED, 8)

    rest = slate("--requeue")
    assert rest.returncode == 0, rest.stderr
    assert rest.stdout.splitlines()[:2] == [f"requeued {failed[0].id}", f"requeued {failed[2].id}"]
    assert all(state(e.id) == (DispatchState.PENDING, 0) for e in failed)

    refused = slate("--requeue", dispatched.id, "evt-nobody")
    assert refused.returncode == 1
    assert f"{dispatched.id}: it is dispatched, not failed" in refused.stderr
    assert "evt-nobody: no such event" in refused.stderr
    assert state(dispatched.id) == (DispatchState.DISPATCHED, 1)
