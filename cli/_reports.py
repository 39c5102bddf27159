"""``slate export``, ``slate invoice``, ``slate kpi``: the reports people bill and are judged from."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli._costs import in_session as _in_session
from cli._costs import refusals

if TYPE_CHECKING:
    from slate.reports import KpiReport

_DAY = "%Y-%m-%d"
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


def _kpi_table(reports: list[KpiReport]) -> Table:
    table = Table("KPI", "threshold", *(r.label for r in reports))
    for index, first in enumerate(reports[0].kpis):
        cells = []
        for report in reports:
            kpi = report.kpis[index]
            shown = "—" if kpi.value is None else _figure(kpi.value, kpi.unit)
            colour = {True: "green", False: "red", None: "dim"}[kpi.met]
            cells.append(f"[{colour}]{shown}[/] ({kpi.numerator:g}/{kpi.denominator:g})")
        sign = "≤" if first.better == "lower" else "≥"
        table.add_row(first.name, f"{sign} {_figure(first.threshold, first.unit)}", *cells)
    return table


def _figure(value: float, unit: str) -> str:
    return {"ratio": f"{value:.1%}", "hours": f"{value:.1f} h"}.get(unit, f"{value:g}")


def kpi(
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="YYYY-MM-DD.")
    ] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The programme's KPIs per quarter (the last four by default) and over the last 30 days."""
    from slate.reports import ReportSettings, kpi_overview, rejection_metrics

    settings = ReportSettings()
    today = datetime.now(settings.zone).date()
    last = end.date() if end else today
    first = start.date() if start else date(last.year - 1, last.month, 1)
    with refusals():
        reports, metrics = _in_session(
            lambda s, _actor: (
                kpi_overview(s, first, last, settings.zone, today),
                rejection_metrics(s, first, last, settings.zone),
            )
        )
    if as_json:
        payload = {
            "kpis": [r.model_dump(mode="json") for r in reports],
            "rejections": {
                d: [c.model_dump(mode="json") for c in counts] for d, counts in metrics.by.items()
            },
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    Console(width=180).print(_kpi_table(reports))
    causes = Table(
        "cause", "rejections", "portal", "internal", "blockers", title=f"Rejections {first}–{last}"
    )
    for c in metrics.by["cause"][:15]:
        causes.add_row(c.key, str(c.rejections), str(c.portal), str(c.internal), str(c.blockers))
    Console().print(causes)
    worst = Table("request", "title", "language", "portal rejections", "blockers", "cost", title="Costliest")
    for item in reports[-1].costliest:
        cost = f"{item.cost} {item.currency}".strip()
        worst.add_row(
            item.request_id, item.title, item.language, str(item.rejections), str(item.blockers), cost
        )
    Console().print(worst)
