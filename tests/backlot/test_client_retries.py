"""Retries on 429/5xx/connection errors with backoff, Retry-After honoured, errors translated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from slate.backlot import HttpPortalClient, RetryPolicy
from slate.errors import PortalRejected, PortalUnavailable
from tests.fixtures.portal import PortalServer, free_socket


def test_429_burst_is_retried_after_the_retry_after(portal: PortalServer) -> None:
    portal.faults(statusBurst=2, status=429, retryAfter=1)
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=4, backoff_base=0.05, backoff_max=0.2)
    with portal.client(policy=policy, sleep=waits.append) as client:
        page = client.list_source_requests()
    assert page.items == []
    # Two waits of Retry-After: 1, each with under backoff_base of jitter; no real second spent.
    assert len(waits) == 2 and all(1.0 <= wait < 1.05 for wait in waits), waits
    assert portal.calls("GET /v1/requests") == 3


def test_5xx_burst_is_retried_with_backoff(portal: PortalServer, portal_client: HttpPortalClient) -> None:
    portal.faults(statusBurst=3, status=502)
    portal_client.list_source_requests()
    assert portal.calls("GET /v1/requests") == 4


def test_unavailable_after_the_attempts_run_out(portal: PortalServer) -> None:
    portal.faults(statusBurst=10, status=503)
    policy = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.02)
    with portal.client(policy=policy) as client, pytest.raises(PortalUnavailable) as caught:
        client.list_source_requests()
    assert portal.calls("GET /v1/requests") == 3
    assert caught.value.data["attempts"] == 3
    assert caught.value.data["status"] == 503
    assert "injected fault" in caught.value.data["portal_message"]


def test_retry_after_beyond_the_limit_fails_at_once(portal: PortalServer) -> None:
    portal.faults(statusBurst=5, status=429, retryAfter=3600)
    policy = RetryPolicy(max_attempts=5, retry_after_max=30)
    with portal.client(policy=policy) as client, pytest.raises(PortalUnavailable, match="Retry-After"):
        client.list_source_requests()
    assert portal.calls("GET /v1/requests") == 1


def test_slow_answer_times_out_as_unavailable(portal: PortalServer) -> None:
    portal.faults(slowCalls=2, slowSeconds=1.0)
    policy = RetryPolicy(max_attempts=2, backoff_base=0.01)
    timeout = httpx.Timeout(0.3, connect=2.0)
    with (
        portal.client(policy=policy, timeout=timeout) as client,
        pytest.raises(PortalUnavailable, match="timed out"),
    ):
        client.list_source_requests()


def test_one_slow_answer_times_out_and_the_retry_succeeds(portal: PortalServer) -> None:
    portal.faults(slowCalls=1, slowSeconds=1.0)
    with portal.client(timeout=httpx.Timeout(0.5, connect=2.0)) as client:
        assert client.list_source_requests().items == []
    assert portal.calls("GET /v1/requests") == 2


def test_refused_connection_is_unavailable_after_retries() -> None:
    sock = free_socket()  # bound but never listening: connections are refused
    host, port = sock.getsockname()
    try:
        client = HttpPortalClient(
            f"http://{host}:{port}",
            token_url=f"http://{host}:{port}/as/token.oauth2",
            client_id="x",
            client_secret=SecretStr("y"),
            policy=RetryPolicy(max_attempts=3, backoff_base=0.01),
        )
        with client, pytest.raises(PortalUnavailable, match="connection failed") as caught:
            client.list_source_requests()
        assert caught.value.data["attempts"] == 3
    finally:
        sock.close()


def test_unknown_request_is_rejected_with_the_portal_message(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    with pytest.raises(PortalRejected) as caught:
        portal_client.get_source_request("SR-NOPE")
    error = caught.value
    assert error.data["status"] == 404
    assert error.data["reason_code"] == "REQUEST_NOT_FOUND"
    assert error.data["portal_message"] == "source request SR-NOPE not found"
    assert "SR-NOPE" in str(error)
    assert portal.calls("GET /v1/requests/SR-NOPE") == 1


def test_another_vendors_request_looks_absent(portal: PortalServer, portal_client: HttpPortalClient) -> None:
    portal.seed()
    with pytest.raises(PortalRejected, match="not found"):
        portal_client.get_source_request("SR-81002001-01")  # assigned to another vendor


def test_invalid_query_is_rejected_naming_the_field(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    with pytest.raises(PortalRejected) as caught:
        portal_client.list_source_requests(limit=100_000)
    assert caught.value.data["status"] == 422
    assert "limit" in caught.value.data["portal_message"]


def test_portal_errors_survive_pickling(portal: PortalServer, portal_client: HttpPortalClient) -> None:
    import pickle

    with pytest.raises(PortalRejected) as caught:
        portal_client.get_source_request("SR-NOPE")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is PortalRejected
    assert copy.data == caught.value.data


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    from email.utils import format_datetime

    from slate.backlot._errors import retry_after_seconds

    def answer(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert retry_after_seconds(answer("7")) == 7.0
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= (retry_after_seconds(answer(format_datetime(later, usegmt=True))) or 0) <= 30
    assert retry_after_seconds(answer("soon")) is None
    assert retry_after_seconds(httpx.Response(503)) is None


def test_missing_token_gets_401_with_the_portal_shape(portal: PortalServer) -> None:
    response = httpx.get(f"{portal.base_url}/v1/requests")
    assert response.status_code == 401
    assert response.json()["reasonCode"] == "UNAUTHORIZED"
    assert response.json()["message"] == "missing, unknown or expired access token"
