"""Records reconcile could not apply, kept with their reason and tried again by every run.

Revision ID: 0006_reconcile_failures
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_reconcile_failures"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconcile_failures",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "item_key"),
    )


def downgrade() -> None:
    op.drop_table("reconcile_failures")
