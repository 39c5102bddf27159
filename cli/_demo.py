"""``slate demo``: the season demo on the embedded stack, or one assignment with no stack at all.

The stack parts live in :mod:`deployments` (they drive Prefect); they are imported only when the
command runs, so the rest of the CLI never pays for them.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from cli._render import request_view
from slate.settings import get_settings


def _local(console: Console) -> None:
    from slate.demo import run_demo
    from slate.store import audit_trail, get_request, list_versions, open_database

    result = run_demo()
    database = open_database(result.database_url)
    try:
        with database.session() as session:
            request = get_request(session, result.request_id)
            versions = list_versions(session, result.request_id)
            events = audit_trail(session, result.request_id)
    finally:
        database.dispose()
    console.print(request_view(request, versions, events))
    console.print(f"database: {result.database_url}\nblob: {result.blob_key}")


def demo(
    local: Annotated[
        bool, typer.Option("--local", help="One assignment through the lifecycle, no Prefect, no portal.")
    ] = False,
    port_base: Annotated[
        int | None, typer.Option("--port-base", help="Start the stack on ports N, N+1, N+2 if it is not up.")
    ] = None,
) -> None:
    """Take a short season from the portal's assignments to its acceptance on the embedded stack.

    Starts the stack (`slate up --detach`) unless it is already running, and leaves it running so
    the runs can be browsed in the Prefect UI; `slate down` stops it.
    """
    console = Console(width=160)
    if local:
        _local(console)
        return
    from deployments.demo import run_demo as run_season
    from deployments.serve import DEFAULT_FILE
    from deployments.stack import Ports, Stack, running_stack

    settings = get_settings()
    info = running_stack(settings)
    if info is None:
        ports = Ports.choose(settings, port_base)
        if port_base is None and not ports.all_free():
            taken = ports
            ports = Ports.first_free()
            console.print(
                f"ports {taken.prefect}, {taken.receiver}, {taken.emulator} are in use (another stack?); "
                f"using {ports.prefect}, {ports.receiver}, {ports.emulator} (choose with --port-base)"
            )
        console.print("starting the embedded stack (Prefect server, served deployments, receiver, emulator)…")
        info = Stack(settings, ports, DEFAULT_FILE).start(detached=True)
    console.print(f"stack up: Prefect UI {info.prefect_ui_url}, portal emulator {info.emulator_url}")
    if not run_season(info, settings, console):
        console.print("[red]not every assignment ended DELIVERED; see the table and the Prefect UI[/]")
        raise typer.Exit(1)
    console.print("Every assignment is DELIVERED. The stack keeps running; `slate down` stops it.")
