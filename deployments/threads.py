"""Run served flow runs on threads of the serving process instead of one new process each.

Why: Prefect's runner starts every run in a freshly spawned Python process, which imports Prefect
and Slate again before doing any work. Measured on the two-core reference machine, that start
costs 5–8 CPU seconds per run (``python -X importtime -c "import flows.lifecycle"``), while the
domain work of one small assignment is about 0.1 CPU second; with an intake run and a lifecycle
run per assignment, 16 assignments spent minutes starting processes. Here the flows are imported
once, and each run is a call of Prefect's own engine (``run_flow``) on a worker thread, so the
operator keeps everything Prefect gives: the run, its name, states, logs, artifacts, pauses,
retries and the deployment's concurrency limit (enforced by the server when a run is claimed).

How a run is claimed: like Prefect's runner, by moving it from Scheduled to Pending. The server
accepts that move once, so two serving processes (or this one and a worker on another machine)
never run the same run twice.

What it gives up: a thread cannot be killed. A run cancelled from the UI gets an exception raised
in its thread, which takes effect at its next Python step (a running ffmpeg or an upload chunk in
progress finishes first); the run then ends Cancelled. A serving process that is stopped marks the
runs it held Crashed itself, so they can be retried at once. One that dies (killed, machine lost)
cannot: its runs would stay Running for ever. So the polling loop sends Prefect's flow-run
heartbeat event for every run it holds and their running subflows, one event each per period
(cheap, where Prefect's own per-flow heartbeat thread adds about a second to every sync flow), and
the zombie automation (:mod:`deployments.zombies`) marks Crashed a run whose heartbeats stop.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slate.logging import get_logger

if TYPE_CHECKING:
    from uuid import UUID

    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.objects import FlowRun
    from prefect.flows import Flow

__all__ = ["RunCancelled", "RunInterrupted", "ThreadRunner", "send_heartbeat"]

log = get_logger("slate.deployments.threads")


class RunCancelled(BaseException):
    """Raised inside a run's thread when an operator cancelled the run.

    A ``BaseException`` so that no ``except Exception`` in a step swallows it.
    """


class RunInterrupted(BaseException):
    """Raised inside a run's thread when the serving process stops; the run is then marked Crashed."""


@dataclass
class _Held:
    """A run this process claimed, and the thread running it once it started."""

    run: FlowRun
    future: Future[None] | None = None
    thread_id: int | None = None
    cancel_sent: bool = False


