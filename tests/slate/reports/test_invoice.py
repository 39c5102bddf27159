"""Invoices: lines priced by the rate card that add up, costs and margin, and nothing billed twice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, select

from slate.errors import ConflictError, InvalidInput
from slate.models import ServiceType, SourceType
from slate.reports import (
    CostKind,
    Invoice,
    InvoiceLineKind,
    NewCost,
    RateSpec,
    RateUnit,
    add_cost,
    make_invoice,
    set_rate,
    write_invoice_workbook,
)
from slate.store import Database, InvoicedRequestRow, InvoiceLineRow
from tests.slate.reports import history

LA = ZoneInfo("America/Los_Angeles")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _delivered(
    db: Database, request_id: str, at: datetime, *, accepted: bool = True, **fields: object
) -> None:
    history.request(db, request_id, **fields)
    version = history.version(db, request_id)
    history.deliver(db, request_id, version, at)
    if accepted:
        history.accept(db, request_id)


def _rates(db: Database) -> None:
    with db.session() as session:
        for service, unit, amount in (
            (ServiceType.SUBTITLING, RateUnit.RUNTIME_MINUTE, "3.50"),
            (ServiceType.FORCED_NARRATIVE, RateUnit.FILE, "100"),
        ):
            spec = RateSpec(service_type=service, unit=unit, amount=Decimal(amount), currency="EUR")
            set_rate(session, spec, actor="ops")


def _month(db: Database) -> None:
    march = datetime(2026, 3, 10, 12, tzinfo=UTC)
    _delivered(db, "SR-A", march, runtime_seconds=Decimal("2712.5"))
    _delivered(
        db, "SR-B", march, source_type=SourceType.FORCED_NARRATIVE, language="es",
        service={"type": ServiceType.FORCED_NARRATIVE},
    )  # fmt: skip
    _delivered(db, "SR-PENDING", march, accepted=False, runtime_seconds=Decimal("60"))
    _delivered(db, "SR-APRIL", datetime(2026, 4, 2, 12, tzinfo=UTC), runtime_seconds=Decimal("60"))
    _delivered(db, "SR-ELSEWHERE", march, content_partner="Other Studio", runtime_seconds=Decimal("60"))
    # 23:30 on 31 March in Los Angeles is already 1 April in UTC: March's work there.
    _delivered(
        db, "SR-LATE", datetime(2026, 4, 1, 6, 30, tzinfo=UTC), title="Salt", runtime_seconds=Decimal("600")
    )
    with db.session() as session:
        for kind, amount in ((CostKind.INTERNAL, "50.00"), (CostKind.THIRD_PARTY, "20.25")):
            add_cost(
                session,
                "SR-A",
                NewCost(kind=kind, payee="Lena", amount=Decimal(amount), currency="EUR"),
                actor="ops",
            )
    _rates(db)


def _invoice(db: Database, start: date = MARCH[0], end: date = MARCH[1]) -> Invoice:
    with db.session() as session:
        return make_invoice(session, "Northlight Studios", start, end, currency="EUR", zone=LA, actor="ops")


def test_an_invoice_prices_the_accepted_work_of_the_period_and_its_lines_add_up(db: Database) -> None:
    _month(db)
    invoice = _invoice(db)
    services = [line for line in invoice.lines if line.kind is InvoiceLineKind.SERVICE]
    assert [(s.request_id, s.quantity, s.unit, s.amount) for s in services] == [
        ("SR-LATE", Decimal(10), "RUNTIME_MINUTE", Decimal("35.00")),
        ("SR-B", Decimal(1), "FILE", Decimal("100.00")),
        ("SR-A", Decimal(46), "RUNTIME_MINUTE", Decimal("161.00")),
    ]  # by title ("Salt" < "The Long Night"), then service; SR-LATE is March's in Los Angeles
    assert invoice.billed == Decimal("296.00") == sum(s.amount for s in services)
    assert invoice.costs == Decimal("70.25")
    assert invoice.margin == Decimal("225.75")
    assert invoice.number == f"INV-{invoice.invoice_id:06d}"
    with db.session() as session:
        stored = session.scalar(
            select(func.sum(InvoiceLineRow.amount)).where(InvoiceLineRow.kind == "SERVICE")
        )
        marked = set(session.scalars(select(InvoicedRequestRow.request_id)))
    assert stored == Decimal("296.00")
    assert marked == {"SR-A", "SR-B", "SR-LATE"}


def test_invoiced_requests_are_never_billed_again(db: Database) -> None:
    _month(db)
    _invoice(db)
    wider = _invoice(db, date(2026, 1, 1), date(2026, 12, 31))
    assert {line.request_id for line in wider.lines} == {"SR-APRIL"}  # the only one not billed yet
    with pytest.raises(InvalidInput, match="nothing to invoice"):
        _invoice(db, date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ConflictError), db.session() as session:  # the database refuses, whatever tries
        session.add(InvoicedRequestRow(request_id="SR-A", invoice_id=wider.invoice_id))


def test_a_request_without_a_price_stops_the_invoice_and_nothing_is_marked(db: Database) -> None:
    _month(db)
    _delivered(db, "SR-DUB", datetime(2026, 3, 5, tzinfo=UTC), service={"type": ServiceType.DUBBING})
    with pytest.raises(InvalidInput, match=r"SR-DUB \(DUBBING, en\) has no price"):
        _invoice(db)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(InvoicedRequestRow)) == 0


def test_the_invoice_workbook_groups_subtotals_and_shows_the_margin(db: Database, tmp_path: Path) -> None:
    _month(db)
    out = write_invoice_workbook(_invoice(db), tmp_path / "invoice.xlsx", LA)
    book = openpyxl.load_workbook(out)
    cached = openpyxl.load_workbook(out, data_only=True)
    services = book["Services"]
    assert [services.cell(r, 3).value or services.cell(r, 1).value for r in range(2, 9)] == [
        "SR-LATE",
        "Subtotal Salt / SUBTITLING",
        "SR-B",
        "Subtotal The Long Night / FORCED_NARRATIVE",
        "SR-A",
        "Subtotal The Long Night / SUBTITLING",
        "Total Services",
    ]
    assert services.cell(7, 9).value == "=SUBTOTAL(9,I6)"
    assert services.cell(8, 9).value == "=SUBTOTAL(9,I2:I7)"  # skips the subtotals inside
    assert cached["Services"].cell(8, 9).value == pytest.approx(296.0)
    assert services.cell(6, 6).value == 46 and services.cell(6, 8).number_format == "#,##0.00"
    summary = book["Summary"]
    rows = {summary.cell(r, 1).value: r for r in range(2, 9)}
    assert summary.cell(rows["Billed"], 2).value == "='Services'!$I$8"
    assert summary.cell(rows["Margin"], 2).value == f"=B{rows['Billed']}-B{rows['Costs']}"
    assert cached["Summary"].cell(rows["Costs"], 2).value == pytest.approx(70.25)
    assert cached["Summary"].cell(rows["Margin"], 2).value == pytest.approx(225.75)
    assert cached["Costs"].cell(4, 9).value == pytest.approx(70.25)  # two cost lines, a subtotal, the total
