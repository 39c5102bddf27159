"""The measured figures, named per channel: what findings cite as evidence and reports show.

Levels are in dB (None for digital silence, so the figures stay JSON-safe).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict

from validators.audio.analysis import (
    correlations,
    db,
    dialogue_scores,
    loudness_range,
    programme_loudness,
)
from validators.audio.layouts import loudness_weight
from validators.audio.measure import Measured
from validators.audio.rules import AudioRules

__all__ = ["LOUDNESS_METHOD", "ChannelFigures", "Figures", "compute_figures"]

LOUDNESS_METHOD = (
    "programme loudness, ITU-R BS.1770-4 (K-weighting filters, 400 ms blocks overlapping by 75%, "
    "-70 LKFS absolute and -10 LU relative gates, surrounds weighted 1.41, LFE excluded); "
    "not dialogue-gated"
)
#: A window is active for dialogue scoring when its speech band is above −70 dBFS.
_SPEECH_FLOOR_DBFS = -70.0
#: Share of a channel's energy in the speech band that dialogue has at least.
SPEECH_SHARE_MIN = 0.3


class ChannelFigures(BaseModel):
    """One channel's figures."""

    model_config = ConfigDict(frozen=True)

    label: str
    peak_dbfs: float | None
    true_peak_dbtp: float | None
    true_peak_at_s: float
    rms_dbfs: float | None
    speech_band_dbfs: float | None
    #: Share of energy in the speech band and above the LFE cutoff (0–1).
    speech_band_share: float
    high_band_ratio: float
    dialogue_score: float
    #: How regularly the speech band pulses (0–1): high for music with a beat, low for speech.
    beat_periodicity: float
    silent: bool
    clipped_runs: int
    clip_first_s: float | None
    clip_last_s: float | None

    def evidence(self, *names: str) -> dict[str, object]:
        """The named figures, for a finding's ``evidence``."""
        data = self.model_dump()
        return {name: data[name] for name in names}


class Figures(BaseModel):
    """All figures of one subject."""

    model_config = ConfigDict(frozen=True)

    channels: list[ChannelFigures]
    programme_loudness_lkfs: float | None
    loudness_range_lu: float | None
    true_peak_dbtp: float | None
    #: Channel × channel correlation over the programme (rounded).
    correlation: list[list[float]]

    def dialogue_like(self, index: int, rules: AudioRules) -> bool:
        """Whether a channel carries content that behaves like speech."""
        channel = self.channels[index]
        return (
            not channel.silent
            and channel.dialogue_score >= rules.dialogue_score_min
            and channel.beat_periodicity <= rules.dialogue_periodicity_max
            and channel.speech_band_share >= SPEECH_SHARE_MIN
        )

    def lfe_like(self, index: int, rules: AudioRules) -> bool:
        """Whether a channel carries band-limited low-frequency content, as an LFE does."""
        channel = self.channels[index]
        return not channel.silent and channel.high_band_ratio <= rules.lfe_max_high_band_ratio


def compute_figures(measured: Measured, labels: list[str], rules: AudioRules) -> Figures:
    """Name and convert the pass's figures."""
    bands = measured.bands
    totals = bands.sum(axis=1)  # channel × band sums of squares over whole frames
    samples = max(bands.shape[1] * measured.frame, 1)
    weights = [loudness_weight(label) for label in labels]
    floor = measured.frame * 10 ** (_SPEECH_FLOOR_DBFS / 10)
    scores, periodicity = dialogue_scores(bands[:, :, 1], floor)
    silence = 10 ** (rules.silence_threshold_dbfs / 20)
    channels = []
    for index, label in enumerate(labels):
        total, speech, high = (float(v) for v in totals[index])
        channels.append(
            ChannelFigures(
                label=label,
                peak_dbfs=db(float(measured.peak[index])),
                true_peak_dbtp=db(float(measured.true_peak[index])),
                true_peak_at_s=round(float(measured.true_peak_at[index]), 3),
                rms_dbfs=db(total / samples, power=True),
                speech_band_dbfs=db(speech / samples, power=True),
                speech_band_share=round(speech / total, 3) if total > 0 else 0.0,
                high_band_ratio=round(high / total, 3) if total > 0 else 0.0,
                dialogue_score=round(float(scores[index]), 3),
                beat_periodicity=round(float(periodicity[index]), 3),
                silent=bool(measured.peak[index] < silence),
                clipped_runs=int(measured.clip_runs[index]),
                clip_first_s=_seconds(measured.clip_first[index]),
                clip_last_s=_seconds(measured.clip_last[index]),
            )
        )
    true_peak = float(measured.true_peak.max()) if labels else 0.0
    return Figures(
        channels=channels,
        programme_loudness_lkfs=programme_loudness(measured.k_weighted, weights, measured.frame),
        loudness_range_lu=loudness_range(measured.k_weighted, weights, measured.frame),
        true_peak_dbtp=db(true_peak),
        correlation=np.round(correlations(measured.gram), 4).tolist() if measured.gram.size else [],
    )


def _seconds(value: float) -> float | None:
    return None if value < 0 or math.isnan(value) else round(float(value), 3)
