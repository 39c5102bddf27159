"""People of the workspace: users, groups, sessions, login attempts, shares; indexes for the asset table.

Sessions live in the database (the cookie holds only a random token, stored here as its SHA-256),
so any workspace process can check one and an admin can revoke it. Login attempts are rows, so
several processes count them together. A share grants a user or a group rights on a version, an
asset, a request or a package, until it expires or is revoked; each download through it is logged.

Revision ID: 0007_people
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_people"
down_revision = "0006_costs"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _people() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_table(
        "user_groups",
        sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("admin_user_id", sa.Integer, sa.ForeignKey("users.user_id"), nullable=True),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.user_id"), primary_key=True),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("user_groups.group_id"), primary_key=True),
    )
    op.create_index("ix_memberships_group", "memberships", ["group_id"])


def _sessions() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ, nullable=True),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("at", _TZ, nullable=False),
    )
    op.create_index("ix_login_attempts_name_at", "login_attempts", ["name", "at"])
    op.create_index("ix_login_attempts_client_at", "login_attempts", ["client", "at"])


def _shares() -> None:
    op.create_table(
        "shares",
        sa.Column("share_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("grantee_user_id", sa.Integer, sa.ForeignKey("users.user_id"), nullable=True),
        sa.Column("grantee_group_id", sa.Integer, sa.ForeignKey("user_groups.group_id"), nullable=True),
        sa.Column("can_view", sa.Boolean, nullable=False),
        sa.Column("can_download", sa.Boolean, nullable=False),
        sa.Column("can_upload", sa.Boolean, nullable=False),
        sa.Column("can_edit", sa.Boolean, nullable=False),
        sa.Column("expires_at", _TZ, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ, nullable=True),
        sa.Column("revoked_by", sa.String(128), nullable=True),
    )
    op.create_index("ix_shares_user", "shares", ["grantee_user_id"])
    op.create_index("ix_shares_group", "shares", ["grantee_group_id"])
    op.create_index("ix_shares_subject", "shares", ["subject_type", "subject_id"])
    op.create_table(
        "share_downloads",
        sa.Column("download_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("share_id", sa.Integer, sa.ForeignKey("shares.share_id"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("asset_versions.version_id"), nullable=False),
        sa.Column("at", _TZ, nullable=False),
    )
    op.create_index("ix_share_downloads_share", "share_downloads", ["share_id"])


#: Indexes the asset table reads through (grouping, filters, the newest version of each request).
_TABLE_INDEXES = {
    "ix_source_requests_episode": ("source_requests", ["show_name", "season", "episode_number"]),
    "ix_source_requests_package": ("source_requests", ["package_id"]),
    "ix_source_requests_due": ("source_requests", ["due_date"]),
    "ix_asset_versions_request": ("asset_versions", ["request_id", "version_id"]),
    "ix_assets_request": ("assets", ["request_id", "role"]),
}


#: The asset table's row key (slate.catalog._table._keys), so rows are grouped and sorted by walking it.
_ROW_KEY = [
    "coalesce(show_name, title)",
    "coalesce(season, -1)",
    "coalesce(package_id, '')",
    "coalesce(episode_number, -1)",
    "(CASE WHEN (episode_number IS NULL) THEN request_id ELSE '' END)",  # PostgreSQL wants the brackets
]


def upgrade() -> None:
    _people()
    _sessions()
    _shares()
    for name, (table, columns) in _TABLE_INDEXES.items():
        op.create_index(name, table, columns)
    op.create_index("ix_source_requests_table_row", "source_requests", [sa.text(e) for e in _ROW_KEY])


def downgrade() -> None:
    op.drop_index("ix_source_requests_table_row", table_name="source_requests")
    for name, (table, _columns) in _TABLE_INDEXES.items():
        op.drop_index(name, table_name=table)
    for table in ("share_downloads", "shares", "login_attempts", "web_sessions", "memberships"):
        op.drop_table(table)
    op.drop_table("user_groups")
    op.drop_table("users")
