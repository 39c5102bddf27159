"""The store: migrations shape the schema, concurrent edits are refused, records round-trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import inspect

from slate import people as _people  # noqa: F401 - its tables are in Base's metadata
from slate.errors import ConflictError, InvalidInput, NotFound
from slate.models import MaterialStatus, SourceType
from slate.store import Base, Database, SourceRequestRow, get_request, update_request
from slate.store import webhook_events as _webhook_events  # noqa: F401 - its table is in Base's metadata
from tests.slate.builders import create

#: What migration 0008 adds for the table's search, outside the ORM (nothing maps or writes it):
#: on SQLite an FTS5 table and its shadow tables, on PostgreSQL a generated tsvector column.
SEARCH_TABLES = {
    "sqlite": {"source_requests_search"}
    | {f"source_requests_search_{s}" for s in ("config", "content", "data", "docsize", "idx")},
    "postgresql": set(),
}
SEARCH_COLUMNS = {"sqlite": {}, "postgresql": {"source_requests": {"search"}}}


def test_migrations_create_exactly_the_modelled_schema(db: Database) -> None:
    inspector = inspect(db.engine)
    modelled = {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
    assert set(db.table_names()) == modelled | SEARCH_TABLES[db.dialect]
    for table in Base.metadata.sorted_tables:
        migrated = {c["name"] for c in inspector.get_columns(table.name)}
        extra = SEARCH_COLUMNS[db.dialect].get(table.name, set())
        assert migrated == {c.name for c in table.columns} | extra, table.name


def test_migrating_twice_changes_nothing(db: Database) -> None:
    before = db.table_names()
    db.upgrade()
    assert db.table_names() == before


def test_a_request_round_trips_with_every_field(db: Database) -> None:
    create(
        db,
        due_date=date(2026, 12, 1),
        runtime_seconds=Decimal("2712.500"),
        internal_cost=Decimal("120.50"),
        third_party_fee=Decimal("15.00"),
        source_type=SourceType.AUDIO_PRINTMASTER,
    )
    with db.session() as session:
        record = get_request(session, "SR-1")
    assert record.due_date == date(2026, 12, 1)
    assert record.runtime_seconds == Decimal("2712.500")
    assert record.internal_cost == Decimal("120.50")
    assert record.source_type is SourceType.AUDIO_PRINTMASTER
    assert record.source_type.category.value == "AUDIO"
    assert record.material_status is MaterialStatus.NOT_RECEIVED


def test_a_stale_edit_is_refused_and_the_first_one_kept(db: Database) -> None:
    create(db)
    with db.session() as session:
        read_by_alice = get_request(session, "SR-1").row_version
        read_by_bob = read_by_alice
    with db.session() as session:
        update_request(session, "SR-1", expected_row_version=read_by_alice, notes="alice")
    with pytest.raises(ConflictError, match="changed by someone else"), db.session() as session:
        update_request(session, "SR-1", expected_row_version=read_by_bob, notes="bob")
    with db.session() as session:
        assert get_request(session, "SR-1").notes == "alice"


def test_two_sessions_editing_at_once_cannot_both_win(db: Database) -> None:
    create(db)
    with pytest.raises(ConflictError), db.session() as alice:
        mine = alice.get(SourceRequestRow, "SR-1")
        assert mine is not None
        with db.session() as bob:  # Bob reads, edits and commits while Alice is still editing
            theirs = bob.get(SourceRequestRow, "SR-1")
            assert theirs is not None
            theirs.notes = "bob"
        mine.notes = "alice"
    with db.session() as session:
        assert get_request(session, "SR-1").notes == "bob"


def test_statuses_are_not_editable_directly(db: Database) -> None:
    create(db)
    with pytest.raises(InvalidInput, match="material_status cannot be edited"), db.session() as session:
        update_request(session, "SR-1", expected_row_version=1, material_status="DELIVERED")


def test_missing_request_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="SR-404"), db.session() as session:
        get_request(session, "SR-404")


def test_the_postgresql_driver_is_a_runtime_dependency() -> None:
    """``SLATE_DATABASE_URL=postgresql://…`` runs on psycopg: an installed Slate must bring it along."""
    import importlib.metadata
    import re

    requirements = importlib.metadata.requires("slate") or []
    runtime = [r for r in requirements if "extra ==" not in r]
    psycopg = [r for r in runtime if re.match(r"psycopg\b", r)]
    assert psycopg, f"psycopg is not among slate's runtime requirements: {runtime}"
    assert "binary" in psycopg[0], "the binary build needs no compiler or libpq headers"
