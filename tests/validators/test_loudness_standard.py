"""Loudness, loudness range and true peak against the standards' own definitions and test cases.

Expectations come from the documents, never from Slate's output:

* ITU-R BS.1770-4: the K-weighting filters as tabulated for 48 kHz (Tables 1 and 2), the loudness
  formula ``−0.691 + 10·log10(Σ G·z)``, the channel weights, the gates; Annex 2 for true peak.
* EBU Tech 3341 (v3) test cases 1–6 (integrated loudness, ±0.1 LU) and 15–19 (true peak,
  +0.2/−0.4 dB), generated here as the document defines them.
* EBU Tech 3342 (v3) test cases 1–4 (loudness range, ±1 LU).

A sine of peak amplitude ``A`` has the mean square ``A²/2``; its loudness in one channel is
``−0.691 + 10·log10(G·A²/2·|H(f)|²)`` with ``|H(f)|²`` the power gain of the two tabulated filters.
The Recommendation asks every other sample rate for the 48 kHz response, so tones at 44.1 and 96 kHz
are held to the same expectation.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

from tests.validators.audio_media import ffmpeg_loudness
from validators.audio import validate
from validators.audio.analysis import programme_loudness
from validators.audio.kweighting import KWeighting, k_weighting_sos
from validators.audio.measure import Meter
from validators.base import QCContext

F64 = npt.NDArray[np.float64]

RATES = (44_100, 48_000, 96_000)

#: BS.1770-4 Table 1 (pre-filter) and Table 2 (RLB filter) at 48 kHz: b0 b1 b2, a0 a1 a2.
PRE_FILTER = (
    (1.53512485958697, -2.69169618940638, 1.19839281085285),
    (1.0, -1.69065929318241, 0.73248077421585),
)
RLB_FILTER = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))

#: Nominal third-octave centre frequencies, 20 Hz to 20 kHz (ISO 266).
THIRD_OCTAVES = (20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800,
                 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10_000, 12_500, 16_000,
                 20_000)  # fmt: skip


def table_power_gain(freq: float) -> float:
    """|H(f)|² of the two tabulated 48 kHz filters in cascade."""
    z = np.exp(-2j * np.pi * freq / 48_000)
    gain = 1.0
    for b, a in (PRE_FILTER, RLB_FILTER):
        response = (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
        gain *= abs(response) ** 2
    return gain


def sine_loudness(freq: float, amplitudes_and_weights: list[tuple[float, float]]) -> float:
    """BS.1770-4 loudness of steady sines of one frequency: −0.691 + 10·log10(Σ G·A²/2·|H(f)|²)."""
    power = sum(
        weight * amplitude**2 / 2 * table_power_gain(freq) for amplitude, weight in amplitudes_and_weights
    )
    return -0.691 + 10 * math.log10(power)


def dbfs(level: float) -> float:
    return float(10 ** (level / 20))


def sine(freq: float, level_dbfs: float, seconds: float, rate: int, phase: float = 0.0) -> F64:
    t = np.arange(round(seconds * rate)) / rate
    return dbfs(level_dbfs) * np.sin(2 * np.pi * freq * t + phase)


def tone_sequence(steps: list[tuple[float, float]], rate: int = 48_000) -> F64:
    """A 1 kHz sine through ``(level dBFS, seconds)`` steps, phase continuous (as the EBU files are)."""
    parts, start = [], 0
    for level, seconds in steps:
        n = round(seconds * rate)
        t = (start + np.arange(n)) / rate
        parts.append(dbfs(level) * np.sin(2 * np.pi * 1000 * t))
        start += n
    return np.concatenate(parts)


def measure_file(tmp_path: Path, channels: F64, rate: int = 48_000) -> dict[str, object]:
    """Write ``(channels, n)`` as a 24-bit WAV and run the audio validator on it."""
    path = tmp_path / f"signal_{rate}_{channels.shape[0]}ch.wav"
    sf.write(path, channels.T, rate, subtype="PCM_24")
    return validate(path, QCContext(asset_type="me")).measurements


def lkfs(measurements: dict[str, object], key: str = "programme_loudness_lkfs") -> float:
    value = measurements[key]
    assert isinstance(value, float), f"{key} is {value!r}"
    return value


def test_the_filters_at_48k_are_the_recommendation_s_tables() -> None:
    pre, rlb = k_weighting_sos(48_000)
    assert pre[:3] == pytest.approx(PRE_FILTER[0], abs=1e-8)
    assert pre[3:] == pytest.approx(PRE_FILTER[1], abs=1e-8)
    assert rlb[:3] == pytest.approx(RLB_FILTER[0], abs=1e-8)
    assert rlb[3:] == pytest.approx(RLB_FILTER[1], abs=1e-8)


@pytest.mark.parametrize("rate", RATES)
def test_third_octave_tones_read_their_defined_loudness(rate: int) -> None:
    """Every third-octave tone from 20 Hz to 20 kHz, 3 s at −20 dBFS in one front channel, ±0.1 LU."""
    wrong = {}
    for freq in THIRD_OCTAVES:
        meter = Meter(1, rate, speech_band=(300.0, 3400.0), lfe_cutoff=120.0, clip_level=1.0, clip_min_run=3)
        meter.feed(sine(freq, -20.0, 3.0, rate).astype(np.float32)[None])
        measured = meter.result()
        loudness = programme_loudness(measured.k_weighted, [1.0], measured.frame)
        expected = sine_loudness(freq, [(dbfs(-20.0), 1.0)])
        if loudness is None or abs(loudness - expected) > 0.1:
            wrong[freq] = (loudness, round(expected, 2))
    assert not wrong, f"at {rate} Hz, measured vs expected LKFS: {wrong}"


@pytest.mark.parametrize("rate", RATES)
def test_3341_case_1_stereo_sine_at_minus_23_dbfs(tmp_path: Path, rate: int) -> None:
    tone = sine(1000, -23.0, 20.0, rate)
    assert lkfs(measure_file(tmp_path, np.stack([tone, tone]), rate)) == pytest.approx(-23.0, abs=0.1)


def test_3341_case_2_stereo_sine_at_minus_33_dbfs(tmp_path: Path) -> None:
    tone = sine(1000, -33.0, 20.0, 48_000)
    assert lkfs(measure_file(tmp_path, np.stack([tone, tone]))) == pytest.approx(-33.0, abs=0.1)


@pytest.mark.parametrize(
    ("case", "steps"),
    [
        (3, [(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)]),  # the relative gate drops the −36 parts
        (4, [(-72.0, 10.0), (-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0), (-72.0, 10.0)]),  # and −70 the −72
        (5, [(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)]),  # nothing gated: the power mean is −23
    ],
)
def test_3341_gating_cases(tmp_path: Path, case: int, steps: list[tuple[float, float]]) -> None:
    tone = tone_sequence(steps)
    assert lkfs(measure_file(tmp_path, np.stack([tone, tone]))) == pytest.approx(-23.0, abs=0.1), case


def case_6(rate: int, seconds: float, lfe: F64 | None = None) -> F64:
    """5.1 (L R C LFE Ls Rs) with Tech 3341 case 6's 5.0 levels: L, R −28 dBFS, C −24, Ls, Rs −30."""
    front, centre, surround = (sine(1000, level, seconds, rate) for level in (-28.0, -24.0, -30.0))
    return np.stack([front, front, centre, np.zeros_like(front) if lfe is None else lfe, surround, surround])


