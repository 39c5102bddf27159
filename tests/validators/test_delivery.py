"""Delivery preconditions on plain values: a deliverable candidate is clean, each gap has its code."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from slate.models import (
    AssetColor,
    AssetVersion,
    MaterialStatus,
    PortalStatus,
    Service,
    ServiceType,
    SourceRequest,
    SourceType,
)
from validators import REGISTRY
from validators.base import QCContext, Report, Severity
from validators.delivery import DeliveryCandidate, validate

CONTENT = b"RIFF....WAVEfmt "
CONTEXT = QCContext(asset_type="delivery")


def request(**overrides: Any) -> SourceRequest:
    data: dict[str, Any] = {
        "request_id": "SR-7",
        "movie_id": "81234567",
        "title": "The Long Night",
        "source_type": SourceType.AUDIO_PRINTMASTER,
        "language": "en",
        "service": Service(type=ServiceType.MIXING),
        "portal_status": PortalStatus.OPEN,
        "material_status": MaterialStatus.ACCEPTED,
    }
    return SourceRequest(**(data | overrides))


def version(**overrides: Any) -> AssetVersion:
    data: dict[str, Any] = {
        "version_id": 3,
        "asset_id": 1,
        "request_id": "SR-7",
        "number": 2,
        "file_name": "long_night_pm_51.wav",
        "blob_key": "SR-7/abc",
        "size": len(CONTENT),
        "md5": hashlib.md5(CONTENT).hexdigest(),
        "sha256": hashlib.sha256(CONTENT).hexdigest(),
        "probe": {"streams": [{"codec_type": "audio", "tags": {"language": "eng"}}]},
        "color": AssetColor.LIGHT_BLUE,
        "created_by": "mixer",
        "created_at": datetime(2026, 11, 20, tzinfo=UTC),
    }
    return AssetVersion(**(data | overrides))


def check(req: SourceRequest | None = None, ver: AssetVersion | None = None, **given: Any) -> Report:
    recomputed = {
        "recomputed_size": len(CONTENT),
        "recomputed_md5": hashlib.md5(CONTENT).hexdigest(),
        "recomputed_sha256": hashlib.sha256(CONTENT).hexdigest(),
    }
    candidate = DeliveryCandidate.of(req or request(), ver or version(), **(recomputed | given))
    return validate(candidate, CONTEXT)


def test_a_deliverable_candidate_is_clean() -> None:
    report = check()
    assert report.findings == []
    assert report.measurements == {"category": "AUDIO"}
    assert REGISTRY["delivery"] == [validate]


def test_redelivery_requested_is_deliverable() -> None:
    assert check(request(portal_status=PortalStatus.REDELIVERY_REQUESTED)).findings == []


@pytest.mark.parametrize(
    "status", [PortalStatus.DELIVERED, PortalStatus.PROCESSED, PortalStatus.ACCEPTED, PortalStatus.CANCELED]
)
def test_requests_the_portal_does_not_take_files_for(status: PortalStatus) -> None:
    report = check(request(portal_status=status))
    assert report.codes() == ["DELIVERY_REQUEST_STATUS"]
    assert report.findings[0].evidence["portal_status"] == status.value


def test_states_are_the_state_machines_not_this_checks() -> None:
    """Colour, material status and Service Type are refused by the lifecycle's deliver transition
    (tests/slate/test_lifecycle.py); the content check takes plain values and ignores them."""
    report = check(
        request(material_status=MaterialStatus.RECEIVED, service=None), version(color=AssetColor.GRAY)
    )
    assert report.findings == []


def test_a_subtitle_file_for_an_audio_request() -> None:
    report = check(ver=version(file_name="episode.ttml", probe={}))
    assert report.codes() == ["DELIVERY_FILE_KIND"]
    assert report.findings[0].evidence["category"] == "AUDIO"


def test_an_imf_package_is_video_material_and_a_plain_zip_is_not() -> None:
    av = request(source_type=SourceType.AV_MUXED, service=Service(type=ServiceType.MASTERING_CONFORM))
    imf = {"format": "imf", "language": "en"}
    assert check(av, version(file_name="master.zip", probe=imf)).findings == []
    assert check(av, version(file_name="master.zip", probe={})).codes() == ["DELIVERY_FILE_KIND"]
    audio = check(ver=version(file_name="master.zip", probe=imf))  # IMF is not audio material
    assert audio.codes() == ["DELIVERY_FILE_KIND"]


def test_a_wav_whose_probe_shows_video() -> None:
    probe = {"streams": [{"codec_type": "video"}, {"codec_type": "audio"}]}
    report = check(ver=version(probe=probe))
    assert report.codes() == ["DELIVERY_FILE_KIND"]
    assert report.findings[0].evidence["streams"] == ["audio", "video"]


def test_timed_text_fits_a_subtitle_request() -> None:
    req = request(
        source_type=SourceType.SUBTITLE, language="pt-BR", service=Service(type=ServiceType.SUBTITLING)
    )
    assert check(req, version(file_name="ep.ttml", probe={}), file_language="pt-BR").findings == []
    wrong = check(req, version(file_name="ep.ttml", probe={}), file_language="pt-PT")
    assert wrong.codes() == ["DELIVERY_LANGUAGE"]
    assert wrong.findings[0].evidence == {"file_language": "pt-PT", "request_language": "pt-BR"}


def test_the_probe_language_tag_is_compared_with_the_request() -> None:
    report = check(request(language="es"))
    assert report.codes() == ["DELIVERY_LANGUAGE"]
    assert check(request(language="*")).findings == []


def test_checksums_that_no_longer_match() -> None:
    report = check(recomputed_md5="0" * 32, recomputed_size=len(CONTENT) + 1)
    assert sorted(f.evidence["what"] for f in report.findings) == ["md5", "size"]
    assert set(report.codes()) == {"DELIVERY_CHECKSUM"} and report.blocked


def test_unverified_checksums_are_a_warning() -> None:
    candidate = DeliveryCandidate.of(request(), version())
    report = validate(candidate, CONTEXT)
    assert report.codes() == ["DELIVERY_CHECKSUM"]
    assert report.findings[0].severity is Severity.WARNING and not report.blocked