@dataclass
class ThreadRunner:
    """Poll for the served deployments' scheduled runs and run each on a thread, ``limit`` at once."""

    flows: dict[UUID, Flow[..., Any]]
    limit: int
    poll_seconds: float
    #: Prefect's own per-flow heartbeat threads cost about a second per sync flow and subflow;
    #: off, since ``beat_seconds`` sends the same events for every held run from the polling loop.
    heartbeats: bool = False
    #: Runs waiting for an operator's decision (Paused, or tagged so by their paused subflow) do
    #: not count against ``limit``; up to this many may wait at once, each holding an idle thread.
    max_waiting: int = 32
    waiting_tag: str | None = None
    #: Seconds between the heartbeats this process sends for the runs it holds; None sends none.
    beat_seconds: float | None = None
    #: This is the only process serving these deployments (``slate up``): runs it finds Running,
    #: Pending or Paused when it starts were held by a predecessor that died; mark them Crashed.
    sole_server: bool = False
    _held: dict[UUID, _Held] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _waiting: int = 0
    _last_beat: float = 0.0

    def serve(self) -> None:
        """Run until :meth:`stop` or KeyboardInterrupt; runs still held then are marked Crashed."""
        from prefect import get_client

        pool = ThreadPoolExecutor(max_workers=self.limit + self.max_waiting, thread_name_prefix="slate-run")
        try:
            with get_client(sync_client=True) as client:
                if self.sole_server:
                    try:
                        _crash_orphans(client, list(self.flows))
                    except Exception as exc:  # not fatal: the runs stay as they were, to be seen
                        log.warning("could not look for runs a stopped process left", error=str(exc))
                try:
                    while not self._stopping.is_set():
                        self._poll(client, pool)
                        self._stopping.wait(self.poll_seconds)
                finally:
                    self._interrupt_held(client)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def stop(self) -> None:
        """Ask :meth:`serve` to return after its current poll."""
        self._stopping.set()

    def held(self) -> list[UUID]:
        """The runs this process has claimed and not finished (for tests and status)."""
        with self._lock:
            return list(self._held)

    def _poll(self, client: SyncPrefectClient, pool: ThreadPoolExecutor) -> None:
        try:
            self._look_at_held(client)
            self._claim_and_start(client, pool)
            self._beat_when_due(client)
        except Exception as exc:  # the API busy or restarting: try again at the next poll
            log.warning("could not poll the Prefect API; trying again shortly", error=str(exc))

    def _free_slots(self) -> int:
        with self._lock:
            active = len(self._held) - self._waiting
            return min(self.limit - active, self.limit + self.max_waiting - len(self._held))

    def _claim_and_start(self, client: SyncPrefectClient, pool: ThreadPoolExecutor) -> None:
        if self._free_slots() <= 0:
            return
        soon = datetime.now(UTC) + timedelta(seconds=1)
        from prefect.client.schemas.objects import FlowRun

        found = client.get_scheduled_flow_runs_for_deployments(
            deployment_ids=list(self.flows), scheduled_before=soon
        )
        # The sync client answers with the server's schema; the engine takes the client's.
        runs = [FlowRun.model_validate(r.model_dump()) for r in found]
        runs.sort(key=lambda r: (r.next_scheduled_start_time is None, r.next_scheduled_start_time))
        for run in runs:
            if self._free_slots() <= 0:
                return
            with self._lock:
                if run.id in self._held:
                    continue
            if not _claim(client, run):
                continue
            held = _Held(run=run)
            with self._lock:
                self._held[run.id] = held
            held.future = pool.submit(self._execute, held)

    def _execute(self, held: _Held) -> None:
        """Run one claimed flow run on this thread with Prefect's engine; always release the slot."""
        from prefect.flow_engine import run_flow

        run = held.run
        with self._lock:
            held.thread_id = threading.get_ident()
        flow = self.flows[run.deployment_id] if run.deployment_id else None
        try:
            if flow is None:  # pragma: no cover - only served deployments' runs are fetched
                raise LookupError(f"no flow is served for deployment {run.deployment_id}")
            if held.cancel_sent:
                raise RunCancelled()
            with _heartbeats(self.heartbeats):
                run_flow(flow, flow_run=run, return_type="state")
        except RunCancelled:
            _finish_cancelled(run)
        except RunInterrupted:
            pass  # the stopping process marks it (see _interrupt_held)
        except BaseException as exc:  # the engine records a run's own failures; this is the rest
            _finish_crashed(run, f"the run stopped outside its steps: {exc!r}")
        finally:
            with self._lock:
                held.thread_id = None
                self._held.pop(run.id, None)

    def _look_at_held(self, client: SyncPrefectClient) -> None:
        """Read the held runs' states: deliver operators' cancels, count the runs waiting for one."""
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
        from prefect.client.schemas.objects import StateType

        with self._lock:
            ids = list(self._held)
        held = FlowRunFilter(id=FlowRunFilterId(any_=ids))
        runs = client.read_flow_runs(flow_run_filter=held) if ids else []
        waiting = 0
        for run in runs:
            kind = run.state.type if run.state else None
            if kind == StateType.CANCELLING:
                self._cancel(run.id)
            elif kind == StateType.PAUSED or (self.waiting_tag and self.waiting_tag in run.tags):
                waiting += 1
        with self._lock:
            self._waiting = waiting

    def _beat_when_due(self, client: SyncPrefectClient) -> None:
        """Send a heartbeat for each held run and its running subflows, once per ``beat_seconds``."""
        if self.beat_seconds is None or time.monotonic() - self._last_beat < self.beat_seconds:
            return
        self._last_beat = time.monotonic()
        with self._lock:
            runs = [held.run for held in self._held.values()]
        if not runs:
            return
        for run in [*runs, *_live_subflows(client, [run.id for run in runs])]:
            send_heartbeat(run)

    def _cancel(self, run_id: UUID) -> None:
        """Raise :class:`RunCancelled` in the run's thread (once)."""
        with self._lock:
            held = self._held.get(run_id)
            if held is None or held.cancel_sent:
                return
            held.cancel_sent = True
            if held.thread_id is not None:
                _raise_in_thread(held.thread_id, RunCancelled)
        log.info("cancelling run at its next step, as an operator asked", flow_run_id=str(run_id))

    def _interrupt_held(self, client: SyncPrefectClient) -> None:
        """Stop the runs still held (the process is stopping) and mark them Crashed, to be retried."""
        from prefect.states import Crashed

        with self._lock:
            left = list(self._held.values())
            for held in left:
                if held.thread_id is not None:
                    _raise_in_thread(held.thread_id, RunInterrupted)
        deadline = time.monotonic() + 5
        while self.held() and time.monotonic() < deadline:
            time.sleep(0.05)
        for held in left:
            message = "the serving process stopped while this run was in progress; retry it"
            try:
                state = client.read_flow_run(held.run.id).state
                if state is not None and state.type.value in _OUTCOMES:
                    continue  # it finished just before the stop: its own state stands
                # Forced: the interruption itself may have left the engine's Crashed, without why.
                client.set_flow_run_state(held.run.id, Crashed(message=message), force=True)
            except Exception as exc:
                log.warning(
                    "could not mark an interrupted run Crashed", flow_run_id=str(held.run.id), error=str(exc)
                )
            else:
                log.warning("a run was interrupted by the stop; retry it", flow_run_id=str(held.run.id))


