"""Assets get the optimistic-concurrency column that requests and versions already have.

Two operators editing one asset at once must not silently overwrite each other: each UPDATE
checks the ``row_version`` it read and bumps it, so the second writer matches no row and is
refused. Existing assets start at 1, as a new row does.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("row_version", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("row_version")
