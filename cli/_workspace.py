"""``slate workspace``: the web workspace on this machine's database and blob store."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console


def _loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


def workspace(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default SLATE_WORKSPACE_PORT, 8783).")
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Listen beyond loopback (put TLS in front of it).")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, help="Processes serving the one address (no state is kept in a process)."
        ),
    ] = 1,
) -> None:
    """Serve the workspace: the asset table, request pages, shares. Loopback only unless told."""
    import uvicorn

    from slate.objects import open_blob_store
    from slate.store import open_database
    from workspace import WorkspaceSettings, create_app

    settings = WorkspaceSettings()
    host = host or settings.host
    port = port or settings.port
    if not _loopback(host) and not allow_remote:
        Console(stderr=True).print(
            f"[red]error:[/] refusing to listen on {host}: pass --allow-remote to serve beyond this machine"
        )
        raise typer.Exit(2)
    if workers > 1:
        # each worker process builds its own app from the environment, which it inherits from here
        os.environ["SLATE_WORKSPACE_HOST"], os.environ["SLATE_WORKSPACE_PORT"] = host, str(port)
        Console().print(f"workspace at [bold]http://{host}:{port}/[/] ({workers} processes)")
        uvicorn.run(
            "workspace.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
        return
    app = create_app(
        open_database(), open_blob_store(), settings.model_copy(update={"host": host, "port": port})
    )
    Console().print(f"workspace at [bold]http://{host}:{port}/[/]")
    uvicorn.run(app, host=host, port=port, log_level="warning")
