"""The reports in the workspace: a request's package exported to Excel, and the KPI page.

Both call the same domain functions as ``slate export request`` and ``slate kpi``, so the
workbook downloaded here is the one the command line writes and the page shows the command's
figures. Who may see them is data in :data:`slate.people.REPORT_ROLES` (costs and KPIs by role,
never through a share): a freelancer or vendor who may see a request still gets no costs.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from slate.errors import InvalidInput
from slate.people import Report, SignedIn, may_see, require_report
from slate.reports import (
    KpiReport,
    ReportSettings,
    export_request,
    kpi_chart,
    kpi_overview,
    rejection_metrics,
)
from workspace._web import TEMPLATES, access, parts, render, signed_in

__all__ = ["router"]

router = APIRouter()

#: The longest period the page computes at once (``slate kpi`` has no limit).
_LONGEST_DAYS = 3 * 366

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Lets a page ask whether the signed-in person may see a report (the request page's export button).
TEMPLATES.env.globals["may_see_report"] = lambda who, name: (
    who is not None and may_see(who.user, Report(name))
)


@router.get("/requests/{request_id}/export.xlsx")
def export_workbook(
    request: Request, request_id: str, who: Annotated[SignedIn, Depends(signed_in)]
) -> Response:
    """The package workbook of ``request_id``, as ``slate export request`` writes it."""
    p = parts(request)
    access(p, who, request_id)  # a request they may not see is not found, before anything else
    require_report(who.user, Report.COSTS)
    with tempfile.TemporaryDirectory(prefix="slate-ws-export-") as scratch:
        path = Path(scratch) / "export.xlsx"
        with p.database.session() as session:
            export_request(session, request_id, path, ReportSettings())
        body = path.read_bytes()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in request_id)
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{safe}.xlsx"'}
    )


def _period(start: str, end: str, settings: ReportSettings) -> tuple[date, date, date]:
    """The period the page shows: as ``slate kpi``, the year up to today unless the URL says otherwise."""
    today = datetime.now(settings.zone).date()
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else date(last.year - 1, last.month, 1)
    except ValueError:
        raise InvalidInput("dates are YYYY-MM-DD", rule="a date as YYYY-MM-DD") from None
    if last < first:
        raise InvalidInput(f"the period ends ({last}) before it starts ({first})", rule="from ≤ to")
    if (last - first).days > _LONGEST_DAYS:  # each quarter is a query over its deliveries
        raise InvalidInput(f"a period of at most {_LONGEST_DAYS} days", rule="at most three years")
    return first, last, today


def _reports(request: Request, start: str, end: str) -> tuple[list[KpiReport], date, date, ReportSettings]:
    settings = ReportSettings()
    first, last, today = _period(start, end, settings)
    with parts(request).database.session() as session:
        reports = kpi_overview(session, first, last, settings.zone, today)
    return reports, first, last, settings


def figure(value: float | None, unit: str) -> str:
    """A KPI's value as ``slate kpi`` prints it."""
    if value is None:
        return "—"
    return {"ratio": f"{value:.1%}", "hours": f"{value:.1f} h"}.get(unit, f"{value:g}")


Day = Annotated[str, Query(alias="from", max_length=10)]
To = Annotated[str, Query(alias="to", max_length=10)]


@router.get("/kpi")
def kpi_page(
    request: Request, who: Annotated[SignedIn, Depends(signed_in)], start: Day = "", end: To = ""
) -> Response:
    """The KPIs per quarter and over the last 30 days, the rejection causes and the costliest requests."""
    require_report(who.user, Report.KPI)
    reports, first, last, settings = _reports(request, start, end)
    with parts(request).database.session() as session:
        metrics = rejection_metrics(session, first, last, settings.zone)
    query = f"?from={first}&to={last}"
    return render(
        request, "kpi.html", who=who, reports=reports, causes=metrics.by["cause"][:15], first=first,
        last=last, figure=figure, chart=f"/kpi/chart.png{query}",
    )  # fmt: skip


@router.get("/kpi/chart.png")
def kpi_chart_png(
    request: Request, who: Annotated[SignedIn, Depends(signed_in)], start: Day = "", end: To = ""
) -> Response:
    """The chart of the kpi-report artifact, drawn from the same figures as the page."""
    require_report(who.user, Report.KPI)
    reports, *_ = _reports(request, start, end)
    with tempfile.TemporaryDirectory(prefix="slate-ws-kpi-") as scratch:
        body = kpi_chart(reports, Path(scratch) / "kpis.png").read_bytes()
    return Response(body, media_type="image/png")
