"""``slate status REQUEST_ID``: both status panels and the audit trail."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from cli._render import request_view
from slate.errors import NotFound


def status(
    request_id: str = typer.Argument(..., help="The portal's request id, e.g. SR-1234."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Show a request: the portal's status beside Slate's, its versions and its audit trail."""
    from slate.store import audit_trail, get_request, list_versions, open_database

    database = open_database()
    try:
        with database.session() as session:
            request = get_request(session, request_id)
            versions = list_versions(session, request_id)
            events = audit_trail(session, request_id)
    except NotFound as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        database.dispose()
    if as_json:
        payload = {
            "request": request.model_dump(mode="json"),
            "versions": [v.model_dump(mode="json") for v in versions],
            "audit": [e.model_dump(mode="json") for e in events],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    Console(width=140).print(request_view(request, versions, events))
