"""Manual QC's redelivery requests, and the proxies made after an AV delivery."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from slate.backlot import DeliveryStatus, DownloadAssetType, HttpPortalClient, QcStatus
from slate.errors import PortalRejected
from slate.models import PortalStatus, ServiceType
from tests.backlot.conftest import declare
from tests.fixtures.portal import CP_CLIENT_ID, CP_SECRET, PortalServer


def test_manual_qc_issues_a_redelivery_request(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> None:
    request_id = assignment("SUBTITLE")
    delivery = portal_client.deliver(request_id, media["srt"], declare(media["srt"]))
    portal.wait_delivery(portal_client, delivery.delivery_id)
    before = portal_client.get_source_request(request_id).updated_at
    order = {"reasonCode": "SUBTITLE_TIMING", "reason": "Events drift late", "timecodes": ["00:00:01:00"]}
    portal.admin.post(f"/requests/{request_id}/redelivery", json=order).raise_for_status()

    (redelivery,) = portal_client.list_redelivery_requests(request_id=request_id).items
    assert redelivery.delivery_id == delivery.delivery_id
    assert (redelivery.reason_code, redelivery.reason) == ("SUBTITLE_TIMING", "Events drift late")
    assert redelivery.timecodes == ["00:00:01:00"]
    rejected = portal_client.get_delivery(delivery.delivery_id)
    assert rejected.status is DeliveryStatus.REJECTED
    assert rejected.qc.status is QcStatus.FAILED and rejected.qc.reason_code == "SUBTITLE_TIMING"
    request = portal_client.get_source_request(request_id)
    assert request.status is PortalStatus.REDELIVERY_REQUESTED and request.updated_at > before
    assert portal_client.list_redelivery_requests(changed_since=redelivery.created_at).items == []
    assert "redelivery.requested" in [row["type"] for row in portal.webhooks()]
    second = {"reasonCode": "SUBTITLE_SPELLING", "reason": "Typos in event 1"}
    portal.admin.post(f"/requests/{request_id}/redelivery", json=second).raise_for_status()
    every = [r.reason_code for r in portal_client.iter_redelivery_requests(request_id=request_id)]
    assert every == ["SUBTITLE_TIMING", "SUBTITLE_SPELLING"]


def test_redelivery_of_an_unknown_request_is_404(portal: PortalServer) -> None:
    response = portal.admin.post("/requests/SR-NONE/redelivery", json={"reasonCode": "X", "reason": "y"})
    assert response.status_code == 404
    assert response.json()["reasonCode"] == "REQUEST_NOT_FOUND"


def _frame(path: Path) -> np.ndarray:
    """The picture at 0.5 s as 8-bit grey, 320x180."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "0.5", "-i", str(path), "-frames:v", "1", "-vf", "scale=320:180",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(180, 320).astype(np.int16)


@pytest.fixture
def av_delivered(
    portal: PortalServer,
    portal_client: HttpPortalClient,
    media: dict[str, Path],
    assignment: Callable[..., str],
) -> str:
    """An AV request whose delivery passed inspection and got its proxies."""
    request_id = assignment("AV_MUXED", movie_id="81200001", audio_channels=2)
    declaration = declare(media["av"], ServiceType.ENCODING)
    delivery = portal_client.deliver(request_id, media["av"], declaration)
    assert portal.wait_delivery(portal_client, delivery.delivery_id).status is DeliveryStatus.PROCESSED
    return request_id


def test_av_delivery_gets_a_watermarked_locked_proxy_and_a_final_proxy(
    portal: PortalServer, portal_client: HttpPortalClient, av_delivered: str, tmp_path: Path
) -> None:
    assets = {a.type: a for a in portal_client.iter_download_assets(request_ids=[av_delivered])}
    assert set(assets) == {DownloadAssetType.LOCKED_PROXY, DownloadAssetType.FINAL_PROXY}
    assert assets[DownloadAssetType.LOCKED_PROXY].type_display_name == "Production Locked Proxy"
    paths = {}
    for kind, asset in assets.items():
        paths[kind] = portal_client.download_asset(
            asset.asset_id, tmp_path / asset.file_name, sha256=asset.checksum
        ).path

    locked, final = (
        _frame(paths[DownloadAssetType.LOCKED_PROXY]),
        _frame(paths[DownloadAssetType.FINAL_PROXY]),
    )
    centre = np.abs(locked[70:110, 60:260] - final[70:110, 60:260]).mean()
    corner = np.abs(locked[:40, :50] - final[:40, :50]).mean()
    assert centre > 20, "the partner name is burned into the centre of the locked proxy"
    assert corner < 5, "outside the watermark both proxies show the same picture"
    assert "proxy.available" in [row["type"] for row in portal.webhooks()]


def test_content_partner_sees_only_the_final_proxy(
    portal: PortalServer, av_delivered: str, tmp_path: Path
) -> None:
    with portal.client(CP_CLIENT_ID, CP_SECRET) as partner:
        visible = list(partner.iter_download_assets(request_ids=[av_delivered]))
        assert [a.type for a in visible] == [DownloadAssetType.FINAL_PROXY]
        locked = partner.search_download_assets(
            request_ids=[av_delivered], types=[DownloadAssetType.LOCKED_PROXY]
        )
        assert locked.items == []  # nothing, not an error
    with portal.client() as vendor:
        (locked_asset,) = vendor.search_download_assets(
            request_ids=[av_delivered], types=[DownloadAssetType.LOCKED_PROXY]
        ).items
    with portal.client(CP_CLIENT_ID, CP_SECRET) as partner:
        assert partner.get_download_assets_manifests([locked_asset.asset_id]) == []
        with pytest.raises(PortalRejected, match="not found"):
            partner.download_asset(locked_asset.asset_id, tmp_path / "never-written.mp4")
    assert not (tmp_path / "never-written.mp4").exists()
