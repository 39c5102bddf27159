"""Costs, the rate card and invoices; indexes the reports read by date.

A request is billed once: ``invoiced_requests`` is keyed by the request. Rates use ``'*'`` for
"any language" or "any partner" so that the unique key holds (NULLs never collide).

Revision ID: 0006_costs
Revises: 0005
"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0006_costs"
down_revision = "0006_reconcile_failures"
branch_labels = None
depends_on = None

_INDEXES = [
    ("ix_deliveries_finished_at", "deliveries", ["finished_at"]),
    ("ix_rejections_raised_at", "rejections", ["raised_at"]),
    ("ix_rejections_version_id", "rejections", ["version_id"]),
    ("ix_source_requests_package_id", "source_requests", ["package_id"]),
    ("ix_source_requests_movie_id", "source_requests", ["movie_id"]),
]


def _money(name: str, scale: int = 2, precision: int = 14) -> "sa.Column[Decimal]":
    return sa.Column(name, sa.Numeric(precision, scale), nullable=False)


def upgrade() -> None:
    op.create_table(
        "cost_lines",
        sa.Column("cost_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payee", sa.String(256), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3)),
        sa.Column("unit", sa.String(32)),
        _money("amount"),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("entered_by", sa.String(128), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cost_lines_request_id", "cost_lines", ["request_id"])
    op.create_table(
        "rate_cards",
        sa.Column("rate_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("service_type", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("partner", sa.String(256), nullable=False),
        _money("amount", scale=4),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "service_type", "unit", "language", "partner"),
    )
    op.create_table(
        "invoices",
        sa.Column("invoice_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("partner", sa.String(256), nullable=False),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("billed", precision=16),
        _money("costs", precision=16),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "invoice_lines",
        sa.Column("line_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("invoice_id", sa.Integer, sa.ForeignKey("invoices.invoice_id"), nullable=False),
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("service", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        _money("unit_price", scale=4),
        _money("amount"),
    )
    op.create_index("ix_invoice_lines_invoice_id", "invoice_lines", ["invoice_id"])
    op.create_table(
        "invoiced_requests",
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), primary_key=True),
        sa.Column("invoice_id", sa.Integer, sa.ForeignKey("invoices.invoice_id"), nullable=False),
    )
    op.create_index("ix_invoiced_requests_invoice_id", "invoiced_requests", ["invoice_id"])
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in _INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("invoiced_requests")
    op.drop_table("invoice_lines")
    op.drop_table("invoices")
    op.drop_table("rate_cards")
    op.drop_table("cost_lines")
