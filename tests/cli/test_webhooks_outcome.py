"""``slate webhooks`` says what became of each event: its run's state, or why it was ignored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cli._webhooks import outcome_of
from slate.models import DispatchState
from slate.store.webhook_events import OutboxEntry


def _entry(**fields: Any) -> OutboxEntry:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "seq": 1,
        "event_id": "EVT-1",
        "event_type": "assignment.created",
        "request_id": "SR-1",
        "occurred_at": now,
        "received_at": now,
        "state": DispatchState.DISPATCHED,
        "deployment": "intake/intake",
        "attempts": 1,
        "last_error": None,
        "next_attempt_at": None,
        "flow_run_id": None,
        "dispatched_at": now,
        "body": {},
    }
    return OutboxEntry(**{**base, **fields})


def test_an_unknown_type_is_ignored_with_its_reason() -> None:
    entry = _entry(event_type="asset.renamed", state=DispatchState.IGNORED, deployment=None)
    assert (
        outcome_of(entry, {})
        == "ignored: 'asset.renamed' is a type Slate does not know (kept for the record)"
    )


def test_a_known_type_without_a_run_says_slate_has_nothing_to_do() -> None:
    entry = _entry(event_type="delivery.accepted", state=DispatchState.IGNORED, deployment=None)
    assert (
        outcome_of(entry, {}) == "ignored: Slate starts no run for delivery.accepted (nothing to do for it)"
    )


def test_a_dispatched_event_names_its_run_and_the_run_state() -> None:
    entry = _entry(flow_run_id="0b8e6a7e-0000-4000-8000-000000000001")
    failed = "Failed: deliver SR-1 failed: the portal did not answer in time"
    assert outcome_of(entry, {entry.flow_run_id: failed}) == (  # type: ignore[dict-item]
        f"run {entry.flow_run_id} of intake/intake: {failed}"
    )
    assert outcome_of(entry, {}).endswith("state unknown (Prefect not reachable)")


def test_a_failed_event_shows_its_error() -> None:
    entry = _entry(state=DispatchState.FAILED, last_error="deployment intake/intake not found")
    assert outcome_of(entry, {}) == "deployment intake/intake not found"
