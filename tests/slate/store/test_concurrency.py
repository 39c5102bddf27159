"""Two operators editing one asset (or one version of it) at once: the second is refused, nothing lost.

Requests have the same protection (``test_store.py``); these cover the asset rows, and the
migration that gave existing assets their version column.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from slate.errors import ConflictError
from slate.models import AssetColor
from slate.store import AssetRow, AssetVersionRow, AuditEventRow, Database, open_database
from tests.slate.builders import create, put_version


def _audit_line(reason: str) -> AuditEventRow:
    return AuditEventRow(
        request_id="SR-1",
        subject="material",
        transition="note",
        from_state=None,
        to_state="RECEIVED",
        actor="alice",
        reason=reason,
        automatic=False,
        at=datetime.now(UTC),
    )


def _reasons(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(AuditEventRow.reason)))


def test_two_operators_editing_one_asset_cannot_both_win(db: Database) -> None:
    create(db)
    version_id = put_version(db)
    with db.session() as session:
        asset_id = session.scalars(select(AssetRow.asset_id)).one()
    with pytest.raises(ConflictError, match="changed by someone else"), db.session() as alice:
        mine = alice.get(AssetRow, asset_id)
        assert mine is not None and mine.row_version == 1
        with db.session() as bob:  # Bob reads, renames and commits while Alice is still editing
            theirs = bob.get(AssetRow, asset_id)
            assert theirs is not None
            theirs.name = "subtitles"
        mine.name = "captions"
        alice.add(_audit_line("alice renamed the asset"))  # her whole unit of work is refused
    with db.session() as session:
        asset = session.get(AssetRow, asset_id)
        assert asset is not None
        assert (asset.name, asset.row_version) == ("subtitles", 2)
        assert session.get(AssetVersionRow, version_id) is not None
    assert "alice renamed the asset" not in _reasons(db)


def test_two_operators_editing_one_version_cannot_both_win(db: Database) -> None:
    create(db)
    version_id = put_version(db)
    with pytest.raises(ConflictError, match="changed by someone else"), db.session() as alice:
        mine = alice.get(AssetVersionRow, version_id)
        assert mine is not None
        read = mine.row_version
        with db.session() as bob:  # Bob turns the version RED while Alice is approving it
            theirs = bob.get(AssetVersionRow, version_id)
            assert theirs is not None
            theirs.color = AssetColor.RED.value
        mine.color = AssetColor.LIGHT_BLUE.value
        mine.probe = {"checked_by": "alice"}
    with db.session() as session:
        version = session.get(AssetVersionRow, version_id)
        assert version is not None
        assert (version.color, version.probe, version.row_version) == (AssetColor.RED.value, {}, read + 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def before_0004(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A database migrated to 0003, the schema before assets had a version column."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    database = open_database(url, upgrade=False)
    database.upgrade("0003")
    try:
        yield database
    finally:
        database.dispose()


def test_assets_stored_before_the_version_column_start_at_one_and_are_protected(
    before_0004: Database,
) -> None:
    db = before_0004
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO source_requests (request_id, movie_id, title, source_type, language, "
                "portal_status, material_status, notes, row_version) "
                "VALUES ('SR-OLD', '1', 'Old', 'SUBTITLE', 'en', 'IN_PROGRESS', 'NOT_RECEIVED', '', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO assets (request_id, category, name, role) "
                "VALUES ('SR-OLD', 'TIMED_TEXT', 'main', 'deliverable')"
            )
        )
    db.upgrade()
    with db.session() as session:
        asset = session.scalars(select(AssetRow)).one()
        assert asset.row_version == 1
        asset.name = "main-en"
    with db.session() as session:
        assert session.scalars(select(AssetRow.row_version)).one() == 2
