"""``slate db``: the domain database's schema."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="The domain database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Create the database if needed and apply every migration (safe to run again)."""
    from slate.store import open_database

    database = open_database(upgrade=True)
    try:
        Console().print(f"database at [bold]{database.engine.url.render_as_string()}[/] is up to date")
    finally:
        database.dispose()
