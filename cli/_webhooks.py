"""``slate webhooks`` (the outbox and what became of each event) and ``slate webhook-receiver``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli._render import shown
from slate.errors import ConfigurationError
from slate.models import DispatchState
from slate.settings import get_settings

if TYPE_CHECKING:  # the store is imported when a command runs, not when the CLI starts
    from slate.store.webhook_events import OutboxEntry

__all__ = ["webhook_receiver", "webhooks"]


def why_ignored(event_type: str) -> str:
    """Why an event of ``event_type`` starts no run, in words."""
    from slate.backlot.webhooks import EventType

    try:
        known = EventType(event_type)
    except ValueError:
        return f"ignored: {event_type!r} is a type Slate does not know (kept for the record)"
    return f"ignored: Slate starts no run for {known.value} (nothing to do for it)"


def run_states(run_ids: list[str]) -> dict[str, str]:
    """Each flow run's state and its message, from Prefect; empty when Prefect cannot be reached."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    if not run_ids:
        return {}
    try:
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(r) for r in run_ids])),
                limit=len(run_ids),
            )
    except Exception:
        return {}
    states = {}
    for run in runs:
        if run.state is None:
            continue
        message = f": {run.state.message}" if run.state.is_failed() and run.state.message else ""
        states[str(run.id)] = f"{run.state.name}{message}"
    return states


def outcome_of(entry: OutboxEntry, states: dict[str, str]) -> str:
    """What became of an event: its run and the run's state, why it was ignored, or its error."""
    if entry.state is DispatchState.IGNORED:
        return why_ignored(entry.event_type)
    if entry.flow_run_id:
        state = states.get(entry.flow_run_id, "state unknown (Prefect not reachable)")
        return f"run {entry.flow_run_id} of {entry.deployment}: {state}"
    return entry.last_error or "-"


def _table(entries: list[OutboxEntry], counts: dict[DispatchState, int]) -> Table:
    summary = ", ".join(f"{state.value} {count}" for state, count in counts.items())
    table = Table(title=f"webhook events ({summary})", title_justify="left")
    for column in ("received", "event id", "type", "request", "state", "tries", "what became of it"):
        table.add_column(column, overflow="fold")
    states = run_states([e.flow_run_id for e in entries if e.flow_run_id])
    for e in entries:
        table.add_row(
            e.received_at.strftime("%Y-%m-%d %H:%M:%S"),
            shown(e.event_id),
            shown(e.event_type),
            shown(e.request_id or "-"),
            e.state.value,
            str(e.attempts),
            shown(outcome_of(e, states)),
        )
    return table


def _requeue(event_ids: list[str]) -> None:
    """Put failed events back to pending (all, or those named); say which, and which could not be."""
    from slate.store import open_database
    from slate.store.webhook_events import get_event, requeue

    database = open_database()
    try:
        with database.session() as session:
            done = requeue(session, event_ids or None)
            left = {e: get_event(session, e) for e in event_ids if e not in done}
    finally:
        database.dispose()
    for event_id in done:
        typer.echo(f"requeued {event_id}")
    typer.echo(
        f"{len(done)} failed event(s) put back to pending; the dispatcher starts them on its next pass"
    )
    for event_id, entry in left.items():
        why = "no such event" if entry is None else f"it is {entry.state.value}, not failed"
        typer.echo(f"error: not requeued {event_id}: {why}", err=True)
    if left:
        raise typer.Exit(1)


def webhooks(
    event_ids: Annotated[
        list[str] | None, typer.Argument(metavar="EVENT_ID", help="With --requeue: only these events.")
    ] = None,
    state: Annotated[DispatchState | None, typer.Option("--state", help="Only events in this state.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many events, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    requeue: Annotated[
        bool, typer.Option("--requeue", help="Put failed events (all, or the EVENT_IDs) back to pending.")
    ] = False,
) -> None:
    """List received portal webhooks and their dispatch state (pending, dispatched, ignored, failed).

    With --requeue, failed events (all, or the EVENT_IDs given) get a fresh set of attempts instead,
    e.g. once a missing deployment has been registered.
    """
    if requeue:
        _requeue(event_ids or [])
        return
    if event_ids:
        typer.echo("error: event ids are taken only with --requeue", err=True)
        raise typer.Exit(2)
    from slate.store import open_database
    from slate.store.webhook_events import count_by_state, list_events

    database = open_database()
    try:
        with database.session() as session:
            entries = list_events(session, state=state, limit=limit)
            counts = count_by_state(session)
    finally:
        database.dispose()
    if as_json:
        states = run_states([e.flow_run_id for e in entries if e.flow_run_id])
        payload = {
            "counts": {s.value: n for s, n in counts.items()},
            "events": [
                {**e.model_dump(mode="json", exclude={"body"}), "outcome": outcome_of(e, states)}
                for e in entries
            ],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    Console(width=160).print(_table(entries, counts))


def webhook_receiver(
    port: int | None = typer.Option(None, "--port", help="Port (default: SLATE_WEBHOOK_RECEIVER_PORT)."),
    host: str | None = typer.Option(None, "--host", help="Interface (default: SLATE_WEBHOOK_RECEIVER_HOST)."),
) -> None:
    """Run the signed webhook receiver; it stores events and starts their Prefect flow runs."""
    import uvicorn

    from deployments.webhook_receiver import create_app

    settings = get_settings()
    bind = host or settings.webhook_receiver_host
    try:
        settings.check_webhook_receiver_host(bind)
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    uvicorn.run(
        create_app,
        factory=True,
        host=bind,
        port=port or settings.webhook_receiver_port,
        access_log=False,
        log_level="warning",
    )
