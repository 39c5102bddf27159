"""The table's search: found by every searched field through the full-text index, on both engines.

Run against real SQLite (FTS5 kept by triggers) and real PostgreSQL (generated tsvector + GIN).
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text, update

from slate.catalog import TableQuery, asset_table
from slate.catalog._search import search_condition, search_words
from slate.models import SourceType
from slate.people import Role, ShareSubject, add_user, create_share, visible_requests
from slate.store import Database, SourceRequestRow
from tests.slate.builders import create


def _found(db: Database, q: str, **query: object) -> set[str]:
    """Request ids of every chip the table shows for search ``q``."""
    with db.session() as session:
        page = asset_table(session, TableQuery(q=q), **query)  # type: ignore[arg-type]
    return {c.request_id for g in page.groups for r in g.rows for chips in r.chips.values() for c in chips}


def _requests(db: Database) -> None:
    harbour = {"title": "Harbour Lights", "show_name": "Harbour Lights"}
    create(db, "SR-100001", **harbour, episode_title="Low Tide")
    create(db, "SR-100002", **harbour, episode_number=4, episode_title="Storm Warning", language="es",
           source_type=SourceType.AUDIO_PRINTMASTER)  # fmt: skip
    create(db, "SR-200001", title="Glass Garden", show_name="Glass Garden", package_id="PKG-GG-2",
           episode_title="Seedlings", language="pt-BR")  # fmt: skip
    create(db, "SR-300001", title="Dokumentarfilm Ägäis", show_name=None, season=None,
           episode_number=None, episode_title=None, package_id=None)  # fmt: skip


def test_a_search_finds_by_each_field_word_starts_only(db: Database) -> None:
    _requests(db)
    assert _found(db, "harbour") == {"SR-100001", "SR-100002"}  # title / show name
    assert _found(db, "storm warn") == {"SR-100002"}  # episode title, the last word unfinished
    assert _found(db, "SR-100002") == {"SR-100002"}  # request id, as typed
    assert _found(db, "sr-1000") == {"SR-100001", "SR-100002"}  # a request id's start
    assert _found(db, "pkg-gg-2") == {"SR-200001"}  # package id
    assert _found(db, "PT-br") == {"SR-200001"}  # language, any case
    assert _found(db, "es") == {"SR-100002"}
    assert _found(db, "ägäis") == {"SR-300001"}  # words of other scripts, case-folded
    assert _found(db, "warning storm") == set()  # the words in their order
    assert _found(db, "0001") == set()  # inside a word: not a match (that is what the index allows)
    assert _found(db, "nothing like this") == set()
    assert len(_found(db, " %_ ")) == 4  # no words: no search


def test_the_index_follows_updates_and_bulk_inserts(db: Database) -> None:
    _requests(db)
    with db.session() as session:
        session.execute(
            update(SourceRequestRow)
            .where(SourceRequestRow.request_id == "SR-100001")
            .values(episode_title="Spring Tide", row_version=SourceRequestRow.row_version + 1)
        )
        row = {
            c.name: getattr(session.get(SourceRequestRow, "SR-200001"), c.name)
            for c in SourceRequestRow.__table__.c
        }
        session.execute(
            insert(SourceRequestRow), [row | {"request_id": "SR-900009", "episode_title": "Bulk Loaded"}]
        )
    assert _found(db, "spring tide") == {"SR-100001"}
    assert _found(db, "low tide") == set()
    assert _found(db, "bulk loaded") == {"SR-900009"}
    with db.session() as session:
        session.execute(SourceRequestRow.__table__.delete().where(SourceRequestRow.request_id == "SR-900009"))
        if db.dialect == "sqlite":  # the trigger removed the index row too, not only the join hiding it
            assert session.scalar(text("SELECT count(*) FROM source_requests_search")) == 4
    assert _found(db, "bulk") == set()


def test_a_freelancer_finds_only_what_is_shared_with_them(db: Database) -> None:
    _requests(db)
    with db.session() as session:
        fay = add_user(session, "fay", Role.FREELANCER, "a long enough password")
        create_share(session, ShareSubject.REQUEST, "SR-100002", grantee="fay", created_by="ops")
    visible = visible_requests(fay)
    assert _found(db, "harbour", visible=visible) == {"SR-100002"}
    assert _found(db, "glass", visible=visible) == set()
    assert _found(db, "sr", visible=visible) == {"SR-100002"}
    assert _found(db, "harbour") == {"SR-100001", "SR-100002"}  # an operator still sees both


def test_the_search_is_answered_by_the_index(db: Database) -> None:
    """EXPLAIN shows the full-text index serving the search, not a scan of every request."""
    _requests(db)
    with db.session() as session:
        condition = search_condition(session, "harbour li")
        assert condition is not None
        query = select(SourceRequestRow.request_id).where(condition)
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        if db.dialect == "sqlite":
            plan = " | ".join(str(r[-1]) for r in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            # the FTS5 table answers a MATCH (``M``) on its words; the requests are then found by key
            assert "SCAN source_requests_search VIRTUAL TABLE INDEX 0:M" in plan, plan
            assert "SEARCH source_requests USING COVERING INDEX sqlite_autoindex_source_requests_1" in plan, (
                plan
            )
        else:
            session.execute(text("SET LOCAL enable_seqscan = off"))  # four rows would be scanned anyway
            plan = " | ".join(r[0] for r in session.execute(text(f"EXPLAIN {compiled}")))
            assert "Bitmap Index Scan on ix_source_requests_search" in plan, plan
        assert set(session.scalars(query)) == {"SR-100001", "SR-100002"}


@pytest.mark.parametrize(
    ("typed", "words"),
    [("Show 3", ["show", "3"]), ("SR-000_12", ["sr", "000", "12"]), ('"a" OR b*', ["a", "or", "b"])],
)
def test_query_words_are_letters_and_digits_only(typed: str, words: list[str]) -> None:
    """Quotes and operators typed into the box are separators, never FTS5 or tsquery syntax."""
    assert search_words(typed) == words


def test_a_search_with_operators_typed_is_taken_as_words(db: Database) -> None:
    _requests(db)
    assert _found(db, '"harbour" OR glass*') == set()  # no request holds these words in a row
    assert _found(db, "harbour & !lights") == {"SR-100001", "SR-100002"}
