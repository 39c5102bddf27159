"""The one-pass meter against known answers, an independent meter (ffmpeg) and brute force."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.validators.audio_media import RATE, AudioMedia, ffmpeg_loudness, run
from validators.audio import validate
from validators.audio.dsp import TRUE_PEAK_PHASES
from validators.audio.measure import Meter
from validators.base import QCContext


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> AudioMedia:
    return AudioMedia(tmp_path_factory.getbasetemp() / "audio_media")


def meter(channels: int = 1) -> Meter:
    return Meter(
        channels, RATE, speech_band=(300.0, 3400.0), lfe_cutoff=120.0, clip_level=0.999, clip_min_run=3
    )


def sine(freq: float, amplitude: float, seconds: float = 3.0, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return amplitude * np.sin(2 * np.pi * freq * t + phase)


def test_bs1770_reference_tone_reads_minus_23_lkfs(tmp_path: Path) -> None:
    """A 997 Hz sine at −20 dBFS in one front channel is −23.0 LKFS (BS.1770: 0 dBFS reads −3.01)."""
    path = tmp_path / "tone.wav"
    tone = sine(997, 0.1, seconds=4)
    sf.write(path, np.stack([tone, np.zeros_like(tone)]).T, RATE, subtype="PCM_24")
    report = validate(path, QCContext(asset_type="me"))
    assert report.measurements["programme_loudness_lkfs"] == pytest.approx(-23.01, abs=0.03)


def test_loudness_and_true_peak_agree_with_ffmpeg(media: AudioMedia) -> None:
    path = media.clean()
    report = validate(path, QCContext(asset_type="printmaster"))
    loudness, true_peak = ffmpeg_loudness(path)
    assert report.measurements["programme_loudness_lkfs"] == pytest.approx(loudness, abs=0.2)
    assert report.measurements["true_peak_dbtp"] == pytest.approx(true_peak, abs=0.3)


def test_true_peak_finds_the_peak_between_samples() -> None:
    """A quarter-rate sine sampled 45° off its crest: samples reach −9.03 dBFS, the wave −6.02."""
    m = meter()
    m.feed(sine(RATE / 4, 0.5, phase=np.pi / 4).astype(np.float32)[None])
    result = m.result()
    assert 20 * np.log10(result.peak[0]) == pytest.approx(-9.03, abs=0.01)
    assert 20 * np.log10(result.true_peak[0]) == pytest.approx(-6.02, abs=0.25)


def test_skipping_quiet_windows_gives_the_same_true_peak_as_oversampling_everything() -> None:
    rng = np.random.default_rng(11)
    signal = rng.standard_normal(RATE * 3) * 0.05 * np.exp(rng.standard_normal(RATE * 3) * 0.5)
    signal = signal.astype(np.float32)
    padded = np.concatenate([np.zeros(11, dtype=np.float32), signal])
    oversampled = max(np.abs(np.convolve(padded, phase, mode="valid")).max() for phase in TRUE_PEAK_PHASES)
    brute = max(oversampled, np.abs(signal).max())  # never below the sample peak
    m = meter()
    position = 0
    for size in (1000, 47_999, 3, 60_000, RATE * 3):  # odd block sizes cross the windows' edges
        m.feed(signal[None, position : position + size])
        position += size
    assert m.result().true_peak[0] == pytest.approx(float(brute), rel=1e-5)


def test_a_clipped_run_across_two_blocks_counts_once() -> None:
    m = meter()
    first, second = np.zeros(1000, dtype=np.float32), np.zeros(1000, dtype=np.float32)
    first[-2:], second[:2] = 1.0, -1.0
    m.feed(first[None])
    m.feed(second[None])
    result = m.result()
    assert result.clip_runs[0] == 1
    assert result.clip_first[0] == pytest.approx(998 / RATE)


def _traced_peak(path: Path, seconds: int) -> float:
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"anoisesrc=r=48000:a=0.05:c=pink:d={seconds}",
         "-af", "pan=5.1|c0=c0|c1=0.5*c0|c2=0.2*c0|c3=0.1*c0|c4=0.3*c0|c5=0.4*c0",
         "-c:a", "pcm_s24le", str(path)])  # fmt: skip
    tracemalloc.start()
    try:
        report = validate(path, QCContext(asset_type="me"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.measurements["duration_seconds"] == seconds
    return peak / 2**20


def test_the_file_is_streamed_not_loaded(tmp_path: Path) -> None:
    """Memory does not grow with the file: 80 s of 5.1 is 92 MB as float32, the meter stays flat."""
    short = _traced_peak(tmp_path / "short.wav", 20)
    long = _traced_peak(tmp_path / "long.wav", 80)
    assert long < 40, f"peak traced memory {long:.1f} MB"
    assert long - short < 2, f"memory grew from {short:.1f} MB to {long:.1f} MB"
