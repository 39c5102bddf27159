"""The dispatcher against a real Prefect server: one flow run per event, whatever happens.

Runs are only created (nothing executes the stand-in flows); each is found by its idempotency key,
which is the event id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import update

from deployments.webhook_receiver import create_app
from slate.backlot.webhooks import EventType, WebhookEvent
from slate.errors import ConfigurationError
from slate.settings import Settings
from slate.store import Database
from slate.store.webhook_events import (
    DispatchState,
    OutboxEntry,
    WebhookEventRow,
    get_event,
    record_event,
    requeue_failed,
)
from tasks.dispatch.dispatcher import DispatchConfig, dispatch_pending
from tasks.dispatch.routes import ROUTES, parameters_for, run_key
from tests.deployments.helpers import (
    free_port,
    make_event,
    post,
    prefect_api_process,
    runs_for,
    serving,
    wait_for,
)
from tests.deployments.stand_in_flows import STAND_INS
from tests.fixtures.prefect_server import PrefectServer


def _store(database: Database, *events: WebhookEvent) -> None:
    with database.session() as session:
        for event in events:
            assert record_event(session, event)


def _entry(database: Database, event_id: str) -> OutboxEntry:
    with database.session() as session:
        entry = get_event(session, event_id)
    assert entry is not None
    return entry


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-request-per-run"])
def test_each_routed_event_starts_one_run_of_its_deployment(
    database: Database, prefect_server: PrefectServer, stand_in_deployments: dict[str, UUID], bulk: bool
) -> None:
    events = [make_event(event_type, n=i) for i, event_type in enumerate(ROUTES)]
    _store(database, *events)
    config = DispatchConfig(api_url=prefect_server.api_url, bulk=bulk)
    report = asyncio.run(dispatch_pending(database, config))
    assert report.dispatched == len(events) and report.unreachable is None
    runs = runs_for([e.id for e in events])
    for event in events:
        entry = _entry(database, event.id)
        (run,) = runs[event.id]
        assert entry.state is DispatchState.DISPATCHED
        assert entry.flow_run_id == str(run.id)
        deployment = ROUTES[event.type]
        assert run.deployment_id == stand_in_deployments[deployment]
        assert run.parameters == parameters_for(deployment, event)


def test_unrouted_event_is_ignored_and_starts_nothing(
    database: Database, prefect_server: PrefectServer, stand_in_deployments: dict[str, UUID]
) -> None:
    event = make_event(EventType.DELIVERY_ACCEPTED)
    assert EventType.DELIVERY_ACCEPTED not in ROUTES
    _store(database, event)
    report = asyncio.run(dispatch_pending(database, DispatchConfig(api_url=prefect_server.api_url)))
    assert report.ignored == 1 and report.dispatched == 0
    assert _entry(database, event.id).state is DispatchState.IGNORED
    assert runs_for([event.id]) == {event.id: []}


def test_prefect_down_then_back_loses_nothing(
    database: Database, prefect_server: PrefectServer, stand_in_deployments: dict[str, UUID]
) -> None:
    intake = [make_event(EventType.ASSIGNMENT_CREATED, n=i) for i in range(4)]
    redelivery = [make_event(EventType.REDELIVERY_REQUESTED, n=i) for i in range(3)]
    events = intake + redelivery
    _store(database, *events)
    down = DispatchConfig(api_url=f"http://127.0.0.1:{free_port()}/api")
    report = asyncio.run(dispatch_pending(database, down))
    assert report.unreachable is not None and "unreachable" in report.unreachable
    assert report.dispatched == 0
    assert all(_entry(database, e.id).state is DispatchState.PENDING for e in events)
    for event in intake:  # tried once: the error is recorded, an outage is not counted as an attempt
        entry = _entry(database, event.id)
        assert entry.attempts == 0 and entry.last_error and "unreachable" in entry.last_error
    for event in redelivery:  # the pass stopped before knocking again for the next deployment
        assert _entry(database, event.id).last_error is None
    assert runs_for([e.id for e in events]) == {e.id: [] for e in events}

    report = asyncio.run(dispatch_pending(database, DispatchConfig(api_url=prefect_server.api_url)))
    assert report.dispatched == len(events)
    runs = runs_for([e.id for e in events])
    for event in events:
        entry = _entry(database, event.id)
        assert entry.state is DispatchState.DISPATCHED
        assert [str(r.id) for r in runs[event.id]] == [entry.flow_run_id]


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-request-per-run"])
def test_dispatching_an_event_again_reuses_its_run(
    database: Database, prefect_server: PrefectServer, stand_in_deployments: dict[str, UUID], bulk: bool
) -> None:
    """A crash between creating the run and recording it: the next pass must not start a second run."""
    event = make_event(EventType.REDELIVERY_REQUESTED)
    _store(database, event)
    config = DispatchConfig(api_url=prefect_server.api_url, bulk=bulk)
    asyncio.run(dispatch_pending(database, config))
    first = _entry(database, event.id).flow_run_id
    with database.session() as session:
        session.execute(
            update(WebhookEventRow)
            .where(WebhookEventRow.event_id == event.id)
            .values(state=DispatchState.PENDING.value, flow_run_id=None)
        )
    report = asyncio.run(dispatch_pending(database, config))
    assert report.dispatched == 1
    again = _entry(database, event.id)
    assert again.flow_run_id == first and again.attempts == 2
    assert len(runs_for([event.id])[event.id]) == 1


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-request-per-run"])
def test_the_webhook_and_reconcile_events_of_one_rejection_start_one_correction(
    database: Database, prefect_server: PrefectServer, stand_in_deployments: dict[str, UUID], bulk: bool
) -> None:
    """Reconcile stores the event of a rejection it found first; the portal's webhook comes late."""
    found_first = make_event(EventType.REDELIVERY_REQUESTED, redeliveryId="RR-77")
    late_webhook = make_event(EventType.REDELIVERY_REQUESTED, redeliveryId="RR-77")
    other = make_event(EventType.REDELIVERY_REQUESTED, redeliveryId="RR-78")
    config = DispatchConfig(api_url=prefect_server.api_url, bulk=bulk)
    _store(database, found_first, other)
    asyncio.run(dispatch_pending(database, config))
    _store(database, late_webhook)
    report = asyncio.run(dispatch_pending(database, config))

    assert report.dispatched == 1
    runs = [_entry(database, e.id).flow_run_id for e in (found_first, late_webhook, other)]
    assert None not in runs and runs[0] == runs[1] != runs[2]
    assert [run_key(e) for e in (found_first, late_webhook)] == ["redelivery:RR-77"] * 2


