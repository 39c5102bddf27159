"""Selecting materials across requests, by show and season, by type and state; the partner views."""

from __future__ import annotations

import pytest

from slate.backlot import AssetState, DownloadAssetType, HttpPortalClient
from slate.downloads import (
    Selection,
    make_selection,
    parse_states,
    parse_types,
    select_materials,
    type_tokens,
)
from slate.errors import InvalidInput, NotFound
from tests.fixtures.portal import CP_CLIENT_ID, CP_SECRET, PortalServer

T = DownloadAssetType


def test_types_and_states_parse_from_words() -> None:
    assert parse_types(["video"]) == [T.LOCKED_PROXY, T.FINAL_PROXY]
    assert parse_types(["audio.printmaster", "Timed-Text.English_Template", "docs"]) == [
        T.PRINTMASTER,
        T.ENGLISH_TEMPLATE,
        T.SHOW_GUIDE,
        T.ME_NOTES,
        T.DIALOG_LIST,
    ]
    assert parse_types([]) == []
    assert parse_states(["upgraded", "active", "not-available"]) == list(AssetState)
    assert "timed_text.closed_caption" in type_tokens()
    with pytest.raises(InvalidInput, match=r"unknown material type 'video\.printmaster'.*audio\.printmaster"):
        parse_types(["video.printmaster"])
    with pytest.raises(InvalidInput, match="unknown material state 'archived'"):
        parse_states(["archived"])


def test_selections_from_words_give_clear_errors() -> None:
    chosen = make_selection(title="Show", season=2, types=["docs"], states=["active", "upgraded"])
    assert (chosen.title, chosen.season, chosen.types[0], chosen.states) == (
        "Show",
        2,
        T.SHOW_GUIDE,
        [AssetState.ACTIVE, AssetState.UPGRADED],
    )
    with pytest.raises(InvalidInput, match="a season narrows a title"):
        make_selection(request_ids=["SR-1"], season=1)


def test_a_selection_names_requests_or_a_title() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Selection()
    with pytest.raises(ValueError, match="exactly one"):
        Selection(request_ids=["SR-1"], title="Show")
    with pytest.raises(ValueError, match="season narrows a title"):
        Selection(request_ids=["SR-1"], season=1)


def test_selection_across_requests_lands_in_episode_folders(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    portal.seed()
    # Two requests of episode 1 share a folder; one request of episode 3 of season 2.
    selection = Selection(
        request_ids=["SR-81001001-06", "SR-81001001-03", "SR-81002003-06"],
        types=parse_types(["audio", "timed_text.english_template"]),
    )
    files = select_materials(portal_client, selection)
    folders = {f.folder for f in files}
    assert folders == {"The_Long_Harbour_S01_Low_Tide", "The_Long_Harbour_S02_Harbour_Lights"}
    ep1 = [f for f in files if f.folder == "The_Long_Harbour_S01_Low_Tide"]
    assert {f.asset.type for f in ep1} == {T.PRINTMASTER, T.ME, T.ENGLISH_TEMPLATE}
    assert all(f.request_ids == ["SR-81001001-03", "SR-81001001-06"] for f in ep1)
    assert all(f.asset.state is AssetState.ACTIVE for f in files)  # the default state filter
    assert len({f.relpath for f in files}) == len(files)


def test_selection_by_title_and_season_with_state_filter(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    portal.seed()
    season_2 = select_materials(
        portal_client, Selection(title="the long harbour", season=2, types=[T.SHOW_GUIDE])
    )
    assert [f.folder for f in season_2] == [
        "The_Long_Harbour_S02_Breakwater",
        "The_Long_Harbour_S02_Harbour_Lights",
        "The_Long_Harbour_S02_Salt",
    ]
    upgraded = select_materials(
        portal_client,
        Selection(title="The Long Harbour", types=[T.ENGLISH_TEMPLATE], states=[AssetState.UPGRADED]),
    )
    assert [(f.folder, f.asset.state) for f in upgraded] == [
        ("The_Long_Harbour_S01_Low_Tide", AssetState.UPGRADED)
    ]
    pending = select_materials(
        portal_client, Selection(title="The Long Harbour", states=[AssetState.NOT_AVAILABLE])
    )
    assert [(f.asset.type, f.downloadable) for f in pending] == [(T.CLOSED_CAPTION, False)]
    with pytest.raises(NotFound, match="no source request of 'Another Show' season 4"):
        select_materials(portal_client, Selection(title="Another Show", season=4))
    with pytest.raises(NotFound, match="SR-NOPE is not on the portal"):
        select_materials(portal_client, Selection(request_ids=["SR-NOPE"]))


def test_both_proxies_for_the_vendor_only_the_final_for_the_content_partner(portal: PortalServer) -> None:
    portal.seed(with_proxies=True)
    selection = Selection(request_ids=["SR-81001001-00"], types=parse_types(["video"]))
    with portal.client() as vendor:
        assert [f.asset.type for f in select_materials(vendor, selection)] == [T.LOCKED_PROXY, T.FINAL_PROXY]
    with portal.client(CP_CLIENT_ID, CP_SECRET) as studio:
        assert [f.asset.type for f in select_materials(studio, selection)] == [T.FINAL_PROXY]
        locked_only = Selection(request_ids=["SR-81001001-00"], types=[T.LOCKED_PROXY])
        assert select_materials(studio, locked_only) == []  # nothing, and no error
