"""Storing accepted webhooks in the outbox, many per transaction (group commit).

Every request waits until its event is committed before it is acknowledged. Rather than one
thread and one transaction per request, which on SQLite means 50 concurrent requests queueing for
the single write lock, the requests that arrive while a commit is under way are stored together by
the next one: one writer thread, one transaction per group, each request then told whether its
event was new. Under a burst the groups grow and the cost per event falls; alone, an event is
committed at once, with no waiting to fill a group.

A group the database refuses is stored again one event per transaction, so an event the database
cannot take (on PostgreSQL a whole group fails with it) is refused alone and its neighbours are
stored and acknowledged: the same answers on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from slate.backlot.webhooks import WebhookEvent
from slate.store import Database
from slate.store.webhook_events import record_events

__all__ = ["OutboxWriter"]


class OutboxWriter:
    """Queues events from request handlers and commits them in groups on one event loop."""

    def __init__(self, database: Database, *, max_group: int = 256) -> None:
        self.database = database
        self.max_group = max_group
        self._waiting: list[tuple[WebhookEvent, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def store(self, event: WebhookEvent) -> bool:
        """Commit ``event``; True if it is new, False if its id was already stored.

        Raises whatever the database raised: then nothing of its group was stored.
        """
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="outbox-writer")
        return await done

    async def _write(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[: self.max_group], self._waiting[self.max_group :]
            try:
                created = await asyncio.to_thread(self._insert, [event for event, _ in group])
            except Exception as exc:
                if len(group) == 1:
                    _settle(group[0][1], exc)
                    continue
                for event, done in group:  # one by one: only the event at fault is refused
                    try:
                        (new,) = await asyncio.to_thread(self._insert, [event])
                    except Exception as alone:
                        _settle(done, alone)
                    else:
                        _settle(done, new)
                continue
            for (_, done), new in zip(group, created, strict=True):
                _settle(done, new)

    def _insert(self, events: Sequence[WebhookEvent]) -> list[bool]:
        with self.database.session() as session:
            return record_events(session, events)


def _settle(done: asyncio.Future[bool], outcome: bool | Exception) -> None:
    """Answer one waiting request (unless it gave up waiting)."""
    if done.done():
        return
    if isinstance(outcome, Exception):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)
