"""Database rows of what Slate bills and what it costs: cost lines, the rate card, invoices.

Money is ``Numeric`` (exact decimals on both engines), never float. A request is billed once:
``invoiced_requests`` has the request as its primary key, so a second invoice naming it fails
in the database, whatever code path tries. Indexes on the domain's existing tables that the
reports read by date live here too, beside the queries that need them (migration 0006).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slate.store._schema import Base, DeliveryRow, RejectionRow, SourceRequestRow

__all__ = ["CostLineRow", "InvoiceLineRow", "InvoiceRow", "InvoicedRequestRow", "RateRow"]

#: Stands for "any" in a rate's language or partner (NULL would defeat the unique key: NULLs differ).
ANY = "*"

Index("ix_deliveries_finished_at", DeliveryRow.finished_at)
Index("ix_rejections_raised_at", RejectionRow.raised_at)
Index("ix_rejections_version_id", RejectionRow.version_id)
Index("ix_source_requests_package_id", SourceRequestRow.package_id)
Index("ix_source_requests_movie_id", SourceRequestRow.movie_id)
# What the KPIs' scan of a period and their earlier-delivery probe read, so both stay in the
# indexes (migration 0008_reports_kpi_indexes).
Index(
    "ix_deliveries_period",
    DeliveryRow.finished_at,
    DeliveryRow.outcome,
    DeliveryRow.request_id,
    DeliveryRow.version_id,
)
Index("ix_deliveries_request_finished", DeliveryRow.request_id, DeliveryRow.finished_at, DeliveryRow.outcome)


class CostLineRow(Base):
    """One cost of a request: our internal cost or a fee paid to a third party."""

    __tablename__ = "cost_lines"

    cost_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    payee: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    unit: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    entered_by: Mapped[str] = mapped_column(String(128))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RateRow(Base):
    """One price (what we bill) or cost (what we pay) per unit of a service."""

    __tablename__ = "rate_cards"
    __table_args__ = (UniqueConstraint("kind", "service_type", "unit", "language", "partner"),)

    rate_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    service_type: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(35), default=ANY)
    partner: Mapped[str] = mapped_column(String(256), default=ANY)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    currency: Mapped[str] = mapped_column(String(3))
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceRow(Base):
    """An invoice to one content partner for one period, with its totals at the time it was made."""

    __tablename__ = "invoices"

    invoice_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    partner: Mapped[str] = mapped_column(String(256))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    billed: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    costs: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceLineRow(Base):
    """One line: a service billed for a request, or a cost (internal, third-party fee) against it."""

    __tablename__ = "invoice_lines"

    line_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.invoice_id"), index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(512))
    service: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(32))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class InvoicedRequestRow(Base):
    """A request that an invoice billed; the primary key makes billing it twice impossible."""

    __tablename__ = "invoiced_requests"

    request_id: Mapped[str] = mapped_column(ForeignKey("source_requests.request_id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.invoice_id"), index=True)
