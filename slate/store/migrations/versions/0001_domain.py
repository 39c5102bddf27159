"""The domain tables: source requests, assets and their versions, deliveries, rejections, audit.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_requests",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("movie_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("show_name", sa.String(512)),
        sa.Column("season", sa.Integer),
        sa.Column("episode_number", sa.Integer),
        sa.Column("episode_title", sa.String(512)),
        sa.Column("package_id", sa.String(64)),
        sa.Column("source_type", sa.String(32), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("service_type", sa.String(32)),
        sa.Column("service_other", sa.String(256)),
        sa.Column("due_date", sa.Date),
        sa.Column("content_partner", sa.String(256)),
        sa.Column("fulfillment_partner", sa.String(256)),
        sa.Column("portal_status", sa.String(32), nullable=False),
        sa.Column("material_status", sa.String(32), nullable=False),
        sa.Column("runtime_seconds", sa.Numeric(12, 3)),
        sa.Column("audio_channels", sa.Integer),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("internal_cost", sa.Numeric(12, 2)),
        sa.Column("third_party_fee", sa.Numeric(12, 2)),
        sa.Column("row_version", sa.Integer, nullable=False),
    )
    op.create_table(
        "assets",
        sa.Column("asset_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.UniqueConstraint("request_id", "name"),
    )
    op.create_table(
        "asset_versions",
        sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.asset_id"), nullable=False),
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(512), nullable=False),
        sa.Column("blob_key", sa.String(1024), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("md5", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("probe", sa.JSON, nullable=False),
        sa.Column("color", sa.String(16), nullable=False),
        sa.Column("frozen", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.UniqueConstraint("asset_id", "number"),
    )
    op.create_table(
        "deliveries",
        sa.Column("delivery_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("asset_versions.version_id"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("destination", sa.String(1024), nullable=False),
        sa.Column("service_type", sa.String(32), nullable=False),
        sa.Column("service_other", sa.String(256)),
        sa.Column("bytes_sent", sa.BigInteger, nullable=False),
        sa.Column("seconds", sa.Float),
        sa.Column("portal_delivery_id", sa.String(128)),
        sa.Column("receipt", sa.JSON, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("request_id", "attempt"),
    )
    op.create_table(
        "rejections",
        sa.Column("rejection_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("asset_versions.version_id")),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("portal_ref", sa.String(128), unique=True),
        sa.Column("reason_code", sa.String(128), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("timecodes", sa.JSON, nullable=False),
        sa.Column("raised_by", sa.String(128), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.Text),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "audit_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("asset_versions.version_id")),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("transition", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("automatic", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_events_request_id", "audit_events", ["request_id"])
    op.create_table(
        "qc_reports",
        sa.Column("report_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("asset_versions.version_id"), nullable=False),
        sa.Column("request_id", sa.String(64), sa.ForeignKey("source_requests.request_id"), nullable=False),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("worst", sa.String(16)),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_qc_reports_version_id", "qc_reports", ["version_id"])
    op.create_table(
        "watermarks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rate_buckets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("rate_bps", sa.Float, nullable=False),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "rate_buckets",
        "watermarks",
        "qc_reports",
        "audit_events",
        "rejections",
        "deliveries",
        "asset_versions",
        "assets",
        "source_requests",
    ):
        op.drop_table(table)
