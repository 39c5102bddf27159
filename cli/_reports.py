"""``slate export``, ``slate invoice``, ``slate kpi``: the reports people bill and are judged from."""

from __future__ import annotations

from datetime import datetime
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


def invoice(
    partner: Annotated[str, typer.Option("--partner", help="The content partner billed.")],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day, YYYY-MM-DD.")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    currency: Annotated[str, typer.Option("--currency", help="SLATE_REPORTS_CURRENCY by default.")] = "",
) -> None:
    """Bill the partner's delivered and accepted work of the period; its requests are never billed again."""
    from slate.reports import ReportSettings, make_invoice, write_invoice_workbook
    from slate.settings import get_settings
    from slate.store import open_database

    with refusals():
        settings = ReportSettings()
        database = open_database()
        try:
            with database.session() as session:
                made = make_invoice(
                    session,
                    partner,
                    start.date(),
                    end.date(),
                    currency=(currency or settings.currency).upper(),
                    zone=settings.zone,
                    actor=get_settings().actor,
                )
                write_invoice_workbook(made, out, settings.zone)  # inside: no file, no invoice
        finally:
            database.dispose()
    requests = len({line.request_id for line in made.lines})
    Console().print(
        f"{made.number}: {requests} requests, billed {made.billed} {made.currency}, "
        f"costs {made.costs}, margin {made.margin} → {out}"
    )
