"""``slate reconcile-failures``: the portal records reconcile could not apply, and why."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli._render import shown

__all__ = ["reconcile_failures"]


def reconcile_failures(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the records reconcile failed to apply; every run tries them again until they go through."""
    from slate.store import open_database
    from slate.store.reconcile_failures import list_failures

    database = open_database()
    try:
        with database.session() as session:
            failures = list_failures(session)
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps([f.model_dump(mode="json", exclude={"payload"}) for f in failures], indent=2))
        return
    table = Table(title=f"reconcile failures ({len(failures)})", title_justify="left")
    for column in ("kind", "id", "tries", "last tried (UTC)", "reason"):
        table.add_column(column, overflow="fold")
    for f in failures:
        when = f.last_failed_at.strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(f.kind, shown(f.item_id), str(f.attempts), when, shown(f.reason))
    Console(width=160).print(table)
