"""The asset table's read model: rows per episode, pages of 50, sorting, filters and progress in SQL."""

from __future__ import annotations

from datetime import date, timedelta

from slate import lifecycle
from slate.catalog import PAGE_SIZE, TableQuery, asset_table
from slate.models import AssetColor, SourceType
from slate.store import Database
from tests.slate.builders import new_request, put_version


def _season(db: Database, episodes: int) -> None:
    today = date(2026, 6, 1)
    with db.session() as session:
        for ep in range(1, episodes + 1):
            for kind, language in ((SourceType.SUBTITLE, "en"), (SourceType.AUDIO_PRINTMASTER, "en")):
                rid = f"SR-{ep:03d}-{kind.value[:3]}"
                request = new_request(
                    rid,
                    episode_number=ep,
                    episode_title=f"Episode {ep}",
                    source_type=kind,
                    language=language,
                    due_date=today + timedelta(days=episodes - ep),
                )
                lifecycle.create_request(session, request, actor="test")
        movie = new_request("SR-MOVIE", show_name=None, title="A Film", season=None, episode_number=None)
        lifecycle.create_request(session, movie, actor="test")


def test_rows_are_episodes_paged_by_fifty_and_sorted(db: Database) -> None:
    _season(db, 60)
    today = date(2026, 6, 1)
    with db.session() as session:
        first = asset_table(session, TableQuery(), today=today)
        second = asset_table(session, TableQuery(page=2), today=today)
        past = asset_table(session, TableQuery(page=9), today=today)
        by_due = asset_table(session, TableQuery(sort="due"), today=today)
        backwards = asset_table(session, TableQuery(desc=True), today=today)
        searched_by_due = asset_table(session, TableQuery(q="long night", sort="due", page=2), today=today)
    assert first.rows == 61 and first.pages == 2  # 60 episodes and one film without episodes
    assert sum(len(g.rows) for g in first.groups) == PAGE_SIZE
    shown = [r.title for g in first.groups for r in g.rows]
    assert shown[0] == "A Film" and shown[1:3] == ["The Long Night", "The Long Night"]
    episodes = [r.episode_number for g in second.groups for r in g.rows]
    assert episodes == list(range(50, 61))
    assert past.page == 2
    row = first.groups[-1].rows[0]
    assert {c.source_type for chips in row.chips.values() for c in chips} == {
        SourceType.SUBTITLE,
        SourceType.AUDIO_PRINTMASTER,
    }
    assert first.groups[-1].total == 120 and first.groups[-1].accepted == 0
    assert [r.episode_number for r in by_due.groups[0].rows[:2]] == [60, 59]  # the soonest due first
    assert [r.episode_number for r in backwards.groups[0].rows[:2]] == [60, 59]
    assert backwards.groups[-1].rows[-1].episode_number == 11  # the film is on the second page
    # searched (the window-count path), sorted by due date: page 2 holds the ten due last
    assert (searched_by_due.rows, searched_by_due.page, searched_by_due.pages) == (60, 2, 2)
    assert [r.episode_number for g in searched_by_due.groups for r in g.rows] == list(range(10, 0, -1))


def test_column_filters_and_search_run_in_the_database(db: Database) -> None:
    _season(db, 3)
    put_version(db, "SR-002-SUB")
    with db.session() as session:
        lifecycle.apply(session, "SR-002-SUB", "accept", actor="t", version_id=1)
    put_version(db, "SR-003-SUB", b"1")
    put_version(db, "SR-003-SUB", b"2")
    with db.session() as session:
        active = asset_table(session, TableQuery(timed_text="active"))
        upgraded = asset_table(session, TableQuery(timed_text="upgraded"))
        gray_audio = asset_table(session, TableQuery(audio="not_available"))
        search = asset_table(session, TableQuery(q="sr-003"))
        past_end = asset_table(session, TableQuery(timed_text="active", page=4))
    assert [r.episode_number for g in active.groups for r in g.rows] == [2]
    chip = active.groups[0].rows[0].chips
    assert [c.color for c in chip[SourceType.SUBTITLE.category]] == [AssetColor.LIGHT_BLUE]
    assert [r.episode_number for g in upgraded.groups for r in g.rows] == [3]
    assert gray_audio.rows == 3  # the film has no audio request, so it is not kept
    assert search.rows == 1 and search.groups[0].rows[0].episode_number == 3
    # a filtered page asked past the end shows the last one, with the count of the whole view
    assert (past_end.page, past_end.pages, past_end.rows) == (1, 1, 1)
    assert [r.episode_number for g in past_end.groups for r in g.rows] == [2]
