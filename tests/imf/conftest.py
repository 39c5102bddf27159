"""Real MXF essence made once per test session by ffmpeg (2 s of 24 fps JPEG 2000, 2 s of PCM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imf.builders import make_audio_mxf, make_video_mxf


@pytest.fixture(scope="session")
def essence(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("essence")
    return {
        "video": make_video_mxf(folder / "video.mxf", frames=48),
        "audio": make_audio_mxf(folder / "audio.mxf", seconds=2),
    }
