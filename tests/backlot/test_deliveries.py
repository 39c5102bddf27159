"""Delivering files: streamed upload, the portal's automated inspection and its reason codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from slate.backlot import DeliveryStatus, HttpPortalClient, InspectionReason, QcStatus, TimeBase
from slate.errors import InvalidInput, PortalRejected
from slate.models import PortalStatus, ServiceType
from tests.backlot.conftest import declare
from tests.fixtures.portal import PortalServer

SIX = ["L", "R", "C", "LFE", "Ls", "Rs"]


def test_clean_subtitle_is_processed(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> None:
    request_id = assignment("SUBTITLE", language="fr")
    sent: list[int] = []
    declaration = declare(media["ttml_media"], time_base=TimeBase.MEDIA, frame_rate="24000/1001")
    delivery = portal_client.deliver(request_id, media["ttml_media"], declaration, rate_limiter=sent.append)
    assert delivery.status in {DeliveryStatus.PENDING_INSPECTION, DeliveryStatus.PROCESSED}
    assert delivery.bytes_received == declaration.size == sum(sent)

    done = portal.wait_delivery(portal_client, delivery.delivery_id)
    assert done.status is DeliveryStatus.PROCESSED
    assert done.qc.status is QcStatus.PENDING  # manual QC still to come
    assert portal_client.get_source_request(request_id).status is PortalStatus.PROCESSED
    assert [d.delivery_id for d in portal_client.list_deliveries(request_id)] == [delivery.delivery_id]


def test_clean_printmaster_is_processed(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> None:
    request_id = assignment("AUDIO_PRINTMASTER", audio_channels=6)
    declaration = declare(media["six_wav"], ServiceType.MIXING, channel_mapping=SIX)
    chunks: list[int] = []
    with portal.client(chunk_size=4096) as client:
        delivery = client.deliver(request_id, media["six_wav"], declaration, rate_limiter=chunks.append)
        assert portal.wait_delivery(client, delivery.delivery_id).status is DeliveryStatus.PROCESSED
    # The file went up in chunks, never read whole.
    assert sum(chunks) == declaration.size
    assert len(chunks) > 1 and max(chunks) <= 4096


@pytest.mark.parametrize(
    ("source_type", "file", "overrides", "reason"),
    [
        ("SUBTITLE", "ttml_media", {"sha256": "0" * 64}, InspectionReason.CHECKSUM_MISMATCH),
        ("SUBTITLE", "stereo_wav", {}, InspectionReason.WRONG_FILE_TYPE),
        ("AUDIO_PRINTMASTER", "ttml_media", {}, InspectionReason.WRONG_FILE_TYPE),
        ("AV_MUXED", "stereo_wav", {}, InspectionReason.WRONG_FILE_TYPE),
        ("SHOW_GUIDE", "stereo_wav", {}, InspectionReason.WRONG_FILE_TYPE),
        ("SUBTITLE", "ttml_broken", {}, InspectionReason.TIMED_TEXT_UNPARSEABLE),
        ("SUBTITLE", "ttml_smpte", {"time_base": TimeBase.MEDIA}, InspectionReason.TIME_BASE_MISMATCH),
        ("SUBTITLE", "ttml_media", {"frame_rate": "25"}, InspectionReason.TIME_BASE_MISMATCH),
        ("SUBTITLE", "srt", {"time_base": TimeBase.SMPTE}, InspectionReason.TIME_BASE_MISMATCH),
        ("AUDIO_PRINTMASTER", "stereo_wav", {}, InspectionReason.AUDIO_CHANNEL_MISMATCH),
        ("SECONDARY_AUDIO", "stereo_wav", {"channel_mapping": SIX}, InspectionReason.AUDIO_CHANNEL_MISMATCH),
    ],
)
def test_inspection_fails_the_delivery_with_a_reason_code(
    *,
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
    source_type: str,
    file: str,
    overrides: dict[str, object],
    reason: InspectionReason,
) -> None:
    channels = {"AUDIO_PRINTMASTER": 6, "SECONDARY_AUDIO": 2}.get(source_type)
    request_id = assignment(source_type, audio_channels=channels)
    delivery = portal_client.deliver(request_id, media[file], declare(media[file], **overrides))
    done = portal.wait_delivery(portal_client, delivery.delivery_id)
    assert done.status is DeliveryStatus.FAILED
    assert done.qc.status is QcStatus.FAILED
    assert done.qc.reason_code == reason.value
    assert done.qc.message
    # A failed inspection reopens the request for a new file.
    assert portal_client.get_source_request(request_id).status is PortalStatus.REDELIVERY_REQUESTED
    fixed = portal_client.deliver(request_id, media["ttml_media"], declare(media["ttml_media"]))
    assert fixed.request_id == request_id


def test_request_not_open_takes_no_delivery(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> None:
    request_id = assignment("SUBTITLE")
    portal_client.cancel(request_id, reason="title pulled")
    with pytest.raises(PortalRejected) as caught:
        portal_client.deliver(request_id, media["srt"], declare(media["srt"]))
    assert caught.value.data["status"] == 409
    assert caught.value.data["reason_code"] == "REQUEST_NOT_OPEN"
    assert portal_client.uncancel(request_id).status is PortalStatus.OPEN


def test_declaration_must_match_the_file_before_anything_is_sent(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> None:
    request_id = assignment("SUBTITLE")
    wrong = declare(media["srt"], size=1)
    with pytest.raises(InvalidInput, match="declared size"):
        portal_client.deliver(request_id, media["srt"], wrong)
    assert portal.calls(f"POST /v1/requests/{request_id}/deliveries") == 0


def test_service_other_needs_text(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> None:
    request_id = assignment("SUBTITLE")
    with pytest.raises(PortalRejected) as caught:
        portal_client.deliver(request_id, media["srt"], declare(media["srt"], ServiceType.OTHER))
    assert caught.value.data["reason_code"] == "INVALID_SERVICE_TYPE"


def test_upload_is_retried_after_a_server_error(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> None:
    request_id = assignment("SUBTITLE")
    delivery = portal_client.deliver(request_id, media["srt"], declare(media["srt"]))
    portal.faults(statusBurst=1, status=500, pathPrefix="/v1/deliveries/")
    second_request = assignment("SUBTITLE", language="de")
    again = portal_client.deliver(second_request, media["srt"], declare(media["srt"]))
    assert portal.wait_delivery(portal_client, again.delivery_id).status is DeliveryStatus.PROCESSED
    assert portal.calls(f"PUT /v1/deliveries/{again.delivery_id}/file") == 2
    assert delivery.delivery_id != again.delivery_id


def test_comments_round_trip(
    portal: PortalServer, portal_client: HttpPortalClient, assignment: Callable[..., str]
) -> None:
    request_id = assignment("SUBTITLE")
    posted = portal_client.post_comment(request_id, "Forced narratives follow in v2.")
    listed = portal_client.list_comments(request_id)
    assert [c.comment_id for c in listed] == [posted.comment_id]
    assert listed[0].author == "Slate Localization"
    assert listed[0].body == "Forced narratives follow in v2."
