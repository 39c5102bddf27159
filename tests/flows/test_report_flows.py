"""The report flows on a real Prefect server: the workbook lands in the blob store, an artifact names it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from flows.export import export
from slate.models import SourceType
from slate.objects import open_blob_store
from slate.store import Database
from tests.fixtures.prefect_server import PrefectServer
from tests.slate.reports import history


@pytest.fixture
def home_db(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, prefect_server: PrefectServer
) -> Iterator[Database]:
    """Slate's home for this test (its database and blob store), with the session's Prefect server."""
    with history.report_home(monkeypatch, tmp_path / "home", "America/Los_Angeles") as database:
        yield database


def _artifact_markdown(key: str) -> str:
    """The newest artifact of ``key`` (other tests of the session publish the same keys)."""
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    return str(artifact.data)


def test_the_export_flow_stores_the_workbook_and_links_it(home_db: Database, tmp_path: Path) -> None:
    history.request(home_db, "SR-EXP-AV", source_type=SourceType.AV_MUXED, package_id="PKG-EXP")
    history.request(home_db, "SR-EXP-FR", language="fr", package_id="PKG-EXP")
    key = export("SR-EXP-AV")
    assert key.startswith("reports/exports/PKG-EXP/SR-EXP-AV-") and key.endswith(".xlsx")
    local = tmp_path / "back.xlsx"
    open_blob_store().get_to_path(key, local)
    sheet = openpyxl.load_workbook(local)["Assets"]
    assert [sheet.cell(r, 2).value for r in (2, 3)] == ["SR-EXP-AV", "SR-EXP-FR"]
    markdown = _artifact_markdown("export-sr-exp-av")
    assert f"`{key}`" in markdown and "2 requests of package PKG-EXP" in markdown


def test_the_kpi_report_charts_the_kpis_and_names_the_missed_ones(home_db: Database) -> None:
    from datetime import UTC, datetime, timedelta

    from flows.kpi_report import kpi_report

    now = datetime.now(UTC)
    history.request(home_db, "SR-KPI", due_date=(now - timedelta(days=10)).date())
    version = history.version(home_db, "SR-KPI")
    history.deliver(home_db, "SR-KPI", version, now - timedelta(days=5))  # late: on time 0 %
    history.reject(home_db, "SR-KPI", version, now - timedelta(days=4), "WRONG_LANGUAGE")
    result = kpi_report(quarters_back=1)
    assert "last 30 days: redelivery_rate" in result["crossed"]  # type: ignore[operator]
    assert "last 30 days: on_time" in result["crossed"]  # type: ignore[operator]
    chart = open_blob_store()
    png = Path(home_db.url.removeprefix("sqlite:///")).parent / "chart.png"
    chart.get_to_path(str(result["chart"]), png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = _artifact_markdown("kpi-report")
    assert "| redelivery_rate | ≤ 3.0% |" in markdown and "**missed**" in markdown
    assert "| SR-KPI | The Long Night | 1 | 1 |" in markdown  # the costliest item
