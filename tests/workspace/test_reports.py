"""The reports in the workspace: the Excel export of a request's package, and the KPI page, per role.

The workbook downloaded is read back with openpyxl and compared with the one ``slate export
request``'s domain function writes on the same store; the KPI page is compared with
``kpi_overview`` (what ``slate kpi`` prints). Costs and KPIs are for admins and project managers
only: an operator or viewer is refused, and a freelancer sees neither button nor workbook even on
a request shared with them.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from slate.people import ShareSubject, create_share
from slate.reports import CostKind, NewCost, ReportSettings, add_cost, export_request, kpi_overview
from slate.store import Database
from tests.slate.reports import history
from workspace._reports import XLSX, figure

EXPORT = "/requests/SR-101/export.xlsx"


def _rows(workbook: bytes | Path, sheet: str) -> list[tuple[object, ...]]:
    source = io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook
    return [tuple(row) for row in openpyxl.load_workbook(source)[sheet].iter_rows(values_only=True)]


@pytest.fixture
def costed(app_parts: Any) -> Database:
    """The seeded store with a cost line on SR-101, so the workbook has money to show."""
    db: Database = app_parts[0]
    with db.session() as session:
        cost = NewCost(kind=CostKind.THIRD_PARTY, payee="Lena", amount=Decimal("125.50"), currency="EUR")
        add_cost(session, "SR-101", cost, actor="pam")
    return db


@pytest.mark.parametrize("name", ["ada", "pam"])
def test_admins_and_project_managers_export_the_package_the_cli_would(
    make_client: Any, costed: Database, tmp_path: Path, name: str
) -> None:
    client = make_client(name)
    page = client.get("/requests/SR-101").text
    assert 'id="export-excel"' in page and f'action="{EXPORT}"' in page
    got = client.get(EXPORT)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == XLSX
    assert got.headers["content-disposition"] == 'attachment; filename="SR-101.xlsx"'
    assets = _rows(got.content, "Assets")
    header, body = assets[0], assets[1:]
    by_id = {row[header.index("Request ID")]: row for row in body if row[0] == "PKG-S1"}
    assert set(by_id) == {f"SR-{e}0{n}" for e in (1, 2) for n in range(1, 6)}  # the whole package
    assert by_id["SR-101"][header.index("Third-party Fees")] == 125.5
    assert by_id["SR-101"][header.index("Currency")] == "EUR"
    with costed.session() as session:
        export_request(session, "SR-101", tmp_path / "cli.xlsx", ReportSettings())
    for sheet in ("Assets", "History"):
        assert _rows(got.content, sheet) == _rows(tmp_path / "cli.xlsx", sheet)


@pytest.mark.parametrize("name", ["otto", "val"])
def test_staff_who_do_not_bill_get_no_button_and_no_workbook(
    make_client: Any, costed: Database, name: str
) -> None:
    client = make_client(name)
    page = client.get("/requests/SR-101")
    assert page.status_code == 200 and 'id="export-excel"' not in page.text
    refused = client.get(EXPORT)
    assert refused.status_code == 403 and "costs" in refused.text
    assert not refused.content.startswith(b"PK")


def test_a_freelancer_sees_a_shared_request_but_never_its_costs(make_client: Any, costed: Database) -> None:
    fay = make_client("fay")
    assert fay.get(EXPORT).status_code == 404  # nothing shared: the request does not exist for her
    with costed.session() as session:
        create_share(
            session, ShareSubject.REQUEST, "SR-101", grantee="fay", created_by="otto", can_download=True
        )
    page = fay.get("/requests/SR-101")
    assert page.status_code == 200 and 'id="export-excel"' not in page.text
    refused = fay.get(EXPORT)
    assert refused.status_code == 403 and not refused.content.startswith(b"PK")
    assert make_client().get(EXPORT).status_code == 303  # signed out: to the log-in page


@pytest.fixture
def rejected(app_parts: Any) -> Database:
    """A portal rejection (a Blocker) of SR-201's delivery five days ago: the last 30 days miss."""
    db: Database = app_parts[0]
    now = datetime.now(UTC)
    version = history.version(db, "SR-201")
    history.deliver(db, "SR-201", version, now - timedelta(days=5))
    history.reject(db, "SR-201", version, now - timedelta(days=4), "WRONG_LANGUAGE")
    return db


def _cell(page: str, kpi: str, column: int) -> str:
    row = re.search(rf'<tr id="kpi-{kpi}">(.*?)</tr>', page, re.S)
    assert row is not None, page
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return cells[column]


@pytest.mark.parametrize("name", ["ada", "pam"])
def test_the_kpi_page_shows_the_figures_of_slate_kpi(make_client: Any, rejected: Database, name: str) -> None:
    client = make_client(name)
    assert 'href="/kpi"' in client.get("/").text
    page = client.get("/kpi")
    assert page.status_code == 200, page.text
    settings = ReportSettings()
    today = datetime.now(settings.zone).date()
    with rejected.session() as session:
        expected = kpi_overview(session, date(today.year - 1, today.month, 1), today, settings.zone, today)
    assert [r.label for r in expected][-1] == "last 30 days"
    for column, report in enumerate(expected, start=2):
        for kpi in report.kpis:
            shown = f"{figure(kpi.value, kpi.unit)} ({kpi.numerator:g}/{kpi.denominator:g})"
            assert _cell(page.text, kpi.name, column).startswith(shown), (report.label, kpi.name)
    last = _cell(page.text, "redelivery_rate", len(expected) + 1)
    assert last.startswith("100.0% (1/1)") and "missed" in last
    assert "SR-201" in page.text.split('id="costliest"')[1]  # the costliest request
    assert "WRONG_LANGUAGE" in page.text.split('id="causes"')[1].split("</table>")[0]
    chart = client.get(re.search(r'src="(/kpi/chart\.png[^"]*)"', page.text).group(1).replace("&amp;", "&"))  # type: ignore[union-attr]
    assert chart.status_code == 200 and chart.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["otto", "val", "fay", "vic"])
def test_the_kpi_page_is_refused_to_everyone_else(make_client: Any, app_parts: Any, name: str) -> None:
    client = make_client(name)
    assert 'href="/kpi"' not in client.get("/").text
    assert client.get("/kpi").status_code == 403
    assert client.get("/kpi/chart.png").status_code == 403


def test_a_malformed_period_is_refused_with_the_rule(make_client: Any, app_parts: Any) -> None:
    client = make_client("pam")
    assert client.get("/kpi?from=yesterday").status_code == 400
    backwards = client.get("/kpi?from=2026-06-30&to=2026-01-01")
    assert backwards.status_code == 400 and "before it starts" in backwards.text
    decade = client.get("/kpi?from=2016-01-01&to=2026-01-01")
    assert decade.status_code == 400 and "at most" in decade.text
