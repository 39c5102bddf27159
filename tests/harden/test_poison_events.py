"""One bad webhook never stops the others (issue 11, items 1, 3 and 4), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from pydantic import SecretStr

from deployments.outbox_writer import OutboxWriter
from deployments.webhook_receiver import create_app
from slate.backlot.webhooks import EventType, WebhookEvent
from slate.settings import Settings
from slate.store import Database
from slate.store.webhook_events import DispatchState, count_by_state, get_event, record_events
from tasks.dispatch import dispatcher as dispatcher_module
from tasks.dispatch.dispatcher import DispatchConfig, dispatch_pending
from tests.deployments.helpers import SECRET, make_event, post, runs_for, serving
from tests.fixtures.prefect_server import PrefectServer

BIG = "x" * (600 * 1024)  # over Prefect's 512 KiB for run parameters, under the 1 MiB body limit


def _settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, webhook_secret=SecretStr(SECRET), webhook_max_body_bytes=1024 * 1024)


@pytest.fixture
def receiver(tmp_path: Path, db: Database) -> Iterator[str]:
    """The receiver on the parametrised database (SQLite, PostgreSQL), dispatching left to the test."""
    with serving(create_app(_settings(tmp_path), database=db, dispatch=False)) as url:
        yield url


def _raw(**fields: Any) -> WebhookEvent:
    """An event as an older receiver stored it: built without the checks intake now makes."""
    base = make_event()
    values = {**base.model_dump(), **fields}
    return WebhookEvent.model_construct(**values)


def _posted_raw(url: str, event: WebhookEvent) -> Any:
    """POST an event built without validation (its JSON as the portal would sign it)."""
    import httpx

    from slate.backlot.webhooks import signature_headers

    body = event.model_dump_json().encode()
    return httpx.post(
        f"{url}/webhooks", content=body, headers=signature_headers(SECRET, event.id, body), timeout=30
    )


def test_the_receiver_refuses_what_can_never_run_with_a_clear_reason(receiver: str, db: Database) -> None:
    nul = make_event(note="a\u0000b")
    big = make_event(blob=BIG)
    traversal = _raw(request_id="../../etc/passwd")
    too_long = _raw(request_id="SR-" + "9" * 62)
    answers = {
        "nul": post(receiver, nul),
        "big": post(receiver, big),
        "traversal": _posted_raw(receiver, traversal),
        "too_long": _posted_raw(receiver, too_long),
    }
    assert answers["nul"].status_code == 422 and "NUL" in answers["nul"].json()["detail"]
    assert answers["big"].status_code == 413 and "524,288" in answers["big"].json()["detail"]
    for key in ("traversal", "too_long"):
        detail = answers[key].json()["detail"]
        assert answers[key].status_code == 422 and detail[0]["loc"] == ["request_id"], detail
    with db.session() as session:
        assert all(get_event(session, e.id) is None for e in (nul, big, traversal, too_long))
    ok = make_event()
    assert post(receiver, ok).status_code == 202


def test_a_bad_event_in_a_group_does_not_refuse_its_neighbours(db: Database) -> None:
    """On PostgreSQL one event the table refuses used to fail its whole group (503 for all)."""
    good = [make_event(n=i) for i in range(30)]
    bad = [_raw(request_id="SR-" + "7" * 70), _raw(id="evt-nul-\u0000")]
    events = good[:10] + bad[:1] + good[10:20] + bad[1:] + good[20:]
    writer = OutboxWriter(db)

    async def burst() -> list[bool | BaseException]:
        return await asyncio.gather(*(writer.store(e) for e in events), return_exceptions=True)

    answers = dict(zip([e.id for e in events], asyncio.run(burst()), strict=True))
    assert [answers[e.id] for e in good] == [True] * 30
    with db.session() as session:
        assert all(get_event(session, e.id) is not None for e in good)


def _store(db: Database, events: list[WebhookEvent]) -> None:
    with db.session() as session:
        assert all(record_events(session, events))


def _poison() -> list[WebhookEvent]:
    return [
        _raw(data={"note": "a\u0000b"}),
        _raw(data={"blob": BIG}),
        _raw(request_id="../../etc/passwd"),
    ]


def _dispatch(db: Database, api_url: str, **config: Any) -> None:
    asyncio.run(dispatch_pending(db, DispatchConfig(api_url=api_url, **config)))


def _check_outcome(db: Database, good: list[WebhookEvent], poison: list[WebhookEvent], api_url: str) -> None:
    with db.session() as session:
        entries = {e.id: get_event(session, e.id) for e in good + poison}
        assert count_by_state(session)[DispatchState.PENDING] == 0
    for event in good:
        entry = entries[event.id]
        assert entry is not None and entry.state is DispatchState.DISPATCHED, entry
    for event in poison:
        entry = entries[event.id]
        assert entry is not None and entry.state is DispatchState.FAILED and entry.last_error, entry
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        runs = runs_for([e.id for e in good])
    assert all(len(runs[e.id]) == 1 for e in good)


@pytest.mark.postgres
def test_stored_poison_is_failed_alone_on_prefect_with_postgresql(
    db: Database, prefect_on_postgres: str
) -> None:
    """Events an older receiver stored: each poison fails at once with its reason, the rest run."""
    good = [make_event(n=i) for i in range(12)]
    poison = _poison()
    _store(db, good[:4] + poison[:2] + good[4:8] + poison[2:] + good[8:])
    _dispatch(db, prefect_on_postgres)
    _check_outcome(db, good, poison, prefect_on_postgres)
    with db.session() as session:
        reasons = [get_event(session, e.id).last_error or "" for e in poison]  # type: ignore[union-attr]
    assert "NUL" in reasons[0] and "524,288" in reasons[1] and "request_id" in reasons[2]


@pytest.mark.postgres
def test_a_batch_prefect_refuses_is_retried_run_by_run(
    db: Database, prefect_on_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the checks miss: PostgreSQL aborts the bulk transaction, each run is then asked alone."""
    monkeypatch.setattr(dispatcher_module, "unrunnable", lambda *_args: None)
    good = [make_event(n=i) for i in range(8)]
    poison = _poison()[:2]  # the NUL and the oversized one reach Prefect
    _store(db, good[:3] + poison[:1] + good[3:6] + poison[1:] + good[6:])
    _dispatch(db, prefect_on_postgres, max_attempts=1)
    _check_outcome(db, good, poison, prefect_on_postgres)


def test_stored_poison_is_failed_alone_on_prefect_with_sqlite(
    db: Database, prefect_server: PrefectServer, stand_in_deployments: dict[str, Any]
) -> None:
    good = [make_event(EventType.ASSIGNMENT_UPDATED, n=i) for i in range(6)]
    poison = _poison()
    _store(db, good[:2] + poison + good[2:])
    _dispatch(db, prefect_server.api_url)
    _check_outcome(db, good, poison, prefect_server.api_url)
