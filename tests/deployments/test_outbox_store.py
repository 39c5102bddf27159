"""The outbox queries on both engines (PostgreSQL runs under ``make test``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slate.store import Database
from slate.store.webhook_events import (
    DispatchOutcome,
    DispatchState,
    count_by_state,
    due_events,
    get_event,
    list_events,
    record_events,
    record_outcomes,
    requeue_failed,
)
from tests.deployments.helpers import make_event


def test_insert_is_idempotent_per_event_id(db: Database) -> None:
    a, b = make_event(), make_event()
    with db.session() as session:
        assert record_events(session, [a, b, a]) == [True, True, False]
    with db.session() as session:
        assert record_events(session, [b]) == [False]
        assert count_by_state(session)[DispatchState.PENDING] == 2
        stored = get_event(session, a.id)
    assert stored is not None and stored.event() == a


def test_outcomes_move_events_between_states(db: Database) -> None:
    events = [make_event(n=i) for i in range(4)]
    with db.session() as session:
        record_events(session, events)
        due = due_events(session, limit=10)
    assert [e.event_id for e in due] == [e.id for e in events]
    now = datetime.now(UTC)
    later = now + timedelta(minutes=5)
    outcomes = [
        DispatchOutcome(seq=due[0].seq, state=DispatchState.DISPATCHED, attempts=1, flow_run_id="run-1"),
        DispatchOutcome(seq=due[1].seq, state=DispatchState.IGNORED, attempts=0),
        DispatchOutcome(seq=due[2].seq, state=DispatchState.FAILED, attempts=8, last_error="no deployment"),
        DispatchOutcome(seq=due[3].seq, state=DispatchState.PENDING, attempts=1, next_attempt_at=later),
    ]
    with db.session() as session:
        record_outcomes(session, outcomes)
    with db.session() as session:
        assert due_events(session, limit=10, now=now) == []
        assert [e.event_id for e in due_events(session, limit=10, now=later)] == [events[3].id]
        counts = count_by_state(session)
        assert counts == {
            DispatchState.PENDING: 1,
            DispatchState.DISPATCHED: 1,
            DispatchState.IGNORED: 1,
            DispatchState.FAILED: 1,
        }
        assert [e.event_id for e in list_events(session, state=DispatchState.FAILED)] == [events[2].id]
        assert [e.event_id for e in list_events(session, limit=2)] == [events[3].id, events[2].id]
        assert requeue_failed(session) == 1
    with db.session() as session:
        again = get_event(session, events[2].id)
    assert again is not None and again.state is DispatchState.PENDING and again.attempts == 0