def test_missing_deployment_backs_off_then_fails_and_can_be_requeued(
    database: Database, prefect_server: PrefectServer, stand_in_deployments: dict[str, UUID]
) -> None:
    event = make_event(EventType.PROXY_AVAILABLE)
    _store(database, event)
    routes = {EventType.PROXY_AVAILABLE: "proxy-sync/no-such-deployment"}
    config = DispatchConfig(api_url=prefect_server.api_url, max_attempts=2)

    report = asyncio.run(dispatch_pending(database, config, routes=routes))
    entry = _entry(database, event.id)
    assert report.retrying == 1
    assert entry.state is DispatchState.PENDING and entry.attempts == 1
    assert entry.last_error and "not found" in entry.last_error
    assert entry.next_attempt_at is not None and entry.next_attempt_at > datetime.now(UTC)
    assert asyncio.run(dispatch_pending(database, config, routes=routes)).retrying == 0, "not due yet"

    with database.session() as session:
        session.execute(
            update(WebhookEventRow).where(WebhookEventRow.event_id == event.id).values(next_attempt_at=None)
        )
    assert asyncio.run(dispatch_pending(database, config, routes=routes)).failed == 1
    assert _entry(database, event.id).state is DispatchState.FAILED

    with database.session() as session:
        assert requeue_failed(session, [event.id]) == 1
    assert asyncio.run(dispatch_pending(database, config)).dispatched == 1
    assert len(runs_for([event.id])[event.id]) == 1