@pytest.mark.parametrize("rate", RATES)
def test_3341_case_6_surrounds_weigh_1_41(tmp_path: Path, rate: int) -> None:
    assert lkfs(measure_file(tmp_path, case_6(rate, 20.0), rate)) == pytest.approx(-23.0, abs=0.1)


def test_the_lfe_does_not_count(tmp_path: Path) -> None:
    """Case 6 with a 50 Hz tone at −6 dBFS in the LFE (alone it would read −13.6 LKFS): still −23.0."""
    rumble = sine(50, -6.0, 10.0, 48_000)
    assert lkfs(measure_file(tmp_path, case_6(48_000, 10.0, lfe=rumble))) == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize(
    ("case", "steps", "expected"),
    [
        (1, [(-20.0, 20.0), (-30.0, 20.0)], 10.0),
        (2, [(-20.0, 20.0), (-15.0, 20.0)], 5.0),
        (3, [(-40.0, 20.0), (-20.0, 20.0)], 20.0),
        (4, [(-50.0, 20.0), (-35.0, 20.0), (-20.0, 20.0), (-35.0, 20.0), (-50.0, 20.0)], 15.0),
    ],
)
def test_3342_loudness_range_cases(
    tmp_path: Path, case: int, steps: list[tuple[float, float]], expected: float
) -> None:
    tone = tone_sequence(steps)
    measured = measure_file(tmp_path, np.stack([tone, tone]))
    assert lkfs(measured, "loudness_range_lu") == pytest.approx(expected, abs=1.0), case


