"""ffprobe summaries of generated files, and errors that name the file."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from slate.errors import MediaError
from slate.media import probe
from tests.validators.audio_media import run, write


def test_a_51_wav_reports_layout_mask_rate_and_depth(tmp_path: Path) -> None:
    path = write(tmp_path / "mix.wav", np.zeros((6, 48_000)) + 0.01)
    summary = probe(path)
    audio = summary.audio
    assert audio is not None and summary.video is None
    assert (audio.codec_name, audio.sample_rate, audio.channels, audio.bits_per_sample) == (
        "pcm_s24le", 48_000, 6, 24,
    )  # fmt: skip
    assert audio.channel_layout == "5.1"
    assert audio.channel_names == ("FL", "FR", "FC", "LFE", "BL", "BR")
    assert audio.channel_mask == 0x3F
    assert summary.duration_seconds == pytest.approx(1.0)
    assert summary.size == path.stat().st_size


def test_a_wav_without_mask_has_no_layout(tmp_path: Path) -> None:
    audio = probe(write(tmp_path / "plain.wav", np.zeros((6, 4_800)), layout=None)).audio
    assert audio is not None and audio.channel_layout is None and audio.channel_mask is None


def test_video_stream_has_an_exact_frame_rate(tmp_path: Path) -> None:
    path = tmp_path / "clip.mov"
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=d=1:s=320x240:r=24000/1001",
         "-c:v", "mpeg4", str(path)])  # fmt: skip
    video = probe(path).video
    assert video is not None
    assert (video.width, video.height, video.frame_rate) == (320, 240, Fraction(24000, 1001))


def test_unreadable_and_missing_files_raise_media_error_naming_them(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.wav"
    garbage.write_text("not media")
    for path in (garbage, tmp_path / "missing.wav"):
        with pytest.raises(MediaError) as caught:
            probe(path)
        assert str(path) in str(caught.value)
        assert caught.value.path == str(path)  # type: ignore[attr-defined]
