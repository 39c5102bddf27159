"""Channel remapping with ffmpeg, and the auto-correction of a mismapped printmaster end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from slate.errors import MediaError
from slate.media import fix_channel_order, probe, remap_channels
from tests.validators.audio_media import AudioMedia, write
from validators.audio import channel_remap, validate
from validators.base import QCContext


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> AudioMedia:
    return AudioMedia(tmp_path_factory.getbasetemp() / "audio_media")


def test_remap_moves_samples_exactly_and_writes_the_mask(tmp_path: Path) -> None:
    levels = np.arange(1, 7)[:, None] * 0.1 * np.ones((6, 4_800))  # channel i holds 0.1·(i+1)
    source = write(tmp_path / "in.wav", levels, layout=None)
    before = source.read_bytes()
    target = remap_channels(source, tmp_path / "out" / "fixed.wav", [0, 2, 1, 3, 4, 5])
    data, _ = sf.read(target)
    assert np.allclose(data[100], [0.1, 0.3, 0.2, 0.4, 0.5, 0.6], atol=1e-6)
    audio = probe(target).audio
    assert audio is not None and audio.channel_layout == "5.1" and audio.codec_name == "pcm_s24le"
    assert source.read_bytes() == before


def test_a_bad_order_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    source = write(tmp_path / "in.wav", np.zeros((6, 4_800)))
    with pytest.raises(MediaError, match="not an order"):
        remap_channels(source, tmp_path / "fixed.wav", [0, 1, 2, 3, 4, 4])
    with pytest.raises(MediaError, match="never over its source"):
        remap_channels(source, source, [0, 1, 2, 3, 4, 5])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav"]


@pytest.mark.parametrize("carried", [(0, 2, 1, 3, 4, 5), (0, 2, 1, 4, 5, 3), (0, 1, 3, 2, 4, 5)])
def test_fix_channel_order_makes_a_mismapped_printmaster_clean(
    media: AudioMedia, tmp_path: Path, carried: tuple[int, ...]
) -> None:
    name = "order_" + "".join(map(str, carried))
    mismapped = media.file(name, lambda ch: ch[list(carried)])
    context = QCContext(asset_type="printmaster", channel_layout="5.1")
    report = validate(mismapped, context)
    assert "AUDIO_CHANNEL_ORDER" in report.codes()
    fixed = fix_channel_order(mismapped, tmp_path, channel_remap(report))
    assert fixed is not None and fixed.parent == tmp_path and fixed != mismapped
    assert validate(fixed, context).findings == []


def test_nothing_to_fix_returns_none(media: AudioMedia, tmp_path: Path) -> None:
    clean = media.clean()
    report = validate(clean, QCContext(asset_type="printmaster"))
    assert fix_channel_order(clean, tmp_path, channel_remap(report)) is None
    assert list(tmp_path.iterdir()) == []
