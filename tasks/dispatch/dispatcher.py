"""From the outbox to Prefect: start one flow run per stored webhook event.

The receiver only stores events; this module starts their runs, so that a slow or absent Prefect
API never slows the portal's webhook down or loses an event. Each pending event is run as its
routed deployment with the event id as the idempotency key, without waiting for the run
(``run_deployment(…, timeout=0, idempotency_key=<event id>)``, done in bulk by
:mod:`tasks.dispatch.flow_runs`). The key makes creation idempotent on Prefect's side, so an event
dispatched twice (a crash between creating the run and recording it, two receivers sharing one
database, a reconcile pass racing the background loop) still has exactly one run.

Failures are sorted three ways:

* **unreachable** (connection refused, timeouts): Prefect is down. The attempted events stay
  ``pending`` with the error; the pass stops at once (no point knocking on every event) and the
  background loop waits, longer each time, before trying again.
* **transient** (5xx, 429, a run the server could not write this time): the event stays
  ``pending`` and is asked for again shortly.
* **permanent** (no such deployment, parameters refused): retried with a growing delay until
  ``max_attempts``, then ``failed`` (``slate webhooks --state failed`` shows it;
  ``slate webhooks --requeue`` puts it back).

``attempts`` counts only answers about the event itself (a run created, a refusal), never an
outage, so however long Prefect is away, an event still gets its ``max_attempts`` afterwards.

:func:`dispatch_pending` does one drain of the outbox (for reconcile, tests and benchmarks);
:class:`Dispatcher` is the receiver's background loop around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from slate.backlot.webhooks import EventType, WebhookEvent
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
from tasks.dispatch.flow_runs import RunCreator, RunResult, prefect_client
from tasks.dispatch.routes import ROUTES, deployment_for, parameters_for, run_key, unrunnable

__all__ = ["DispatchConfig", "DispatchReport", "Dispatcher", "dispatch_pending"]

log = get_logger("slate.webhooks.dispatcher")

#: Batches in a row without progress before a pass gives up until the next one.
_STALLED_BATCHES = 3


class DispatchConfig(BaseModel):
    """How the dispatcher works; :meth:`from_settings` reads the ``webhook_*`` settings."""

    model_config = ConfigDict(frozen=True)

    #: Prefect API URL; empty means Prefect's own configuration (``PREFECT_API_URL``).
    api_url: str = ""
    batch_size: int = 100
    max_attempts: int = 8
    interval: float = 2.0
    backoff_max: float = 60.0
    #: Seconds a wake-up waits so that a burst of events is dispatched in a few large batches.
    settle: float = 0.25
    #: Create runs through the bulk endpoint (False: one request per run, as older servers need).
    bulk: bool = True

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> DispatchConfig:
        s = settings or get_settings()
        return cls(
            api_url=s.webhook_prefect_api_url,
            batch_size=s.webhook_dispatch_batch,
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


def _backoff(config: DispatchConfig, attempts: int) -> timedelta:
    return timedelta(seconds=min(config.interval * 2**attempts, config.backoff_max))


def _outcome(
    entry: OutboxEntry, deployment: str, result: RunResult, config: DispatchConfig, now: datetime
) -> DispatchOutcome | None:
    """The row update for one event's attempt (None when it was not attempted)."""
    if result.kind == "skipped":
        return None
    # An outage (unreachable, 5xx, 429) says nothing about the event: counting it would let a long
    # outage use up ``max_attempts`` and fail the event at the first refusal once Prefect is back.
    outage = result.kind in ("unreachable", "transient")
    attempts = entry.attempts if outage else entry.attempts + 1
    with bound(event_id=entry.event_id, request_id=entry.request_id):
        if result.kind == "created":
            log.info("flow run created", deployment=deployment, flow_run_id=result.flow_run_id)
            return DispatchOutcome(
                seq=entry.seq,
                state=DispatchState.DISPATCHED,
                attempts=attempts,
                deployment=deployment,
                flow_run_id=result.flow_run_id,
                dispatched_at=now,
            )
        log.warning("flow run not created; event stays pending", deployment=deployment, error=result.error)
    gave_up = result.kind == "permanent" and attempts >= config.max_attempts
    backoff = result.kind == "permanent" and not gave_up
    return DispatchOutcome(
        seq=entry.seq,
        state=DispatchState.FAILED if gave_up else DispatchState.PENDING,
        attempts=attempts,
        deployment=deployment,
        last_error=result.error,
        next_attempt_at=now + _backoff(config, attempts) if backoff else None,
    )


