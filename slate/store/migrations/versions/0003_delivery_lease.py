"""One delivery attempt in flight per request, held by a lease its worker renews.

Two workers delivering the same request at once (an operator's deliver beside a lifecycle run, a
zombie run beside its restart) must not both upload: the partial unique index lets one PENDING
attempt exist per request, and ``lease_until`` tells a live attempt from one a dead worker left.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_PENDING = sa.text("outcome = 'pending'")


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("lease_until", sa.DateTime(timezone=True)))
    # Older code could leave several PENDING attempts of one request: keep the newest.
    op.execute(
        "UPDATE deliveries SET outcome = 'failed' WHERE outcome = 'pending' AND delivery_id NOT IN "
        "(SELECT max(delivery_id) FROM deliveries WHERE outcome = 'pending' GROUP BY request_id)"
    )
    op.create_index(
        "ux_deliveries_one_pending",
        "deliveries",
        ["request_id"],
        unique=True,
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )


def downgrade() -> None:
    op.drop_index("ux_deliveries_one_pending", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("lease_until")
