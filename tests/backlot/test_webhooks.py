"""Signed webhooks from the emulator's outbox: verified, retried while the receiver is down."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slate.backlot import HttpPortalClient
from slate.backlot.webhooks import EventType, WebhookEvent
from tests.backlot.conftest import Receiver, declare
from tests.fixtures.portal import PortalServer, free_socket


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def _wait_outbox(
    portal: PortalServer, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 15
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate(portal.webhooks()):
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox never matched: {portal.webhooks()}")
        time.sleep(0.05)


def test_webhook_is_signed_and_matches_the_contract(
    portal: PortalServer, receiver: Receiver, assignment: Callable[..., str]
) -> None:
    portal.configure(webhook_url=receiver.start())
    request_id = assignment("SUBTITLE")
    receiver.wait_for(lambda events: len(events) == 1)
    (event,) = receiver.events
    assert receiver.refused == []
    parsed = WebhookEvent.model_validate({k: v for k, v in event.items() if not k.startswith("_")})
    assert parsed.type is EventType.ASSIGNMENT_CREATED
    assert parsed.request_id == request_id
    assert event["_header_id"] == parsed.id
    _wait_outbox(portal, lambda rows: rows[0]["state"] == "SENT")


def test_webhooks_wait_in_the_outbox_while_the_receiver_is_down(
    portal: PortalServer, receiver: Receiver, assignment: Callable[..., str]
) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there: the receiver is down
    portal.configure(webhook_url=f"http://127.0.0.1:{port}/hooks")
    request_id = assignment("SUBTITLE")
    _wait_outbox(portal, lambda rows: rows[0]["attempts"] >= 2)
    (row,) = portal.webhooks()
    assert row["state"] == "PENDING"
    assert "ConnectError" in row["lastError"]

    receiver.start(port)  # the receiver comes back
    receiver.wait_for(lambda events: len(events) == 1)
    assert receiver.events[0]["request_id"] == request_id
    _wait_outbox(portal, lambda rows: rows[0]["state"] == "SENT")


def test_dropped_and_duplicated_webhooks(
    portal: PortalServer, receiver: Receiver, assignment: Callable[..., str]
) -> None:
    portal.faults(dropWebhooks=1, duplicateWebhooks=1)
    first = assignment("SUBTITLE")
    second = assignment("SUBTITLE", language="de")
    portal.configure(webhook_url=receiver.start())
    receiver.wait_for(lambda events: len(events) == 2)
    time.sleep(0.3)
    assert [e["request_id"] for e in receiver.events] == [second, second]  # the first was lost
    assert receiver.events[0]["id"] == receiver.events[1]["id"]
    states = {row["requestId"]: row["state"] for row in portal.webhooks()}
    assert states == {first: "DROPPED", second: "SENT"}


def test_lifecycle_events_are_announced(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    receiver: Receiver,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> None:
    portal.configure(webhook_url=receiver.start())
    request_id = assignment("SUBTITLE")
    bad = portal_client.deliver(request_id, media["stereo_wav"], declare(media["stereo_wav"]))
    portal.wait_delivery(portal_client, bad.delivery_id)
    good = portal_client.deliver(request_id, media["srt"], declare(media["srt"]))
    portal.wait_delivery(portal_client, good.delivery_id)
    portal.admin.post(f"/deliveries/{good.delivery_id}/accept").raise_for_status()
    other = assignment("SUBTITLE", language="de")
    portal_client.cancel(other)
    portal.admin.patch(f"/assignments/{request_id}", json={"dueDate": "2031-05-01"}).raise_for_status()
    expected = [
        "assignment.created",
        "delivery.failed",
        "delivery.processed",
        "delivery.accepted",
        "assignment.created",
        "assignment.canceled",
        "assignment.updated",
    ]
    receiver.wait_for(lambda events: len(events) == len(expected))
    assert _types(receiver.events) == expected
    failed = receiver.events[1]
    assert failed["data"]["reasonCode"] == "WRONG_FILE_TYPE"
    assert failed["data"]["deliveryId"] == bad.delivery_id