@pytest.mark.parametrize(
    ("case", "divisor", "amplitude", "phase_degrees", "expected"),
    [
        (15, 4, 0.50, 0.0, -6.0),
        (16, 4, 0.50, 45.0, -6.0),
        (17, 6, 0.50, 60.0, -6.0),
        (18, 8, 0.50, 67.5, -6.0),
        (19, 4, 1.41, 45.0, 3.0),
    ],
)
def test_3341_true_peak_cases(
    tmp_path: Path, case: int, divisor: int, amplitude: float, phase_degrees: float, expected: float
) -> None:
    """Sines at fs/4, fs/6, fs/8 whose crests fall between samples; Tech 3341 allows +0.2/−0.4 dB.

    The tone fades in and out over 10 ms: a sine that jumps from silence to 0.46 in one sample really
    does overshoot between samples (by 0.7 dB for case 18), which is not what the case measures.
    """
    rate = 48_000
    t = np.arange(rate * 3) / rate
    wave = amplitude * np.sin(2 * np.pi * rate / divisor * t + math.radians(phase_degrees))
    fade = np.sin(np.linspace(0, np.pi / 2, rate // 100)) ** 2
    wave[: fade.size] *= fade
    wave[-fade.size :] *= fade[::-1]
    measured = measure_file(tmp_path, np.stack([wave, wave]), rate)
    true_peak = lkfs(measured, "true_peak_dbtp")
    assert expected - 0.4 <= true_peak <= expected + 0.2, (case, true_peak)


def test_true_peak_is_never_below_the_sample_peak(tmp_path: Path) -> None:
    """A lone sample of 0.5 in silence: the oversampling phases pass it at 0.97, the figure stays −6.02."""
    signal = np.zeros(48_000)
    signal[24_000] = 0.5
    measured = measure_file(tmp_path, np.stack([signal, signal]))
    assert lkfs(measured, "true_peak_dbtp") == pytest.approx(20 * math.log10(0.5), abs=0.01)
    per_channel = measured["per_channel"]
    assert isinstance(per_channel, dict)
    assert per_channel["L"]["true_peak_at_s"] == pytest.approx(0.5, abs=1e-3)


def test_filter_state_carries_across_chunks_of_any_length() -> None:
    """Filtering in chunks of odd sizes gives the same weighted samples as filtering at once."""
    rng = np.random.default_rng(7)
    signal = (rng.standard_normal((2, 20_000)) * 0.1).astype(np.float32)
    whole = KWeighting(2, 48_000, frame=1).energies(signal)
    chunked = KWeighting(2, 48_000, frame=1)
    bounds = [0, 1, 2, 999, 5_003, 12_000, 20_000]
    parts = [chunked.energies(signal[:, a:b]) for a, b in itertools.pairwise(bounds)]
    assert np.concatenate(parts, axis=1) == pytest.approx(whole, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("rate", [44_100, 48_000])
def test_low_frequency_content_agrees_with_ffmpeg(tmp_path: Path, rate: int) -> None:
    """Where the per-frame weighting erred most (25–63 Hz), Slate and ffmpeg's meter agree to 0.1 LU."""
    rng = np.random.default_rng(rate)
    n = rate * 10
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    rumble = np.fft.irfft(spectrum * ((freqs >= 20) & (freqs <= 80)), n)
    rumble *= dbfs(-26.0) / np.sqrt(np.mean(rumble**2))
    left = rumble + sine(31.5, -20.0, 10.0, rate)
    right = rumble + sine(50, -22.0, 10.0, rate)
    path = tmp_path / "rumble.wav"
    sf.write(path, np.stack([left, right]).T, rate, subtype="PCM_24")
    measured = validate(path, QCContext(asset_type="me")).measurements
    reference, _ = ffmpeg_loudness(path)
    assert lkfs(measured) == pytest.approx(reference, abs=0.1)
