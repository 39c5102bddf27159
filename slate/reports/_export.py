"""The request export: one workbook per AV request's package, for the invoice and the record.

Sheet *Assets*: one row per related request with its statuses, runtime, deliveries, costs and
fees, then totals as formulas (``SUBTOTAL``, so a filter narrows them too). Money in more than
one currency is totalled per currency (``SUMIFS``), never added across currencies. Sheet
*History*: every delivery and rejection, with reason codes, severities and who made the version.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from xlsxwriter.utility import xl_range, xl_rowcol_to_cell

from slate.reports._package import AssetLine, HistoryLine, PackageReport, package_report
from slate.reports._settings import ReportSettings
from slate.reports._xlsx import Column, Sheet, new_workbook

__all__ = ["ASSET_COLUMNS", "HISTORY_COLUMNS", "export_request", "write_package_workbook"]

ASSET_COLUMNS = [
    Column("Package ID", width=12),
    Column("Request ID", width=14),
    Column("Source Type", width=18),
    Column("Language", width=9),
    Column("Original Title", width=24),
    Column("Series", width=18),
    Column("Season", "int", 7),
    Column("Episode", "int", 8),
    Column("Episode Title", width=18),
    Column("Content Partner", width=20),
    Column("Due Date", "date", 11),
    Column("Portal Status", width=18),
    Column("Material Status", width=18),
    Column("Service Type (ours)", width=18),
    Column("Runtime (min)", "number", 12),
    Column("Deliveries", "int", 10),
    Column("Redeliveries", "int", 12),
    Column("Rejections", "int", 10),
    Column("First Delivered", "datetime", 22),
    Column("Notes", width=30),
    Column("Internal Cost", "money", 13),
    Column("Third-party Fees", "money", 15),
    Column("Total Cost", "money", 13),
    Column("Currency", width=9),
]
_COUNTS = ("Deliveries", "Redeliveries", "Rejections")
_MONEY = ("Internal Cost", "Third-party Fees", "Total Cost")
_COL = {c.header: i for i, c in enumerate(ASSET_COLUMNS)}

HISTORY_COLUMNS = [
    Column("Request ID", width=14),
    Column("Source Type", width=18),
    Column("Language", width=9),
    Column("Event", width=10),
    Column("At", "datetime", 22),
    Column("Outcome / Origin", width=16),
    Column("Attempt", "int", 8),
    Column("Reason Code", width=22),
    Column("Severity", width=9),
    Column("Description", width=40),
    Column("Version", "int", 8),
    Column("Version Made By", width=18),
    Column("Raised By", width=16),
    Column("Portal Reference", width=20),
]


def _asset_values(a: AssetLine) -> list[object]:
    minutes = None if a.runtime_seconds is None else (a.runtime_seconds / 60).quantize(Decimal("0.1"))
    return [
        a.package_id, a.request_id, a.source_type, a.language, a.title, a.show_name, a.season, a.episode,
        a.episode_title, a.content_partner, a.due_date, a.portal_status, a.material_status, a.service,
        minutes, a.deliveries, a.redeliveries, a.rejections, a.first_delivered, a.notes, a.internal_cost,
        a.third_party_fees, None, a.currency,
    ]  # fmt: skip


def _history_values(h: HistoryLine) -> list[object]:
    return [
        h.request_id, h.source_type, h.language, h.event, h.at, h.detail, h.attempt, h.reason_code,
        h.severity.value if h.severity else "", h.description, h.version, h.made_by, h.raised_by,
        h.portal_ref,
    ]  # fmt: skip


def _money_value(a: AssetLine, header: str) -> Decimal:
    if header == "Internal Cost":
        return a.internal_cost
    if header == "Third-party Fees":
        return a.third_party_fees
    return a.internal_cost + a.third_party_fees


def _assets(sheet: Sheet, assets: list[AssetLine]) -> None:
    sheet.header()
    internal, fees, total = _COL["Internal Cost"], _COL["Third-party Fees"], _COL["Total Cost"]
    for a in assets:
        row = sheet.append(_asset_values(a))
        formula = f"={xl_rowcol_to_cell(row, internal)}+{xl_rowcol_to_cell(row, fees)}"
        value = float(a.internal_cost + a.third_party_fees)
        sheet.sheet.write_formula(row, total, formula, sheet.formats["money"], value)
    last = sheet.row - 1
    sheet.finish(last)
    _totals(sheet, assets, first=1, last=last)


def _totals(sheet: Sheet, assets: list[AssetLine], *, first: int, last: int) -> None:
    """The totals row (counts, and money when there is one currency), then one row per currency."""
    row = sheet.row
    sheet.sheet.write_string(row, 0, "Total", sheet.formats["total"])
    currencies = sorted({a.currency for a in assets})
    for header in _COUNTS:
        col = _COL[header]
        value = sum(getattr(a, header.lower()) for a in assets)
        formula = f"=SUBTOTAL(9,{xl_range(first, col, last, col)})"
        sheet.sheet.write_formula(row, col, formula, sheet.formats["total_int"], value)
    if len(currencies) == 1:
        for header in _MONEY:
            col = _COL[header]
            value = float(sum((_money_value(a, header) for a in assets), Decimal(0)))
            formula = f"=SUBTOTAL(9,{xl_range(first, col, last, col)})"
            sheet.sheet.write_formula(row, col, formula, sheet.formats["total_money"], value)
        sheet.sheet.write_string(row, _COL["Currency"], currencies[0], sheet.formats["total"])
        return
    currency_range = xl_range(first, _COL["Currency"], last, _COL["Currency"])
    for offset, currency in enumerate(currencies, start=1):
        at = row + offset
        sheet.sheet.write_string(at, 0, f"Total {currency}", sheet.formats["total"])
        for header in _MONEY:
            col = _COL[header]
            value = float(
                sum((_money_value(a, header) for a in assets if a.currency == currency), Decimal(0))
            )
            cell = xl_rowcol_to_cell(at, _COL["Currency"])
            formula = f"=SUMIFS({xl_range(first, col, last, col)},{currency_range},{cell})"
            sheet.sheet.write_formula(at, col, formula, sheet.formats["total_money"], value)
        sheet.sheet.write_string(at, _COL["Currency"], currency, sheet.formats["total"])


def write_package_workbook(report: PackageReport, path: Path, zone: ZoneInfo) -> Path:
    """Write the export of ``report`` to ``path`` (an ``.xlsx``); date-times in ``zone``."""
    workbook = new_workbook(str(path), constant_memory=True)
    workbook.set_properties({"title": f"Slate export of {report.anchor} ({report.package})"})
    _assets(Sheet(workbook, "Assets", ASSET_COLUMNS, zone), report.assets)
    history = Sheet(workbook, "History", HISTORY_COLUMNS, zone)
    history.header()
    for line in report.history:
        history.append(_history_values(line))
    history.finish(history.row - 1)
    workbook.close()
    return path


def export_request(session: Session, request_id: str, path: Path, settings: ReportSettings) -> PackageReport:
    """Gather the package of ``request_id`` and write its workbook to ``path``; returns what was written."""
    report = package_report(session, request_id, currency=settings.currency)
    write_package_workbook(report, path, settings.zone)
    return report
