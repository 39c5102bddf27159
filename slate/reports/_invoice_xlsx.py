"""The invoice workbook: services grouped by title and service with subtotals, costs, and the margin.

Totals are ``SUBTOTAL(9, …)``, which skips the subtotal rows inside its range, so the total of a
column is the sum of its lines whatever the grouping. Each formula carries its value. Written
row by row in XlsxWriter's constant-memory mode: an invoice of thousands of lines stays small.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from zoneinfo import ZoneInfo

from xlsxwriter.utility import xl_range, xl_rowcol_to_cell

from slate.reports._models import Invoice, InvoiceLine, InvoiceLineKind
from slate.reports._xlsx import Column, Sheet, new_workbook

__all__ = ["INVOICE_COLUMNS", "write_invoice_workbook"]

INVOICE_COLUMNS = [
    Column("Title", width=28),
    Column("Service", width=18),
    Column("Request ID", width=14),
    Column("Line", width=16),
    Column("Description", width=30),
    Column("Quantity", "number", 10),
    Column("Unit", width=16),
    Column("Unit Price", "money", 12),
    Column("Amount", "money", 14),
]
_AMOUNT = 8


def _values(line: InvoiceLine) -> list[object]:
    return [
        line.title, line.service, line.request_id, line.kind.value, line.description, line.quantity,
        line.unit, line.unit_price, line.amount,
    ]  # fmt: skip


def _total_row(sheet: Sheet, label: str, first: int, last: int, value: Decimal) -> int:
    row = sheet.row
    sheet.text(row, 0, label, sheet.formats["total"])
    formula = f"=SUBTOTAL(9,{xl_range(first, _AMOUNT, last, _AMOUNT)})"
    sheet.sheet.write_formula(row, _AMOUNT, formula, sheet.formats["total_money"], float(value))
    sheet.row += 1
    return row


def _section(sheet: Sheet, lines: Iterable[InvoiceLine], label: str) -> tuple[int, Decimal]:
    """Lines grouped by title and service, a subtotal per group; the grand total's row and value."""
    first = sheet.row
    grand = Decimal(0)
    for (title, service), group in groupby(lines, key=lambda line: (line.title, line.service)):
        start = sheet.row
        subtotal = Decimal(0)
        for line in group:
            sheet.append(_values(line))
            subtotal += line.amount
        _total_row(sheet, f"Subtotal {title} / {service}", start, sheet.row - 1, subtotal)
        grand += subtotal
    return _total_row(sheet, label, first, max(sheet.row - 1, first), grand), grand


def write_invoice_workbook(invoice: Invoice, path: Path, zone: ZoneInfo) -> Path:
    """Write ``invoice`` to ``path``: a Services sheet, a Costs sheet and a Summary with the margin."""
    workbook = new_workbook(str(path), constant_memory=True)
    workbook.set_properties({"title": f"{invoice.number} {invoice.partner}"})
    totals: dict[str, tuple[str, Decimal]] = {}
    for name, kinds in (
        ("Services", {InvoiceLineKind.SERVICE}),
        ("Costs", {InvoiceLineKind.INTERNAL_COST, InvoiceLineKind.THIRD_PARTY_FEE}),
    ):
        sheet = Sheet(workbook, name, INVOICE_COLUMNS, zone)
        sheet.header()
        row, value = _section(sheet, (line for line in invoice.lines if line.kind in kinds), f"Total {name}")
        totals[name] = (f"'{name}'!{xl_rowcol_to_cell(row, _AMOUNT, True, True)}", value)
    summary = Sheet(workbook, "Summary", [Column("Item", width=24), Column("Value", width=24)], zone)
    summary.header()
    for label, text in (
        ("Invoice", invoice.number),
        ("Partner", invoice.partner),
        ("Period", f"{invoice.period_from} to {invoice.period_to}"),
        ("Currency", invoice.currency),
    ):
        summary.text(summary.row, 0, label)
        summary.text(summary.row, 1, text)
        summary.row += 1
    money = summary.formats["money"]
    billed_at, costs_at = summary.row, summary.row + 1
    for offset, (label, (ref, value)) in enumerate(
        (("Billed", totals["Services"]), ("Costs", totals["Costs"]))
    ):
        summary.text(billed_at + offset, 0, label)
        summary.sheet.write_formula(billed_at + offset, 1, f"={ref}", money, float(value))
    summary.text(costs_at + 1, 0, "Margin")
    margin = f"={xl_rowcol_to_cell(billed_at, 1)}-{xl_rowcol_to_cell(costs_at, 1)}"
    summary.sheet.write_formula(
        costs_at + 1, 1, margin, summary.formats["total_money"], float(invoice.margin)
    )
    workbook.close()
    return path
