"""Turn the pass's raw figures into what the checks reason about: loudness, correlation, speech.

* Programme loudness follows ITU-R BS.1770-4: K-weighted mean square per channel (the filters run
  in time by the meter, summed per 50 ms frame) over 400 ms blocks stepping by 100 ms, channel
  weights (LFE excluded, surrounds +1.5 dB), an absolute gate at −70 LKFS and a relative gate 10 LU
  below. It is *programme* loudness, not dialogue-gated.
* Loudness range follows EBU Tech 3342 (3 s windows, −70 LKFS and −20 LU gates, 10th to 95th
  percentile) and is reported as a measurement only.
* Dialogue-likeness is the depth of the 2–8 Hz (syllabic) modulation of a channel's speech-band
  energy: speech comes in syllables and pauses, while effects beds, tones and noise are steady.
  Music with a beat is modulated too, but periodically; speech is not, so periodicity rules it out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from validators.audio.measure import FRAMES_PER_SECOND

__all__ = [
    "correlations",
    "db",
    "dialogue_scores",
    "loudness_range",
    "per_second_correlation",
    "programme_loudness",
]

F64 = npt.NDArray[np.float64]

_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0
_LRA_RELATIVE_GATE = -20.0
_SEGMENT_FRAMES = 2  # 100 ms of 50 ms frames
_SCORE_WINDOW_FRAMES = 50  # 2.5 s: long enough to see syllables, short enough for short files
_SYLLABLE_BAND_HZ = (2.0, 8.0)
_BEAT_LAGS_FRAMES = (5, 20)  # 0.25 s to 1 s at 20 frames per second


def db(power_or_amplitude: float, *, power: bool = False) -> float | None:
    """Decibels of a linear figure, or None for zero (kept JSON-safe: no infinities)."""
    if power_or_amplitude <= 0:
        return None
    return round((10 if power else 20) * math.log10(power_or_amplitude), 2)


def _block_powers(k_weighted: F64, weights: Sequence[float], frame: int, segments: int) -> F64:
    """Weighted mean-square power of each block of ``segments`` × 100 ms, stepping by 100 ms."""
    count = k_weighted.shape[1] // _SEGMENT_FRAMES
    if count < segments:
        return np.zeros(0)
    seg = k_weighted[:, : count * _SEGMENT_FRAMES].reshape(k_weighted.shape[0], count, _SEGMENT_FRAMES)
    cumulative = np.concatenate([np.zeros((seg.shape[0], 1)), np.cumsum(seg.sum(axis=2), axis=1)], axis=1)
    blocks = cumulative[:, segments:] - cumulative[:, :-segments]
    mean_square = blocks / (segments * _SEGMENT_FRAMES * frame)
    return np.asarray(np.asarray(weights, dtype=np.float64) @ mean_square)


def _lkfs(power: F64) -> F64:
    with np.errstate(divide="ignore"):
        return np.asarray(-0.691 + 10 * np.log10(power))


def programme_loudness(k_weighted: F64, weights: Sequence[float], frame: int) -> float | None:
    """BS.1770-4 gated programme loudness in LKFS; None when nothing passes the absolute gate."""
    power = _block_powers(k_weighted, weights, frame, segments=4)
    loud = power[_lkfs(power) > _ABSOLUTE_GATE]
    if loud.size == 0:
        return None
    relative = float(_lkfs(np.array([loud.mean()]))[0]) + _RELATIVE_GATE
    gated = loud[_lkfs(loud) > relative]
    return round(float(_lkfs(np.array([gated.mean()]))[0]), 2)


def loudness_range(k_weighted: F64, weights: Sequence[float], frame: int) -> float | None:
    """EBU Tech 3342 loudness range in LU, or None for programmes shorter than one 3 s window."""
    short_term = _lkfs(_block_powers(k_weighted, weights, frame, segments=30))
    loud = short_term[short_term > _ABSOLUTE_GATE]
    if loud.size == 0:
        return None
    mean_power = float(np.mean(10 ** ((loud + 0.691) / 10)))
    relative = -0.691 + 10 * math.log10(mean_power) + _LRA_RELATIVE_GATE
    gated = loud[loud > relative]
    return round(float(np.percentile(gated, 95) - np.percentile(gated, 10)), 2)


def correlations(gram: F64) -> F64:
    """Pearson-style correlation (without mean removal) between channels over the whole programme."""
    total = gram.sum(axis=0)
    return _normalise(total)


def per_second_correlation(gram: F64, first: int, second: int) -> F64:
    """Correlation of two channels in each second (0 where either is silent)."""
    cross = gram[:, first, second]
    energy = gram[:, first, first] * gram[:, second, second]
    out = np.zeros_like(cross)
    np.divide(cross, np.sqrt(energy), out=out, where=energy > 0)
    return out


def _normalise(matrix: F64) -> F64:
    energy = np.sqrt(np.clip(np.diag(matrix), 0, None))
    scale = np.outer(energy, energy)
    out = np.zeros_like(matrix)
    np.divide(matrix, scale, out=out, where=scale > 0)
    return out


def dialogue_scores(speech: F64, floor_power: float) -> tuple[F64, F64]:
    """Per channel, the median syllabic-modulation depth and beat periodicity over active windows.

    ``speech`` is the speech-band sum of squares per channel and 50 ms frame; windows whose mean is
    below ``floor_power`` (per frame) are silence and do not count. Depth is the RMS of the 2–8 Hz
    part of the normalised envelope: speech and rhythmic music have much, steady beds little.
    Periodicity is the envelope's highest autocorrelation at lags of 0.25–1 s (60–240 beats per
    minute): music keeps a beat, speech does not.
    """
    channels, frames = speech.shape
    windows = frames // _SCORE_WINDOW_FRAMES
    if windows == 0:
        return np.zeros(channels), np.zeros(channels)
    env = speech[:, : windows * _SCORE_WINDOW_FRAMES].reshape(channels, windows, _SCORE_WINDOW_FRAMES)
    mean = env.mean(axis=2, keepdims=True)
    active = mean[..., 0] > floor_power
    relative = np.divide(env, mean, out=np.zeros_like(env), where=mean > 0) - 1.0
    spectrum = np.abs(np.fft.rfft(relative, axis=2)) ** 2
    freqs = np.fft.rfftfreq(_SCORE_WINDOW_FRAMES, 1 / FRAMES_PER_SECOND)
    band = (freqs >= _SYLLABLE_BAND_HZ[0]) & (freqs <= _SYLLABLE_BAND_HZ[1])
    depth = np.sqrt(2 * spectrum[..., band].sum(axis=2)) / _SCORE_WINDOW_FRAMES
    padded = np.abs(np.fft.rfft(relative, n=2 * _SCORE_WINDOW_FRAMES, axis=2)) ** 2
    autocorrelation = np.fft.irfft(padded, axis=2)
    zero_lag = autocorrelation[..., :1]
    normalised = np.divide(autocorrelation, zero_lag, out=np.zeros_like(autocorrelation), where=zero_lag > 0)
    periodicity = normalised[..., _BEAT_LAGS_FRAMES[0] : _BEAT_LAGS_FRAMES[1] + 1].max(axis=2)
    return _median_active(depth, active), _median_active(periodicity, active)


def _median_active(values: F64, active: npt.NDArray[np.bool_]) -> F64:
    out = np.zeros(values.shape[0])
    for channel in range(values.shape[0]):
        if active[channel].any():
            out[channel] = float(np.median(values[channel][active[channel]]))
    return out
