"""The one-attempt-in-flight index, on the value deliveries really store.

Migration 0003 built its partial unique index on ``outcome = 'pending'``, but a delivery in flight
is stored as ``'PENDING'`` (``DeliveryOutcome.PENDING``), so the index held no row and two workers
could both hold a claim on one request. Rebuilt here on ``'PENDING'``, after retiring all but the
newest in-flight attempt of each request (the index could not be built over duplicates).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _one_pending_index(value: str) -> None:
    """The partial unique index: one delivery row per request whose outcome is ``value``."""
    where = sa.text(f"outcome = '{value}'")
    op.create_index(
        "ux_deliveries_one_pending",
        "deliveries",
        ["request_id"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def upgrade() -> None:
    op.drop_index("ux_deliveries_one_pending", table_name="deliveries")
    op.execute(
        "UPDATE deliveries SET outcome = 'FAILED', lease_until = NULL "
        "WHERE outcome = 'PENDING' AND delivery_id NOT IN "
        "(SELECT max(delivery_id) FROM deliveries WHERE outcome = 'PENDING' GROUP BY request_id)"
    )
    _one_pending_index("PENDING")


def downgrade() -> None:
    op.drop_index("ux_deliveries_one_pending", table_name="deliveries")
    _one_pending_index("pending")  # as migration 0003 left it
