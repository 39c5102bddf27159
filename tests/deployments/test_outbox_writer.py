"""Group commit: concurrent requests share transactions, and each learns whether its event was new."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from deployments.outbox_writer import OutboxWriter
from slate.store import Database
from slate.store.webhook_events import count_by_state
from tests.deployments.helpers import make_event


def test_concurrent_events_and_redeliveries_are_stored_once_each(database: Database) -> None:
    events = [make_event(n=i) for i in range(40)]
    sends = events + events[::4]  # ten redeliveries racing their originals

    async def burst() -> list[bool]:
        writer = OutboxWriter(database, max_group=16)
        return await asyncio.gather(*(writer.store(e) for e in sends))

    created = asyncio.run(burst())
    assert created[: len(events)] == [True] * len(events)
    assert created[len(events) :] == [False] * 10
    with database.session() as session:
        assert sum(count_by_state(session).values()) == len(events)


def test_a_failed_commit_fails_every_request_of_its_group(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE webhook_events"))

    async def burst() -> list[bool | BaseException]:
        writer = OutboxWriter(database)
        return await asyncio.gather(*(writer.store(make_event()) for _ in range(5)), return_exceptions=True)

    results = asyncio.run(burst())
    assert len(results) == 5
    assert all(isinstance(r, Exception) and "webhook_events" in str(r) for r in results)
