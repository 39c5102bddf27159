"""OAuth2 client credentials: expiry, proactive refresh, refresh after a 401, secrets never logged."""

from __future__ import annotations

import logging

import pytest

from slate.backlot import HttpPortalClient
from slate.errors import PortalRejected
from tests.fixtures.portal import FP_CLIENT_ID, FP_SECRET, PortalServer


def test_token_is_reused_while_valid(portal: PortalServer, portal_client: HttpPortalClient) -> None:
    for _ in range(3):
        portal_client.list_source_requests()
    assert portal.stats()["tokensIssued"] == 1
    assert portal_client.credentials.fetches == 1


def test_expiring_token_is_refreshed_before_the_call(portal: PortalServer) -> None:
    portal.configure(token_ttl=2)
    now = [1000.0]
    with portal.client(refresh_margin=0.5, clock=lambda: now[0]) as client:
        client.list_source_requests()
        now[0] += 1.4  # within the token's life less the margin: the same token
        client.list_source_requests()
        assert portal.stats()["tokensIssued"] == 1
        now[0] += 0.7  # 2.1 s on the client's clock: past the token's 2 s
        client.list_source_requests()
    assert portal.stats()["tokensIssued"] == 2
    # Refreshed before the call, so no call was refused and replayed.
    assert portal.calls("GET /v1/requests") == 3


def test_refused_token_is_refreshed_once_and_the_call_replayed(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    portal.seed()
    portal_client.get_source_request("SR-81001001-00")
    portal.admin.post("/tokens/revoke").raise_for_status()
    request = portal_client.get_source_request("SR-81001001-00")
    assert request.request_id == "SR-81001001-00"
    assert portal.stats()["tokensIssued"] == 2
    assert portal.calls("GET /v1/requests/SR-81001001-00") == 3  # ok, 401, replay


def test_wrong_secret_is_a_final_rejection_with_the_portal_message(portal: PortalServer) -> None:
    with portal.client(secret="not-the-secret") as client, pytest.raises(PortalRejected) as caught:
        client.list_source_requests()
    assert caught.value.data["status"] == 401
    assert caught.value.data["portal_message"] == "unknown client or wrong secret"
    assert portal.calls("POST /as/token.oauth2") == 1  # no retry of a final answer


def test_tokens_and_secrets_never_reach_the_log(
    portal: PortalServer, portal_client: HttpPortalClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    portal.faults(statusBurst=1, status=503)
    portal_client.list_source_requests()
    token = portal_client.credentials.token()
    assert "portal token obtained" in caplog.text
    assert "portal call failed, retrying" in caplog.text
    assert token not in caplog.text
    assert FP_SECRET not in caplog.text


def test_client_from_settings_reaches_the_portal(portal: PortalServer) -> None:
    from pydantic import SecretStr

    from slate.settings import Settings

    settings = Settings(
        portal_base_url=portal.base_url,
        portal_client_id=FP_CLIENT_ID,
        portal_client_secret=SecretStr(FP_SECRET),
        portal_max_attempts=2,
    )
    assert settings.effective_portal_token_url == f"{portal.base_url}/as/token.oauth2"
    with HttpPortalClient.from_settings(settings) as client:
        assert client.list_source_requests().items == []
    assert portal.stats()["tokensIssued"] == 1