@contextmanager
def _heartbeats(on: bool) -> Iterator[None]:
    """Prefect's default flow heartbeats, or none, for this thread's run and its subflows."""
    if on:
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def _live_subflows(client: SyncPrefectClient, parents: list[UUID]) -> list[FlowRun]:
    """The subflows of ``parents`` that are running or waiting (a lifecycle nests one level)."""
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    live = FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PAUSED, StateType.PENDING])
    return client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=live), parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=parents)
        )
    )


def send_heartbeat(run: FlowRun) -> None:
    """Prefect's ``prefect.flow-run.heartbeat`` event for ``run``, as its engine would send it."""
    from prefect.events import emit_event

    related = [{"prefect.resource.id": f"prefect.flow.{run.flow_id}", "prefect.resource.role": "flow"}]
    if run.deployment_id:
        related.append(
            {
                "prefect.resource.id": f"prefect.deployment.{run.deployment_id}",
                "prefect.resource.role": "deployment",
            }
        )
    resource = {"prefect.resource.id": f"prefect.flow-run.{run.id}", "prefect.resource.name": run.name or ""}
    emit_event(event="prefect.flow-run.heartbeat", resource=resource, related=related)


#: A run's own ending, which a stop never overwrites (Crashed may be the interruption's doing).
_OUTCOMES = frozenset({"COMPLETED", "FAILED", "CANCELLED"})

#: Where a run a dead process held was left: it will never move on by itself.
_STRANDED = ("RUNNING", "PENDING", "PAUSED")


def _crash_orphans(client: SyncPrefectClient, deployment_ids: list[UUID]) -> None:
    """Mark Crashed the served deployments' runs (and their subflows) a previous process left behind."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    stranded = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(s) for s in _STRANDED]))
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(state=stranded),
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=deployment_ids)),
    )
    if not runs:
        return
    subflows = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            state=stranded, parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[r.id for r in runs])
        )
    )
    message = "Slate's serving process stopped before this run finished; retry it"
    for run in [*subflows, *runs]:
        client.set_flow_run_state(run.id, Crashed(message=message), force=True)
        log.warning("a run left by a stopped serving process is marked Crashed", flow_run=run.name)


def _claim(client: SyncPrefectClient, run: FlowRun) -> bool:
    """Move ``run`` from Scheduled to Pending; False when another runner took it or its limit is full."""
    from prefect.exceptions import Abort
    from prefect.states import Pending
    from prefect.utilities.engine import propose_state_sync

    try:
        state = propose_state_sync(client, Pending(), flow_run_id=run.id)
    except Abort:
        return False
    return state.is_pending()


def _raise_in_thread(thread_id: int, exc_type: type[BaseException]) -> None:
    """Raise ``exc_type`` in another thread at its next bytecode (CPython's async exception)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc_type))


def _finish_cancelled(run: FlowRun) -> None:
    from prefect.states import Cancelled

    _set_final(run, Cancelled(message="cancelled by an operator"))


def _finish_crashed(run: FlowRun, message: str) -> None:
    from prefect.states import Crashed

    log.error("a served run crashed", flow_run_id=str(run.id), reason=message)
    _set_final(run, Crashed(message=message))


def _set_final(run: FlowRun, state: Any) -> None:
    from prefect import get_client

    for attempt in range(3):
        try:
            with get_client(sync_client=True) as client:
                client.set_flow_run_state(run.id, state, force=True)
            return
        except Exception as exc:
            if attempt == 2:
                log.warning("could not record a run's end", flow_run_id=str(run.id), error=str(exc))
            time.sleep(1)
