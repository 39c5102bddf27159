"""Full-text search over requests, so the asset table's search reads an index instead of every row.

The searched words are those of the title, show name, episode title, request id, package id and
language. SQLite: an FTS5 table ``source_requests_search`` (request id and that text), kept in
step by triggers on ``source_requests``, so every writer (the lifecycle, bulk inserts, a manual
fix) keeps it current without knowing of it. PostgreSQL: a generated ``tsvector`` column with a
GIN index, computed by the server from the same columns. Both split words on anything that is not
a letter or digit and fold case, so one query finds the same requests on either engine
(``slate.catalog._search`` builds it).

Revision ID: 0009_request_search
Revises: 0008_reports_kpi_indexes
"""

from alembic import op

revision = "0009_request_search"
down_revision = "0008_reports_kpi_indexes"
branch_labels = None
depends_on = None

_FIELDS = ("title", "show_name", "episode_title", "request_id", "package_id", "language")


def _text(row: str) -> str:
    """The searched text of ``row`` (``new``, ``old`` or the table itself) as one SQL expression."""
    prefix = f"{row}." if row else ""
    return " || ' ' || ".join(f"coalesce({prefix}{f}, '')" for f in _FIELDS)


def _sqlite_upgrade() -> None:
    # diacritics kept as typed: PostgreSQL's 'simple' configuration does not fold them either
    op.execute(
        "CREATE VIRTUAL TABLE source_requests_search USING fts5("
        "request_id UNINDEXED, words, tokenize = 'unicode61 remove_diacritics 0')"
    )
    op.execute(
        f"INSERT INTO source_requests_search (request_id, words) "
        f"SELECT request_id, {_text('')} FROM source_requests"
    )
    add = f"INSERT INTO source_requests_search (request_id, words) VALUES (new.request_id, {_text('new')});"
    # by the unindexed request id: a scan of the search table, but requests are rarely renamed or
    # removed, and the table's own rowid could change under VACUUM where request_id cannot
    drop = "DELETE FROM source_requests_search WHERE request_id = old.request_id;"
    op.execute(
        f"CREATE TRIGGER source_requests_search_insert AFTER INSERT ON source_requests BEGIN {add} END"
    )
    op.execute(
        f"CREATE TRIGGER source_requests_search_delete AFTER DELETE ON source_requests BEGIN {drop} END"
    )
    changed = " OR ".join(f"old.{f} IS NOT new.{f}" for f in _FIELDS)
    op.execute(
        f"CREATE TRIGGER source_requests_search_update AFTER UPDATE OF {', '.join(_FIELDS)} "
        f"ON source_requests WHEN {changed} BEGIN {drop} {add} END"
    )


def _postgresql_upgrade() -> None:
    words = f"regexp_replace(lower({_text('')}), '[^[:alnum:]]+', ' ', 'g')"
    op.execute(
        "ALTER TABLE source_requests ADD COLUMN search tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {words})) STORED"
    )
    op.execute("CREATE INDEX ix_source_requests_search ON source_requests USING gin (search)")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER source_requests_search_{trigger}")
        op.execute("DROP TABLE source_requests_search")
    elif dialect == "postgresql":
        op.execute("DROP INDEX ix_source_requests_search")
        op.execute("ALTER TABLE source_requests DROP COLUMN search")
