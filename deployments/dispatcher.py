"""From the outbox to Prefect: start one flow run per stored webhook event.

The receiver only stores events; this module starts their runs, so that a slow or absent Prefect
API never slows the portal's webhook down or loses an event. Each pending event becomes
``arun_deployment(route, parameters=…, timeout=0, idempotency_key=<event id>)``: the key makes
the run creation idempotent on Prefect's side, so an event dispatched twice (a crash between
creating the run and recording it, two receivers sharing one database, a reconcile pass racing
the background loop) still has exactly one run.

Failures are sorted three ways:

* **unreachable** (connection refused, timeouts): Prefect is down. The event stays ``pending``
  with the error and one more attempt; the pass stops at once (no point knocking on every event)
  and the background loop waits, longer each time, before trying again.
* **transient** (5xx, 429): the event stays ``pending`` and is retried on the next pass.
* **permanent** (no such deployment, parameters refused): retried with a growing delay until
  ``max_attempts``, then ``failed`` (``slate webhooks --state failed`` shows it).

:func:`dispatch_pending` does one drain of the outbox (for reconcile, tests and benchmarks);
:class:`Dispatcher` is the receiver's background loop around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
from prefect.client.orchestration import PrefectClient, get_client
from prefect.deployments import arun_deployment
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings
from pydantic import BaseModel, ConfigDict

from deployments.routes import ROUTES, deployment_for, parameters_for
from slate.backlot.webhooks import EventType
from slate.logging import bound, get_logger
from slate.settings import Settings, get_settings
from slate.store import Database
from slate.store.webhook_events import (
    DispatchOutcome,
    DispatchState,
    OutboxEntry,
    due_events,
    record_outcomes,
)

__all__ = ["DispatchConfig", "DispatchReport", "Dispatcher", "dispatch_pending"]

log = get_logger("slate.webhooks.dispatcher")

FailureKind = Literal["unreachable", "transient", "permanent"]


class DispatchConfig(BaseModel):
    """How the dispatcher works; :meth:`from_settings` reads the ``webhook_*`` settings."""

    model_config = ConfigDict(frozen=True)

    #: Prefect API URL; empty means Prefect's own configuration (``PREFECT_API_URL``).
    api_url: str = ""
    batch_size: int = 50
    concurrency: int = 2
    max_attempts: int = 8
    interval: float = 2.0
    backoff_max: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> DispatchConfig:
        s = settings or get_settings()
        return cls(
            api_url=s.webhook_prefect_api_url,
            batch_size=s.webhook_dispatch_batch,
            concurrency=s.webhook_dispatch_concurrency,
            max_attempts=s.webhook_dispatch_max_attempts,
            interval=s.webhook_dispatch_interval,
            backoff_max=s.webhook_dispatch_backoff_max,
        )


class DispatchReport(BaseModel):
    """What one drain of the outbox did."""

    dispatched: int = 0
    ignored: int = 0
    retrying: int = 0
    failed: int = 0
    #: Set when the pass stopped because the Prefect API could not be reached.
    unreachable: str | None = None

    def add(self, outcome: DispatchOutcome) -> None:
        if outcome.state is DispatchState.DISPATCHED:
            self.dispatched += 1
        elif outcome.state is DispatchState.IGNORED:
            self.ignored += 1
        elif outcome.state is DispatchState.FAILED:
            self.failed += 1
        else:
            self.retrying += 1


class _Failure(Exception):
    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind
        self.message = message


def _classify(exc: Exception) -> _Failure:
    """Sort an error from the Prefect client (the message never includes request headers)."""
    if isinstance(exc, httpx.HTTPStatusError):
        code = exc.response.status_code
        kind: FailureKind = "transient" if code >= 500 or code in (408, 429) else "permanent"
        return _Failure(kind, f"Prefect API answered {code}: {exc.response.text[:300]}")
    if isinstance(exc, ObjectNotFound):
        return _Failure("permanent", f"deployment not found: {exc}")
    if isinstance(exc, httpx.TransportError | OSError | TimeoutError):
        return _Failure("unreachable", f"Prefect API unreachable: {type(exc).__name__}: {exc}")
    return _Failure("permanent", f"{type(exc).__name__}: {exc}")


@asynccontextmanager
async def _prefect(api_url: str) -> AsyncIterator[PrefectClient]:
    """A Prefect client for ``api_url`` (or the configured API), keeping Prefect's other settings."""
    if api_url:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            client = get_client()
    else:
        client = get_client()
    async with client:
        yield client


def _backoff(config: DispatchConfig, attempts: int) -> timedelta:
    return timedelta(seconds=min(config.interval * 2**attempts, config.backoff_max))


