"""The studio's IMF rules: each one refuses a delivery with its own code and a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from slate.errors import InvalidInput
from slate.imf.editor import drop_track, trim
from slate.imf.package import Package, load_package
from slate.imf.rewrite import write_edited
from slate.imf.studio import ImfRequest, StudioContext, TrackStatus, check_delivery, require_deliverable
from tests.imf.builders import Track, write_package


@pytest.fixture
def ov(tmp_path: Path, essence: dict[str, Path]) -> tuple[Package, list[Track]]:
    tracks = [
        Track("MainImageSequence", essence["video"], (24, 1), intrinsic=48),
        Track("MainAudioSequence", essence["audio"], (48000, 1), intrinsic=96000),
    ]
    write_package(tmp_path / "ov", tracks)
    return load_package(tmp_path / "ov"), tracks


def _requests(tracks: list[Track], expecting: bool = True) -> list[ImfRequest]:
    return [
        ImfRequest(request_id=f"SR-{i}", track_id=t.track_id, expecting_delivery=expecting)
        for i, t in enumerate(tracks, start=1)
    ]


def _context(tracks: list[Track], **changes: object) -> StudioContext:
    fields: dict[str, object] = {
        "language": "en",
        "requests": _requests(tracks),
        "delivering_to": ["SR-1", "SR-2"],
    }
    fields.update(changes)
    return StudioContext.model_validate(fields)


def _codes(package: Package, context: StudioContext) -> set[str]:
    return {f.code for f in check_delivery(package, next(iter(package.cpls)), context)}


def _supplemental(ov: Package, dest: Path, edit: object) -> Package:
    def apply(root: etree._Element) -> None:
        if callable(edit):
            edit(root)

    write_edited(ov, next(iter(ov.cpls)), dest, apply, supplemental=True)
    return load_package(dest)


def test_a_first_complete_package_is_deliverable_with_new_tracks(ov: tuple[Package, list[Track]]) -> None:
    package, tracks = ov
    statuses = require_deliverable(package, next(iter(package.cpls)), _context(tracks))
    assert statuses == {tracks[0].track_id: TrackStatus.NEW, tracks[1].track_id: TrackStatus.NEW}


def test_the_first_package_of_a_title_must_be_complete(
    ov: tuple[Package, list[Track]], tmp_path: Path
) -> None:
    package, tracks = ov
    supplemental = _supplemental(package, tmp_path / "supp", None)
    assert "STUDIO_FIRST_NOT_COMPLETE" in _codes(supplemental, _context(tracks))


def test_a_supplemental_package_must_reference_its_original(
    ov: tuple[Package, list[Track]], tmp_path: Path
) -> None:
    package, tracks = ov
    supplemental = _supplemental(package, tmp_path / "supp", lambda r: trim(r, 0, 24))
    later = {"title_has_complete_package": True, "uploaded_track_files": package.pkl_asset_ids()}
    assert "STUDIO_SUPPLEMENTAL_ORIGINAL" in _codes(supplemental, _context(tracks, **later))
    assert _codes(supplemental, _context(tracks, original=package, **later)) == set()


def test_secondary_assets_inside_the_package_are_refused(tmp_path: Path, essence: dict[str, Path]) -> None:
    tracks = [
        Track("MainImageSequence", essence["video"], (24, 1), intrinsic=48),
        Track("MainSubtitleSequence", essence["audio"], (24, 1), intrinsic=48),
    ]
    write_package(tmp_path / "subs", tracks)
    findings = check_delivery(
        load_package(tmp_path / "subs"), next(iter(load_package(tmp_path / "subs").cpls)), _context(tracks)
    )
    assert [f.message for f in findings if f.code == "STUDIO_SECONDARY_ASSET"] == [
        "secondary assets are delivered on their own requests, not inside the package: MainSubtitleSequence"
    ]


def test_the_language_tag_must_match_exactly(tmp_path: Path, essence: dict[str, Path]) -> None:
    tracks = [
        Track("MainImageSequence", essence["video"], (24, 1), intrinsic=48),
        Track("MainAudioSequence", essence["audio"], (48000, 1), intrinsic=96000),
    ]
    write_package(tmp_path / "us", tracks, language="en-US")
    package = load_package(tmp_path / "us")
    assert "STUDIO_LANGUAGE" in _codes(package, _context(tracks))
    assert "STUDIO_LANGUAGE" not in _codes(package, _context(tracks, language="*", original_language="en-US"))


def test_a_cpl_cannot_go_to_only_some_of_its_requests(ov: tuple[Package, list[Track]]) -> None:
    package, tracks = ov
    assert _codes(package, _context(tracks, delivering_to=["SR-1"])) == {"STUDIO_PARTIAL_DELIVERY"}


def test_an_unmodified_track_cannot_answer_a_request_expecting_one(ov: tuple[Package, list[Track]]) -> None:
    package, tracks = ov
    again = _context(
        tracks, title_has_complete_package=True, last_processed=next(iter(package.cpls.values()))
    )
    assert _codes(package, again) == {"STUDIO_UNMODIFIED_EXPECTED"}


def test_a_modified_track_cannot_go_to_a_request_not_expecting_one(
    ov: tuple[Package, list[Track]], tmp_path: Path
) -> None:
    package, tracks = ov
    trimmed = _supplemental(package, tmp_path / "trim", lambda r: trim(r, 0, 24))
    context = _context(
        tracks,
        title_has_complete_package=True,
        original=package,
        last_processed=next(iter(package.cpls.values())),
        requests=_requests(tracks, False),
        uploaded_track_files=package.pkl_asset_ids(),
    )
    findings = check_delivery(trimmed, next(iter(trimmed.cpls)), context)
    assert {f.code for f in findings} == {"STUDIO_MODIFIED_UNEXPECTED"}
    assert "is modified but request SR-1 expects no delivery" in findings[0].message


def test_a_cpl_missing_a_processed_track_is_refused(ov: tuple[Package, list[Track]], tmp_path: Path) -> None:
    package, tracks = ov
    muted = _supplemental(package, tmp_path / "mute", lambda r: drop_track(r, tracks[1].track_id))
    context = _context(
        tracks,
        title_has_complete_package=True,
        original=package,
        delivering_to=["SR-1"],
        last_processed=next(iter(package.cpls.values())),
        requests=_requests(tracks[:1], False),
        uploaded_track_files=package.pkl_asset_ids(),
    )
    assert _codes(muted, context) == {"STUDIO_TRACK_MISSING"}


def test_an_essence_never_uploaded_must_be_in_the_pkl(
    ov: tuple[Package, list[Track]], tmp_path: Path
) -> None:
    package, tracks = ov
    trimmed = _supplemental(package, tmp_path / "trim", lambda r: trim(r, 0, 24))
    context = _context(
        tracks,
        title_has_complete_package=True,
        original=package,
        last_processed=next(iter(package.cpls.values())),
    )
    with pytest.raises(InvalidInput) as refused:
        require_deliverable(trimmed, next(iter(trimmed.cpls)), context)
    assert refused.value.codes == ["STUDIO_ESSENCE_NOT_UPLOADED", "STUDIO_ESSENCE_NOT_UPLOADED"]
    assert "was never uploaded and is not in the PKL" in refused.value.message
    uploaded = context.model_copy(update={"uploaded_track_files": package.pkl_asset_ids()})
    assert require_deliverable(trimmed, next(iter(trimmed.cpls)), uploaded) == {
        tracks[0].track_id: TrackStatus.MODIFIED,
        tracks[1].track_id: TrackStatus.MODIFIED,
    }
