"""Fault injection (issue 11, done-when): a burst of 200 signed webhooks, 5 of them poison.

The stack as at scale: Slate's database and Prefect's both on PostgreSQL, the receiver with its own
background dispatcher. The 195 good events must all become runs, the 5 poison ones must be refused
or failed with their reason, and nothing may be pending a minute later. Four poison events an older
receiver had already stored are in the outbox too: the dispatcher must fail them alone.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from deployments.webhook_receiver import create_app
from slate.backlot.webhooks import EventType, WebhookEvent, signature_headers
from slate.store import open_database
from slate.store.webhook_events import DispatchState, count_by_state, list_events, record_events
from tasks.dispatch.dispatcher import DispatchConfig
from tests.deployments.helpers import SECRET, make_event, runs_for, serving, wait_for
from tests.harden.test_poison_events import BIG, _raw, _settings

TYPES = [EventType.ASSIGNMENT_CREATED, EventType.REDELIVERY_REQUESTED, EventType.PROXY_AVAILABLE]


def _poison() -> list[WebhookEvent]:
    return [
        _raw(data={"note": "a\u0000b"}),
        _raw(data={"blob": BIG}),
        _raw(request_id="../../etc/passwd"),
        _raw(request_id="SR-" + "9" * 62),
        _raw(data={"deep": {"list": ["fine", "nul\u0000here"]}}),
    ]


def _post(url: str, event: WebhookEvent) -> httpx.Response:
    body = event.model_dump_json().encode()
    headers = signature_headers(SECRET, event.id, body)
    return httpx.post(f"{url}/webhooks", content=body, headers=headers, timeout=60)


@pytest.mark.postgres
def test_200_webhooks_with_5_poison_on_postgresql(
    tmp_path: Path, postgres_url: str, prefect_on_postgres: str
) -> None:
    database = open_database(postgres_url)
    stored_poison = [e for e in _poison() if len(e.request_id or "") <= 64]  # what the table can hold
    with database.session() as session:
        record_events(session, stored_poison)  # as an older receiver stored them
    good = [make_event(TYPES[n % 3], n=n) for n in range(195)]
    posted_poison = _poison()
    burst = good[:40] + posted_poison[:2] + good[40:120] + posted_poison[2:] + good[120:]
    config = DispatchConfig(api_url=prefect_on_postgres, interval=0.5, settle=0.1, backoff_max=2.0)
    app = create_app(_settings(tmp_path), database=database, dispatch_config=config)
    try:
        with serving(app) as url:
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=16) as pool:
                answers = dict(
                    zip([e.id for e in burst], pool.map(lambda e: _post(url, e), burst), strict=True)
                )

            def settled() -> bool:
                with database.session() as session:
                    return count_by_state(session)[DispatchState.PENDING] == 0

            wait_for(settled, timeout=60, interval=0.5)
            elapsed = time.monotonic() - started
        assert [answers[e.id].status_code for e in good] == [202] * 195
        for event in posted_poison:
            answer = answers[event.id]
            assert answer.status_code in (413, 422) and answer.json()["detail"], answer.text
        with database.session() as session:
            counts = count_by_state(session)
            entries = {e.event_id: e for e in list_events(session, limit=None)}
        assert counts[DispatchState.DISPATCHED] == 195 and counts[DispatchState.FAILED] == 4, counts
        assert all(e.id not in entries for e in posted_poison), "refused events are not stored"
        for event in stored_poison:
            entry = entries[event.id]
            assert entry.state is DispatchState.FAILED and (entry.last_error or "").startswith("not runnable")
        with temporary_settings(updates={PREFECT_API_URL: prefect_on_postgres}):
            runs = runs_for([e.id for e in good])
        assert [len(runs[e.id]) for e in good] == [1] * 195
        print(f"200 webhooks (5 poison) + 4 stored poison: settled in {elapsed:.1f} s")
    finally:
        database.dispose()
