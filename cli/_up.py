"""``slate up`` and ``slate down``: the embedded stack on one machine.

The stack itself lives in :mod:`deployments.stack` (it drives Prefect); it is imported only when a
command runs, so the rest of the CLI never pays for it.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from slate.errors import SlateError
from slate.settings import get_settings

__all__ = ["down", "register", "up"]


def _summary(info: Any, detached: bool) -> str:
    lines = [
        f"Slate stack is up (home {info.home}):",
        f"  Prefect UI         {info.prefect_ui_url}",
        f"  Prefect API        {info.prefect_api_url}",
        f"  webhook receiver   {info.webhook_url}",
        f"  portal emulator    {info.emulator_url}  (API docs at {info.emulator_url}/docs)",
        f"  workspace          {info.workspace_url}  (add people with `slate user add`)",
        f"  deployments        {len(info.deployments)} served: {', '.join(info.deployments)}",
        f"  logs               {info.logs}/",
        f"  described in       {info.home}/stack.json",
    ]
    lines.append("Stop it with `slate down`." if detached else "Ctrl-C stops everything.")
    return "\n".join(lines)


def up(
    port_base: Annotated[
        int | None,
        typer.Option("--port-base", help="Use ports N (Prefect), N+1 (receiver), N+2 (emulator)."),
    ] = None,
    detach: Annotated[
        bool, typer.Option("--detach", help="Return once everything is ready; stop later with `slate down`.")
    ] = False,
    deployments_file: Annotated[
        Path | None,
        typer.Option("--file", help="The deployments file to serve (default: the project's prefect.yaml)."),
    ] = None,
) -> None:
    """Start Prefect (SQLite), every deployment of prefect.yaml, the webhook receiver and the emulator."""
    from deployments.serve import DEFAULT_FILE
    from deployments.stack import Ports, Stack

    settings = get_settings()
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        stack = Stack(settings, Ports.choose(settings, port_base), deployments_file or DEFAULT_FILE)
        try:
            info = stack.start(detached=detach, stop=stop)
        except KeyboardInterrupt:
            typer.echo("interrupted while starting; everything started was stopped", err=True)
            raise typer.Exit(130) from None
        typer.echo(_summary(info, detach))
        if detach:
            return
        failed = stack.watch(stop)
        if failed is not None:
            typer.echo(f"{failed.name} exited on its own; stopping the rest (see {stack.log_dir})", err=True)
        typer.echo("stopping…")
        stack.stop()
        typer.echo("stopped")
        if failed is not None:
            raise typer.Exit(1)
    except SlateError as exc:
        typer.echo(f"slate up: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def down() -> None:
    """Stop the stack `slate up` started for this home (detached or not)."""
    from deployments.stack import stop_detached

    info = stop_detached(get_settings())
    if info is None:
        typer.echo("no stack running (no stack.json)")
        return
    typer.echo(f"stopped the stack of {info.home}")


def register(app: typer.Typer) -> None:
    """Add ``slate up`` and ``slate down`` to ``app``."""
    app.command("up")(up)
    app.command("down")(down)
