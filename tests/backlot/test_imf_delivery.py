"""The portal's IMF delivery call: the emulator reads the package and answers per CPL and track."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from slate.backlot import HttpPortalClient, ImfTrackState
from slate.errors import InvalidInput
from slate.imf.deliver import deliver_package
from slate.imf.editor import trim
from slate.imf.package import load_package
from slate.imf.rewrite import write_edited
from slate.settings import reset_settings
from tests.fixtures.portal import PortalServer
from tests.imf.builders import Track, make_audio_mxf, make_video_mxf, write_package


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("imf")
    tracks = [
        Track("MainImageSequence", make_video_mxf(folder / "v.mxf", 48), (24, 1), intrinsic=48),
        Track("MainAudioSequence", make_audio_mxf(folder / "a.mxf", 2), (48000, 1), intrinsic=96000),
    ]
    write_package(folder / "ov", tracks)
    return folder / "ov"


def _parts(folder: Path) -> tuple[Path, Path, Path]:
    return folder / "ASSETMAP.xml", next(folder.glob("PKL_*.xml")), next(folder.glob("CPL_*.xml"))


def test_a_complete_package_is_accepted_with_new_tracks_then_an_unchanged_one_refused(
    portal_client: HttpPortalClient, assignment: Callable[..., str], package: Path
) -> None:
    av = assignment("AV_MUXED", language="en", movie_id="81100077")
    first = portal_client.deliver_imf([av], *_parts(package))
    assert first.status == "SUCCESS", first.errors
    assert {(t.request_id, t.status) for t in first.track_status} == {(av, ImfTrackState.NEW)}
    assert len(first.track_status) == 2  # image and audio, both answered by the AV request
    again = portal_client.deliver_imf([av], *_parts(package))
    assert again.status == "ERROR"
    assert [e.split(":")[0] for e in again.errors] == ["STUDIO_UNMODIFIED_EXPECTED"] * 2
    assert {t.status for t in again.track_status} == {ImfTrackState.ERROR}
    # the portal keeps the accepted answer (the refused one is not kept), readable by request
    assert portal_client.list_imf_deliveries(av) == [first]
    assert portal_client.list_deliveries(av) == []  # declared as IMF, not a file upload


def test_a_cpl_must_go_to_all_its_requests_and_a_supplemental_must_follow_a_complete(
    portal_client: HttpPortalClient, assignment: Callable[..., str], package: Path, tmp_path: Path
) -> None:
    av = assignment("AV_MUXED", language="en", movie_id="81100078")
    audio = assignment("AUDIO_PRINTMASTER", language="en", movie_id="81100078")
    partial = portal_client.deliver_imf([av], *_parts(package))
    assert partial.status == "ERROR"
    assert any(e.startswith("STUDIO_PARTIAL_DELIVERY") and audio in e for e in partial.errors)
    source = load_package(package)
    supplemental = write_edited(
        source, next(iter(source.cpls)), tmp_path / "supp", lambda r: trim(r, 0, 24), supplemental=True
    ).folder
    early = portal_client.deliver_imf([av, audio], *_parts(supplemental))
    assert any(e.startswith("STUDIO_FIRST_NOT_COMPLETE") for e in early.errors)
    assert portal_client.deliver_imf([av, audio], *_parts(package)).status == "SUCCESS"
    later = portal_client.deliver_imf([av, audio], *_parts(supplemental))
    assert later.status == "SUCCESS", later.errors
    assert {(t.request_id, t.status) for t in later.track_status} == {
        (av, ImfTrackState.MODIFIED),
        (audio, ImfTrackState.MODIFIED),
    }


def test_an_unreadable_package_is_an_error_answer(
    portal_client: HttpPortalClient, assignment: Callable[..., str], package: Path, tmp_path: Path
) -> None:
    av = assignment("AV_MUXED", language="en", movie_id="81100079")
    attack = tmp_path / "CPL.xml"
    attack.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    assetmap, pkl, _ = _parts(package)
    result = portal_client.deliver_imf([av], assetmap, pkl, attack)
    assert result.status == "ERROR" and result.errors[0].startswith("IMF_XML_UNREADABLE")


def test_slate_validates_before_it_declares_and_sends_the_package_parts(
    portal_client: HttpPortalClient, assignment: Callable[..., str], package: Path, tmp_path: Path
) -> None:
    av = assignment("AV_MUXED", language="en", movie_id="81100080")
    result = deliver_package(portal_client, package, [av])
    assert result.status == "SUCCESS" and result.cpl_id == next(iter(load_package(package).cpls))
    broken = tmp_path / "broken"
    shutil.copytree(package, broken)
    next(broken.glob("MainAudioSequence_*.mxf")).unlink()
    with pytest.raises(InvalidInput, match="nothing was sent") as refused:
        deliver_package(portal_client, broken, [av])
    assert refused.value.codes == ["IMF_FILE_MISSING"]


def test_cli_deliver_declares_the_package_to_the_configured_portal(
    portal: PortalServer, assignment: Callable[..., str], package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    av = assignment("AV_MUXED", language="en", movie_id="81100081")
    monkeypatch.setenv("SLATE_PORTAL_BASE_URL", portal.base_url)
    reset_settings()
    try:
        first = CliRunner().invoke(app, ["imf", "deliver", str(package), "--request", av])
        again = CliRunner().invoke(app, ["imf", "deliver", str(package), "--request", av])
    finally:
        monkeypatch.delenv("SLATE_PORTAL_BASE_URL")
        reset_settings()
    assert first.exit_code == 0, first.output
    assert "SUCCESS" in first.output and f"{av} " in first.output and "NEW" in first.output
    assert again.exit_code == 1 and "STUDIO_UNMODIFIED_EXPECTED" in again.output