def _runnable(
    entry: OutboxEntry, deployment: str, routes: Mapping[EventType, str]
) -> WebhookEvent | DispatchOutcome:
    """The stored event, or the outcome failing it at once because no run could ever carry it.

    Events stored before the receiver refused such things (a NUL, parameters over Prefect's limit,
    a request id that is not an id) are failed here with the reason, alone, before Prefect sees them.
    """
    try:
        event = entry.event()
    except ValidationError as exc:
        reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    else:
        refusal = unrunnable(event, routes)
        if refusal is None:
            return event
        reason = refusal.reason
    with bound(event_id=entry.event_id, request_id=entry.request_id):
        log.warning("webhook event can never run; failed", deployment=deployment, error=reason)
    return DispatchOutcome(
        seq=entry.seq,
        state=DispatchState.FAILED,
        attempts=entry.attempts + 1,
        deployment=deployment,
        last_error=f"not runnable: {reason}",
        next_attempt_at=None,
    )


def _ignored(entry: OutboxEntry) -> DispatchOutcome:
    with bound(event_id=entry.event_id, request_id=entry.request_id):
        log.info("webhook event ignored: no deployment routed for its type", event_type=entry.event_type)
    return DispatchOutcome(seq=entry.seq, state=DispatchState.IGNORED, attempts=entry.attempts)


async def _dispatch_batch(
    creator: RunCreator,
    entries: Sequence[OutboxEntry],
    config: DispatchConfig,
    routes: Mapping[EventType, str],
) -> tuple[list[DispatchOutcome], str | None]:
    """Create the runs of ``entries``, one bulk request per deployment; stop when Prefect is down."""
    now = datetime.now(UTC)
    outcomes: list[DispatchOutcome] = []
    groups: dict[str, list[OutboxEntry]] = {}
    for entry in entries:
        deployment = deployment_for(entry.event_type, routes)
        if deployment is None:
            outcomes.append(_ignored(entry))
        else:
            groups.setdefault(deployment, []).append(entry)
    for deployment, candidates in groups.items():
        group, events = [], []
        for entry in candidates:
            checked = _runnable(entry, deployment, routes)
            if isinstance(checked, DispatchOutcome):
                outcomes.append(checked)
            else:
                group.append(entry)
                events.append(checked)
        if not group:
            continue
        requests = [(run_key(event), parameters_for(deployment, event)) for event in events]
        await asyncio.sleep(0)
        results = await creator.create(deployment, requests)
        for n, (entry, result) in enumerate(zip(group, results, strict=True), start=1):
            if (outcome := _outcome(entry, deployment, result, config, now)) is not None:
                outcomes.append(outcome)
            if n % 10 == 0:
                await asyncio.sleep(0)  # let webhooks arriving meanwhile be acknowledged
        down = next((r.error for r in results if r.kind == "unreachable"), None)
        if down is not None:
            log.warning("Prefect API unreachable; events stay pending", error=down)
            return outcomes, down
    return outcomes, None


async def dispatch_pending(
    database: Database,
    config: DispatchConfig | None = None,
    *,
    routes: Mapping[EventType, str] = ROUTES,
) -> DispatchReport:
    """Start runs for every due pending event, batch after batch, until none is left.

    Stops early, with :attr:`DispatchReport.unreachable` set, when the Prefect API cannot be
    reached; those events stay pending. Batches that make no progress (transient refusals) are
    tried again a few times, briefly spaced, before the pass ends. Safe to call from several
    places at once.
    """
    config = config or DispatchConfig.from_settings()
    report = DispatchReport()

    def claim() -> list[OutboxEntry]:
        with database.session() as session:
            return due_events(session, limit=config.batch_size)

    def save(outcomes: list[DispatchOutcome]) -> None:
        with database.session() as session:
            record_outcomes(session, outcomes)

    stalled = 0
    async with prefect_client(config.api_url) as client:
        creator = RunCreator(client, bulk=config.bulk)
        while stalled < _STALLED_BATCHES and (entries := await asyncio.to_thread(claim)):
            outcomes, unreachable = await _dispatch_batch(creator, entries, config, routes)
            await asyncio.to_thread(save, outcomes)
            for outcome in outcomes:
                report.add(outcome)
            if unreachable:
                report.unreachable = unreachable
                break
            progress = any(o.state is not DispatchState.PENDING for o in outcomes)
            stalled = 0 if progress else stalled + 1
            if not progress:
                await asyncio.sleep(0.2)
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
                await asyncio.sleep(self.config.settle)