def test_a_long_outage_does_not_use_up_the_attempts(
    database: Database, prefect_server: PrefectServer, stand_in_deployments: dict[str, UUID]
) -> None:
    """Prefect back after many failed passes, its deployment not registered yet: still retried."""
    event = make_event(EventType.PROXY_AVAILABLE)
    _store(database, event)
    down = DispatchConfig(api_url=f"http://127.0.0.1:{free_port()}/api", max_attempts=2)
    for _ in range(3):
        assert asyncio.run(dispatch_pending(database, down)).unreachable is not None
    routes = {EventType.PROXY_AVAILABLE: "proxy-sync/not-registered-yet"}
    config = DispatchConfig(api_url=prefect_server.api_url, max_attempts=2)
    report = asyncio.run(dispatch_pending(database, config, routes=routes))
    assert report.retrying == 1 and report.failed == 0
    entry = _entry(database, event.id)
    assert entry.state is DispatchState.PENDING and entry.attempts == 1


def test_no_prefect_api_configured_is_refused_not_an_ephemeral_server(database: Database) -> None:
    """Without any API URL Prefect would start a throwaway server and the runs would vanish."""
    event = make_event()
    _store(database, event)
    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(ConfigurationError):
        asyncio.run(dispatch_pending(database, DispatchConfig(api_url="")))
    entry = _entry(database, event.id)
    assert entry.state is DispatchState.PENDING and entry.attempts == 0


@contextmanager
def _prefect_server_on(port: int, home: Path) -> Iterator[str]:
    """A second, real Prefect API on ``port`` with its own home and SQLite database (as the harness)."""
    with prefect_api_process(
        port, home, f"sqlite+aiosqlite:///{home / 'prefect.db'}", timeout=120
    ) as api_url:
        yield api_url


@pytest.mark.prefect
def test_receiver_loop_dispatches_once_prefect_starts(
    settings: Settings, database: Database, tmp_path: Path
) -> None:
    """Webhooks arrive while nothing listens on the Prefect URL; a server starts there later.

    The receiver's own background loop (no dispatch_pending call from the test) must start one
    run per event on the new server, with nobody stepping in.
    """
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    config = DispatchConfig(api_url=api_url, interval=0.2, backoff_max=1.0, settle=0.05)
    events = [make_event(EventType.ASSIGNMENT_CREATED, n=i) for i in range(4)]
    events += [make_event(EventType.REDELIVERY_REQUESTED, n=i) for i in range(2)]
    with serving(create_app(settings, database=database, dispatch_config=config)) as url:
        assert [post(url, event).status_code for event in events] == [202] * len(events)
        first = events[0].id
        wait_for(lambda: "unreachable" in (_entry(database, first).last_error or ""), timeout=15)
        assert all(_entry(database, e.id).state is DispatchState.PENDING for e in events)

        with _prefect_server_on(port, tmp_path / "prefect") as started_url:
            assert started_url == api_url
            with temporary_settings(updates={PREFECT_API_URL: api_url}):
                for name, flow in STAND_INS.items():
                    flow.to_deployment(name=name.split("/")[1]).apply()

                def all_dispatched() -> bool:
                    return all(_entry(database, e.id).state is DispatchState.DISPATCHED for e in events)

                wait_for(all_dispatched, timeout=60, interval=0.2)
                runs = runs_for([e.id for e in events])
    for event in events:
        entry = _entry(database, event.id)
        assert [str(r.id) for r in runs[event.id]] == [entry.flow_run_id], "exactly one run per event"
