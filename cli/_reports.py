"""``slate export``, ``slate invoice``, ``slate kpi``: the reports people bill and are judged from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli._costs import refusals

export_app = typer.Typer(help="Excel exports.", no_args_is_help=True)


@export_app.command("request")
def export_request(
    request_id: Annotated[str, typer.Argument(help="Any request of the package, usually its AV request.")],
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
) -> None:
    """Every request related to REQUEST_ID (same package or title) with costs, and their history."""
    from slate.reports import ReportSettings
    from slate.reports import export_request as export
    from slate.store import open_database

    with refusals():
        settings = ReportSettings()
        database = open_database()
        try:
            with database.session() as session:
                report = export(session, request_id, out, settings)
        finally:
            database.dispose()
    Console().print(
        f"{out}: {len(report.assets)} requests of {report.package}, {len(report.history)} history lines"
    )