async def _start_run(
    client: PrefectClient, entry: OutboxEntry, config: DispatchConfig, routes: Mapping[EventType, str]
) -> DispatchOutcome:
    """One attempt at one event; raises :class:`_Failure` only when Prefect is unreachable."""
    now = datetime.now(UTC)
    deployment = deployment_for(entry.event_type, routes)
    if deployment is None:
        log.info("webhook event ignored: no deployment routed for its type", event_type=entry.event_type)
        return DispatchOutcome(seq=entry.seq, state=DispatchState.IGNORED, attempts=entry.attempts)
    attempts = entry.attempts + 1
    try:
        run = await arun_deployment(
            deployment,
            client=client,
            parameters=parameters_for(entry.event()),
            timeout=0,
            idempotency_key=entry.event_id,
            as_subflow=False,
        )
    except Exception as exc:
        failure = _classify(exc)
        if failure.kind == "unreachable":
            raise _Failure("unreachable", failure.message) from exc
        gave_up = failure.kind == "permanent" and attempts >= config.max_attempts
        retry_at = now + _backoff(config, attempts) if failure.kind == "permanent" else None
        log.warning("flow run not created", deployment=deployment, attempts=attempts, error=failure.message)
        return DispatchOutcome(
            seq=entry.seq,
            state=DispatchState.FAILED if gave_up else DispatchState.PENDING,
            attempts=attempts,
            deployment=deployment,
            last_error=failure.message,
            next_attempt_at=None if gave_up else retry_at,
        )
    log.info("flow run created", deployment=deployment, flow_run_id=str(run.id))
    return DispatchOutcome(
        seq=entry.seq,
        state=DispatchState.DISPATCHED,
        attempts=attempts,
        deployment=deployment,
        flow_run_id=str(run.id),
        dispatched_at=now,
    )


async def _dispatch_batch(
    client: PrefectClient,
    entries: Sequence[OutboxEntry],
    config: DispatchConfig,
    routes: Mapping[EventType, str],
) -> tuple[list[DispatchOutcome], str | None]:
    """Start runs for ``entries`` (a few at once); stop early when Prefect is unreachable."""
    gate = asyncio.Semaphore(max(1, config.concurrency))
    unreachable: list[str] = []

    async def one(entry: OutboxEntry) -> DispatchOutcome | None:
        async with gate:
            if unreachable:
                return None
            with bound(event_id=entry.event_id, request_id=entry.request_id):
                try:
                    return await _start_run(client, entry, config, routes)
                except _Failure as failure:
                    unreachable.append(failure.message)
                    log.warning("Prefect API unreachable; event stays pending", error=failure.message)
                    return DispatchOutcome(
                        seq=entry.seq,
                        state=DispatchState.PENDING,
                        attempts=entry.attempts + 1,
                        deployment=deployment_for(entry.event_type, routes),
                        last_error=failure.message,
                    )

    results = await asyncio.gather(*(one(entry) for entry in entries))
    return [r for r in results if r is not None], (unreachable[0] if unreachable else None)


async def dispatch_pending(
    database: Database,
    config: DispatchConfig | None = None,
    *,
    routes: Mapping[EventType, str] = ROUTES,
) -> DispatchReport:
    """Start runs for every due pending event, batch after batch, until none is left.

    Stops early, with :attr:`DispatchReport.unreachable` set, when the Prefect API cannot be
    reached; those events stay pending. Safe to call from several places at once.
    """
    config = config or DispatchConfig.from_settings()
    report = DispatchReport()

    def claim() -> list[OutboxEntry]:
        with database.session() as session:
            return due_events(session, limit=config.batch_size)

    def save(outcomes: list[DispatchOutcome]) -> None:
        with database.session() as session:
            record_outcomes(session, outcomes)

    async with _prefect(config.api_url) as client:
        while entries := await asyncio.to_thread(claim):
            outcomes, unreachable = await _dispatch_batch(client, entries, config, routes)
            await asyncio.to_thread(save, outcomes)
            for outcome in outcomes:
                report.add(outcome)
            if unreachable:
                report.unreachable = unreachable
                break
            if not any(o.state in (DispatchState.DISPATCHED, DispatchState.IGNORED) for o in outcomes):
                break
    return report


class Dispatcher:
    """The receiver's background loop: drain the outbox when woken, or every ``interval``.

    :meth:`wake` may be called from any thread (the request handler calls it after storing an
    event). While Prefect is unreachable the loop ignores wake-ups and waits longer each time,
    up to ``backoff_max``.
    """

    def __init__(
        self,
        database: Database,
        config: DispatchConfig | None = None,
        *,
        routes: Mapping[EventType, str] = ROUTES,
    ) -> None:
        self.database = database
        self.config = config or DispatchConfig.from_settings()
        self.routes = routes
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Ask for a pass soon (thread-safe; does nothing before :meth:`start`)."""
        if self._loop is not None and self._wakeup is not None:
            self._loop.call_soon_threadsafe(self._wakeup.set)

    def start(self) -> None:
        """Run the loop as a task on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._task = self._loop.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Cancel the loop and wait for it (events in flight stay pending or get recorded)."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        assert self._wakeup is not None
        delay = self.config.interval
        while True:
            self._wakeup.clear()
            try:
                report = await dispatch_pending(self.database, self.config, routes=self.routes)
            except Exception:
                log.exception("webhook dispatcher pass failed; retrying later")
                report = DispatchReport(unreachable="dispatcher pass failed")
            if report.unreachable:
                delay = min(delay * 2, self.config.backoff_max)
                await asyncio.sleep(delay)
                continue
            delay = self.config.interval
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.config.interval)
