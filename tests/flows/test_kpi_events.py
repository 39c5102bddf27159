"""The kpi-report flow on a real Prefect server fires the threshold event only when a KPI is crossed.

An automation on ``slate.kpi.threshold-crossed`` is how someone gets told, so the event must
reach the server when the redelivery rate is above its 3 % threshold, and must not when every
KPI is met (an alert on every run would soon be ignored). Events are read back from the server,
picked out by the flow run they relate to: the session's server holds other tests' events too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.events.filters import EventFilter, EventNameFilter, EventRelatedFilter
from prefect.events.schemas.events import ReceivedEvent

from flows.kpi_report import kpi_report
from slate.store import Database
from tests.fixtures.prefect_server import PrefectServer
from tests.slate.reports import history

CROSSED = "slate.kpi.threshold-crossed"


@pytest.fixture
def home_db(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, prefect_server: PrefectServer
) -> Iterator[Database]:
    """Slate's home for this test alone (its database and blob store), with the session's server."""
    with history.report_home(monkeypatch, tmp_path / "home", "UTC") as database:
        yield database


def _history(db: Database, requests: int, prefix: str) -> None:
    """``requests`` requests delivered on time five days ago; the portal rejected the first one.

    The rejection's cause is an Issue, not a Blocker, so only the redelivery rate can cross.
    """
    now = datetime.now(UTC)
    for n in range(requests):
        request_id = f"{prefix}-{n:02d}"
        history.request(db, request_id, due_date=(now + timedelta(days=10)).date())
        version = history.version(db, request_id)
        history.deliver(db, request_id, version, now - timedelta(days=5))
        if n == 0:
            history.reject(db, request_id, version, now - timedelta(days=4), "READING_SPEED")


def _run_events(client: SyncPrefectClient, flow_run_id: UUID) -> list[ReceivedEvent]:
    """The server's events related to the flow run (Slate's and Prefect's own)."""
    wanted = EventFilter(  # built on each call: its window ends at "now"
        event=EventNameFilter(prefix=["slate.", "prefect.task-run."]),
        related=EventRelatedFilter(id=[f"prefect.flow-run.{flow_run_id}"]),
    )
    return client.read_events(filter=wanted, limit=50).events


def _events_after_completion(flow_run_id: UUID) -> list[ReceivedEvent]:
    """The run's events once the server holds its task's Completed event, emitted after the KPI events.

    Waiting for that event (sent by the same worker, after the task body) is what makes "no
    threshold event" an observation rather than a race with delivery.
    """
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            events = _run_events(client, flow_run_id)
            if any(e.event == "prefect.task-run.Completed" for e in events) or time.monotonic() > deadline:
                return events
            time.sleep(0.5)


def _flow_run_id(result: object) -> UUID:
    state = result
    flow_run_id = getattr(getattr(state, "state_details", None), "flow_run_id", None)
    assert isinstance(flow_run_id, UUID), state
    return flow_run_id


def test_a_redelivery_rate_above_three_percent_fires_the_threshold_event(home_db: Database) -> None:
    _history(home_db, 10, "SR-KPIEV-HI")  # 1 rejected of 10: 10 %
    state = kpi_report(quarters_back=1, return_state=True)
    assert state.is_completed(), state
    events = _events_after_completion(_flow_run_id(state))
    assert any(e.event == "prefect.task-run.Completed" for e in events), [e.event for e in events]
    crossed = [e for e in events if e.event == CROSSED]
    by_period = {(e.payload["period"], e.resource.id) for e in crossed}
    assert ("last 30 days", "slate.kpi.redelivery_rate") in by_period
    assert {e.resource.id for e in crossed} == {"slate.kpi.redelivery_rate"}  # only what was crossed
    last_30 = next(e for e in crossed if e.payload["period"] == "last 30 days")
    assert last_30.payload["numerator"] == 1 and last_30.payload["denominator"] == 10
    assert last_30.payload["met"] is False and last_30.payload["threshold"] == 0.03


def test_kpis_within_their_thresholds_fire_no_event(home_db: Database) -> None:
    _history(home_db, 40, "SR-KPIEV-LO")  # 1 rejected of 40: 2.5 %, every other KPI met
    state = kpi_report(quarters_back=1, return_state=True)
    assert state.is_completed(), state
    events = _events_after_completion(_flow_run_id(state))
    assert any(e.event == "prefect.task-run.Completed" for e in events), [e.event for e in events]
    assert [e for e in events if e.event == CROSSED] == []
