"""Tasks of the report flows: write a workbook, keep it in the blob store, and point to it from Prefect."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.events import emit_event
from pydantic import BaseModel

from slate.errors import ConfigurationError
from slate.objects import BlobStore
from slate.reports import ReportSettings, crossed, export_request, kpi_chart, kpi_markdown, kpi_overview
from tasks._runtime import blobs, database, log

__all__ = ["StoredReport", "export_workbook", "kpi_report_task", "link_artifact", "store_file"]

#: How long a link in an artifact lets someone download the file (S3 only).
LINK_LIFETIME = timedelta(days=7)


class StoredReport(BaseModel):
    """A report file in the blob store, and what it holds."""

    key: str
    size: int
    summary: str
    url: str | None = None


def store_file(store: BlobStore, key: str, path: Path) -> tuple[int, str | None]:
    """Put ``path`` under ``key``; its size and a download link when the store can grant one."""
    stored = store.put_path(key, path)
    try:
        url = store.presigned_url(key, LINK_LIFETIME)
    except ConfigurationError:
        url = None  # the local store: the key is the address
    return stored.size, url


def link_artifact(report: StoredReport, *, key: str, title: str) -> None:
    """A markdown artifact naming the stored file, with its link when there is one."""
    where = f"[download]({report.url}) (link valid {LINK_LIFETIME.days} days)" if report.url else ""
    body = f"# {title}\n\n{report.summary}\n\nStored as blob `{report.key}` ({report.size:,} bytes). {where}"
    create_markdown_artifact(body, key=key[:64], description=title)


@task(name="export request workbook")
def export_workbook(request_id: str) -> StoredReport:
    """The package workbook of ``request_id``, written, stored and linked from an artifact."""
    settings = ReportSettings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with tempfile.TemporaryDirectory(prefix="slate-export-") as scratch:
        path = Path(scratch) / f"{request_id}.xlsx"
        with database() as db, db.session() as session:
            report = export_request(session, request_id, path, settings)
        safe_package = "".join(c if c.isalnum() or c in "-_." else "_" for c in report.package)
        key = f"reports/exports/{safe_package}/{request_id}-{stamp}.xlsx"
        size, url = store_file(blobs(), key, path)
    summary = (
        f"{len(report.assets)} requests of package {report.package}; {len(report.history)} history lines."
    )
    stored = StoredReport(key=key, size=size, summary=summary, url=url)
    link_artifact(stored, key=f"export-{request_id.lower()}", title=f"Export of {request_id}")
    log.info("export stored", request_id=request_id, key=key, size=size)
    return stored


@task(name="kpi report")
def kpi_report_task(quarters_back: int = 4) -> dict[str, object]:
    """KPIs of the last quarters and 30 days: a chart in the blob store, a markdown artifact, and an
    event for every KPI over its threshold (``slate.kpi.threshold-crossed``) for automations to notify."""
    settings = ReportSettings()
    today = datetime.now(settings.zone).date()
    index = today.year * 4 + (today.month - 1) // 3 - (quarters_back - 1)  # quarters since year 0
    first = date(index // 4, index % 4 * 3 + 1, 1)
    with database() as db, db.session() as session:
        reports = kpi_overview(session, first, today, settings.zone, today)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with tempfile.TemporaryDirectory(prefix="slate-kpi-") as scratch:
        path = kpi_chart(reports, Path(scratch) / "kpis.png")
        key = f"reports/kpi/{stamp}/kpis.png"
        size, url = store_file(blobs(), key, path)
    body = kpi_markdown(reports, chart=url)
    note = "" if url else f"\n\nChart stored as blob `{key}` ({size:,} bytes)."
    create_markdown_artifact(
        body + note, key="kpi-report", description="KPIs against the programme's thresholds"
    )
    alerts = crossed(reports)
    for label, kpi in alerts:
        emit_event(
            event="slate.kpi.threshold-crossed",
            resource={"prefect.resource.id": f"slate.kpi.{kpi.name}", "prefect.resource.name": kpi.name},
            payload={"period": label, **kpi.model_dump(mode="json")},
        )
    log.info("kpi report", chart=key, crossed=len(alerts))
    return {"chart": key, "crossed": [f"{label}: {kpi.name}" for label, kpi in alerts]}
