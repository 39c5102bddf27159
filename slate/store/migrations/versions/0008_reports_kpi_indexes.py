"""Two indexes on deliveries that let the KPIs count a quarter from indexes alone (reports, issue 14).

The KPIs scan the period's deliveries by date and, for each, probe whether its request was
delivered earlier. With only the date index each delivery cost a table lookup, and each probe
one per earlier delivery: on 300,000 deliveries the KPI overview took 1.1 CPU s on SQLite (goal
1 s). ``ix_deliveries_period`` holds what the scan reads, ``ix_deliveries_request_finished``
what the probe reads: 0.72 CPU s. Deliveries are written a few at a time, so the cost of keeping
two more indexes is small.

Revision ID: 0008_reports_kpi_indexes
Revises: 0007_people
"""

from alembic import op

revision = "0008_reports_kpi_indexes"
down_revision = "0007_people"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_deliveries_period", ["finished_at", "outcome", "request_id", "version_id"]),
    ("ix_deliveries_request_finished", ["request_id", "finished_at", "outcome"]),
]


def upgrade() -> None:
    for name, columns in INDEXES:
        op.create_index(name, "deliveries", columns)


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="deliveries")
