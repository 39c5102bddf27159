"""Listing source requests page by page, and by a changed-since watermark."""

from __future__ import annotations

from slate.backlot import HttpPortalClient
from slate.models import PortalStatus, SourceType
from tests.fixtures.portal import PortalServer


def test_iterating_pages_returns_every_visible_request_once(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    counts = portal.seed()
    requests = list(portal_client.iter_source_requests(limit=7))
    ids = [r.request_id for r in requests]
    assert len(ids) == len(set(ids))
    # 6 episodes x 17 requests; per season-2 episode one belongs to another vendor, and one
    # request per episode is not yet assigned: neither is visible to Slate's account.
    assert counts["requests"] == 102
    assert len(ids) == 102 - 6 - 3
    assert portal.calls("GET /v1/requests") == -(-len(ids) // 7)
    assert all(r.fulfillment_partner == "Slate Localization" for r in requests)
    stamps = [(r.updated_at, r.request_id) for r in requests]
    assert stamps == sorted(stamps)


def test_filters_narrow_the_listing(portal: PortalServer, portal_client: HttpPortalClient) -> None:
    portal.seed()
    subtitles = list(portal_client.iter_source_requests(source_type=SourceType.SUBTITLE))
    assert {r.language for r in subtitles} == {"fr", "de"}
    assert len(subtitles) == 12
    episode = list(portal_client.iter_source_requests(movie_id="81001002"))
    assert {r.movie_id for r in episode} == {"81001002"}
    assert portal_client.list_source_requests(status=PortalStatus.CANCELED).items == []


def test_changed_since_lists_only_what_changed_after_the_watermark(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    portal.seed()
    watermark = max(r.updated_at for r in portal_client.iter_source_requests())
    assert portal_client.list_source_requests(changed_since=watermark).items == []

    new_id = portal.create_assignment(movie_id="81009001", title="New", source_type="SUBTITLE")["requestId"]
    portal.admin.patch("/assignments/SR-81001001-05", json={"dueDate": "2030-01-31"}).raise_for_status()

    changed = list(portal_client.iter_source_requests(changed_since=watermark))
    assert [r.request_id for r in changed] == [new_id, "SR-81001001-05"]
    assert str(changed[1].due_date) == "2030-01-31"
    next_mark = max(r.updated_at for r in changed)
    assert portal_client.list_source_requests(changed_since=next_mark).items == []


def test_domain_mapping_keeps_the_portal_fields(
    portal: PortalServer, portal_client: HttpPortalClient
) -> None:
    portal.seed()
    wire = portal_client.get_source_request("SR-81001001-02")
    record = wire.to_domain()
    assert record.request_id == "SR-81001001-02"
    assert record.source_type is SourceType.AUDIO_PRINTMASTER
    assert record.portal_status is PortalStatus.OPEN
    assert record.season == 1 and record.episode_number == 1
    assert wire.audio_channels == 6
