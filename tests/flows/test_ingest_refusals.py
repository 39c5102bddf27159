"""Ingest refuses a file that does not fit its request: wrong kind, wrong channel count, unreadable.

Each refusal is an error naming the file and the rule, and leaves the request exactly as it was:
the same status, the same versions in the same colours, and not one more object in the blob store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest import ingest
from slate import lifecycle
from slate.errors import InvalidInput, TransitionError
from slate.media import synth
from slate.models import MaterialStatus
from slate.settings import get_settings
from slate.store import Database
from tests.fixtures.portal import PortalServer
from tests.flows._support import assign_and_intake, state, stored_files, wav
from tests.flows.conftest import ttml


@pytest.fixture
def printmaster_51(portal: PortalServer, slate_db: Database, tmp_path: Path) -> str:
    """A 5.1 printmaster request that already holds a good version (RECEIVED)."""
    request_id = assign_and_intake(portal, sourceType="AUDIO_PRINTMASTER", audioChannels=6)
    ingest(request_id, str(wav(tmp_path / "pm_51.wav", channels=6)))
    assert state(slate_db, request_id)[0] is MaterialStatus.RECEIVED
    return request_id


def _refused(db: Database, request_id: str, source: Path, match: str) -> InvalidInput:
    before = state(db, request_id)
    objects = stored_files(get_settings().effective_blob_root)
    with pytest.raises(InvalidInput, match=match) as refused:
        ingest(request_id, str(source))
    assert state(db, request_id) == before
    assert stored_files(get_settings().effective_blob_root) == objects
    assert source.name in str(refused.value)
    return refused.value


def test_a_stereo_wav_for_a_51_printmaster_is_refused(
    printmaster_51: str, slate_db: Database, tmp_path: Path
) -> None:
    error = _refused(
        slate_db, printmaster_51, wav(tmp_path / "pm_stereo.wav", channels=2), "has 2 audio channels"
    )
    assert "asks for 6" in str(error) and error.data["rule"] == "channel count fits the request"


def test_a_video_file_for_a_printmaster_is_refused(
    printmaster_51: str, slate_db: Database, tmp_path: Path
) -> None:
    video = synth.av_file(tmp_path / "ep1.mp4", seconds=1)
    error = _refused(slate_db, printmaster_51, video, "a file of kind VIDEO cannot")
    assert "AUDIO_PRINTMASTER request, which takes AUDIO" in str(error)
    assert error.data["rule"] == "kind fits the source type"


def test_a_subtitle_file_for_a_printmaster_is_refused(
    printmaster_51: str, slate_db: Database, tmp_path: Path
) -> None:
    _refused(slate_db, printmaster_51, ttml(tmp_path / "ep1_en.xml"), "a file of kind TIMED_TEXT cannot")


def test_an_unreadable_media_file_is_refused(printmaster_51: str, slate_db: Database, tmp_path: Path) -> None:
    garbage = tmp_path / "pm_truncated.wav"
    garbage.write_bytes(b"RIFF\x00\x00" + bytes(range(256)) * 8)
    error = _refused(slate_db, printmaster_51, garbage, "not a media file Slate can read")
    assert error.data["rule"] == "readable media"


def test_an_audio_file_for_an_av_request_is_refused_before_anything_is_received(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    request_id = assign_and_intake(portal, sourceType="AV_MUXED")
    _refused(slate_db, request_id, wav(tmp_path / "ep1_51.wav", channels=6), "a file of kind AUDIO cannot")
    assert state(slate_db, request_id) == (MaterialStatus.NOT_RECEIVED, [])


def test_a_file_for_a_canceled_request_is_refused_and_its_stored_copy_removed(
    portal: PortalServer, slate_db: Database, tmp_path: Path
) -> None:
    """The file fits, so it reaches the blob store; the lifecycle then refuses it, and the copy goes."""
    request_id = assign_and_intake(portal)
    with slate_db.session() as session:
        lifecycle.apply(session, request_id, "cancel", actor="test", reason="the studio canceled it")
    with pytest.raises(TransitionError, match=f"{request_id}: cannot receive from CANCELED"):
        ingest(request_id, str(ttml(tmp_path / "late_en.xml")))
    assert state(slate_db, request_id) == (MaterialStatus.CANCELED, [])
    assert stored_files(get_settings().effective_blob_root) == []
