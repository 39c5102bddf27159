"""The request export read back cell by cell with another library (openpyxl)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from slate.errors import NotFound
from slate.models import ServiceType, SourceType
from slate.reports import ASSET_COLUMNS, CostKind, NewCost, ReportSettings, add_cost, export_request
from slate.store import Database
from tests.slate.reports import history

MADRID = ReportSettings(timezone="Europe/Madrid", currency="EUR")


def _package(db: Database) -> None:
    """A demo-like package: the AV request, a subtitle, a forced narrative and a dub, and another title."""
    history.request(
        db, "SR-SUB-FR", language="fr", due_date=date(2026, 3, 1), notes='=HYPERLINK("http://x","y")'
    )
    history.request(db, "SR-AV", source_type=SourceType.AV_MUXED, service={"type": ServiceType.ENCODING})
    history.request(db, "SR-FN-ES", source_type=SourceType.FORCED_NARRATIVE, language="es", notes="-2 frames")
    history.request(
        db,
        "SR-DUB-DE",
        source_type=SourceType.SECONDARY_AUDIO,
        language="de",
        service={"type": ServiceType.DUBBING},
    )
    history.request(db, "SR-OTHER", package_id="PKG-10")
    history.proxy(db, "SR-AV", 2712500)
    v1 = history.version(db, "SR-SUB-FR", by="lena")
    history.deliver(db, "SR-SUB-FR", v1, datetime(2026, 2, 27, 23, 30, tzinfo=UTC))
    history.reject(db, "SR-SUB-FR", v1, datetime(2026, 2, 28, 9, 0, tzinfo=UTC), "TIMED_TEXT_OFFSET")
    v2 = history.version(db, "SR-SUB-FR", by="marc", n=2)
    history.deliver(db, "SR-SUB-FR", v2, datetime(2026, 2, 28, 20, 0, tzinfo=UTC))
    with db.session() as session:
        for request_id, kind, amount in (
            ("SR-SUB-FR", CostKind.INTERNAL, "80.25"),
            ("SR-SUB-FR", CostKind.THIRD_PARTY, "40.10"),
            ("SR-AV", CostKind.INTERNAL, "300.00"),
            ("SR-DUB-DE", CostKind.THIRD_PARTY, "999.99"),
        ):
            cost = NewCost(kind=kind, payee="=cmd|' /C calc'!A0", amount=Decimal(amount), currency="EUR")
            add_cost(session, request_id, cost, actor="ops")


def _export(db: Database, tmp_path: Path, request_id: str = "SR-AV") -> Path:
    out = tmp_path / "export.xlsx"
    with db.session() as session:
        export_request(session, request_id, out, MADRID)
    return out


def test_the_assets_sheet_lists_the_package_av_first_with_typed_cells_and_totals(
    db: Database, tmp_path: Path
) -> None:
    _package(db)
    out = _export(db, tmp_path, "SR-FN-ES")  # any request of the package exports the whole package
    sheet = openpyxl.load_workbook(out)["Assets"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Package ID", "Request ID", "Source Type", "Language"]
    assert header[18] == "First Delivered (Europe/Madrid)"
    assert len(header) == len(ASSET_COLUMNS)
    col = {name: i for i, name in enumerate(header)}
    ids = [sheet.cell(r, 2).value for r in range(2, 6)]
    assert ids == ["SR-AV", "SR-DUB-DE", "SR-FN-ES", "SR-SUB-FR"]  # AV first, then audio, then timed text
    assert sheet.cell(6, 1).value == "Total"

    sub = {name: sheet.cell(5, i + 1) for name, i in col.items()}
    assert sub["Due Date"].value == datetime(2026, 3, 1) and sub["Due Date"].is_date
    assert sub["Deliveries"].value == 2 and sub["Redeliveries"].value == 1 and sub["Rejections"].value == 1
    assert sub["Runtime (min)"].value == pytest.approx(45.2)  # from the title's AV request's Final Proxy
    first = sub["First Delivered (Europe/Madrid)"]
    assert first.value == datetime(2026, 2, 28, 0, 30) and first.number_format == "yyyy-mm-dd hh:mm"
    assert sub["Internal Cost"].value == pytest.approx(80.25)
    assert sub["Internal Cost"].number_format == "#,##0.00"
    assert sub["Total Cost"].value == "=U5+V5"
    assert sub["Currency"].value == "EUR"
    assert sheet.cell(2, col["Service Type (ours)"] + 1).value == "ENCODING"

    assert sheet.cell(6, col["Deliveries"] + 1).value == "=SUBTOTAL(9,P2:P5)"
    assert sheet.cell(6, col["Total Cost"] + 1).value == "=SUBTOTAL(9,W2:W5)"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:X5"

    cached = openpyxl.load_workbook(out, data_only=True)["Assets"]  # what Excel's last calculation left
    assert cached.cell(6, col["Deliveries"] + 1).value == 2
    assert cached.cell(6, col["Total Cost"] + 1).value == pytest.approx(1420.34)
    assert cached.cell(5, col["Total Cost"] + 1).value == pytest.approx(120.35)


def test_text_from_outside_is_never_a_formula(db: Database, tmp_path: Path) -> None:
    _package(db)
    sheet = openpyxl.load_workbook(_export(db, tmp_path))["Assets"]
    col = {c.value: i + 1 for i, c in enumerate(sheet[1])}
    notes = sheet.cell(5, col["Notes"])
    assert notes.value == '=HYPERLINK("http://x","y")'  # the text, exactly as written
    assert notes.data_type == "s" and notes.quotePrefix  # but text, even when edited in Excel
    dashes = sheet.cell(4, col["Notes"])
    assert dashes.value == "-2 frames" and dashes.data_type == "s" and dashes.quotePrefix
    plain = sheet.cell(2, col["Request ID"])
    assert plain.data_type == "s" and not plain.quotePrefix


def test_the_history_sheet_has_every_delivery_and_rejection_with_who_made_the_version(
    db: Database, tmp_path: Path
) -> None:
    _package(db)
    sheet = openpyxl.load_workbook(_export(db, tmp_path))["History"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [(r["Event"], r["Outcome / Origin"], r["Version"], r["Version Made By"]) for r in rows] == [
        ("delivery", "DELIVERED", 1, "lena"),
        ("rejection", "PORTAL", 1, "lena"),
        ("delivery", "DELIVERED", 2, "marc"),
    ]
    assert rows[1]["Reason Code"] == "TIMED_TEXT_OFFSET" and rows[1]["Severity"] == "BLOCKER"
    assert rows[0]["At (Europe/Madrid)"] == datetime(2026, 2, 28, 0, 30)


def test_costs_in_two_currencies_are_totalled_per_currency(db: Database, tmp_path: Path) -> None:
    _package(db)
    with db.session() as session:
        cost = NewCost(kind=CostKind.INTERNAL, payee="lab", amount=Decimal("10.50"), currency="USD")
        add_cost(session, "SR-FN-ES", cost, actor="ops")
    out = _export(db, tmp_path)
    sheet = openpyxl.load_workbook(out)["Assets"]
    cached = openpyxl.load_workbook(out, data_only=True)["Assets"]
    labels = [sheet.cell(r, 1).value for r in range(6, 9)]
    assert labels == ["Total", "Total EUR", "Total USD"]
    assert sheet.cell(6, 23).value is None  # no money total across currencies
    assert sheet.cell(8, 23).value == "=SUMIFS(W2:W5,X2:X5,X8)"
    assert cached.cell(7, 23).value == pytest.approx(1420.34)
    assert cached.cell(8, 23).value == pytest.approx(10.50)


def test_exporting_an_unknown_request_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="SR-404"), db.session() as session:
        export_request(session, "SR-404", tmp_path / "x.xlsx", MADRID)
    assert not (tmp_path / "x.xlsx").exists()
